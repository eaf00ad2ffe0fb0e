#pragma once

// For the file engine's tests (run as root, as the agent does): a temporary root with homes
// owned by uids that exist only as numbers (alice 61001 with public_html, bob 61002 with a
// secret), files written with an owner and mode, and a file's bytes read back. Header-only.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "agent/files/account_home.h"
#include "agent/testing/temp_root.h"
#include "common/exec/command_runner.h"
#include "common/result.h"

namespace hostplane::agent::files::testing {

inline constexpr uid_t kAlice = 61001;
inline constexpr uid_t kBob = 61002;

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void Put(const std::string& path, const std::string& content, uid_t uid, mode_t mode) {
  std::ofstream(path, std::ios::binary) << content;
  ASSERT_EQ(::chown(path.c_str(), uid, uid), 0) << path;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

inline void Dir(const std::string& path, uid_t uid, mode_t mode) {
  ASSERT_EQ(::mkdir(path.c_str(), mode), 0) << path;
  ASSERT_EQ(::chown(path.c_str(), uid, uid), 0) << path;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

inline bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// The per-field code of an engine error ("path.symlink"), or the message when it has none.
inline std::string CodeOf(const Error& e) {
  return e.fields.empty() ? "(none: " + e.message + ")" : e.fields.begin()->second;
}

// Runs a python3 program (argv, no shell) that writes test archives; true when it exits 0.
inline bool Python(const std::string& program, const std::string& arg) {
  static PosixCommandRunner runner({"/usr/bin/python3"});
  Command cmd;
  cmd.argv = {"/usr/bin/python3", "-c", program, arg};
  cmd.timeout = std::chrono::seconds(120);
  auto r = runner.Run(cmd);
  EXPECT_TRUE(r && r->exit_code == 0) << (r ? r->err : r.error().message);
  return r && r->exit_code == 0;
}

// <tmp>/home/alice (0710, with public_html) and <tmp>/home/bob (with secret.txt), and alice's
// home opened as an AccountHome by the engine under test (OpenHome of AccountFiles).
class TestHomes {
 public:
  TestHomes() {
    const std::string r = tmp_.path();
    ::mkdir((r + "/home").c_str(), 0755);
    Dir(alice, kAlice, 0710);
    Dir(alice + "/public_html", kAlice, 0755);
    Dir(bob, kBob, 0755);
    Put(bob + "/secret.txt", "bob's secret", kBob, 0644);
    root_fd = ::open(r.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ~TestHomes() { ::close(root_fd); }
  TestHomes(const TestHomes&) = delete;
  TestHomes& operator=(const TestHomes&) = delete;

  agent::testing::TempRoot tmp_;
  std::string alice = tmp_.path() + "/home/alice";
  std::string bob = tmp_.path() + "/home/bob";
  int root_fd = -1;
};

}  // namespace hostplane::agent::files::testing
