#pragma once

// What the driver tests share: golden files beside the test, tasks as the controller sends
// them, the "every task applied" check, a CommandRunner that counts its runs, curl netrc files
// and polling until a daemon has done something. Header-only, for hp_agent_test.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <source_location>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "agent/batch_applier.h"
#include "agent/testing/temp_root.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"
#include "common/testing/source_path.h"
#include "protocol/messages.h"

namespace hostplane::agent::testing {

inline constexpr const char* kCurl = "/usr/bin/curl";

// Compares `actual` with testdata/<name> beside the calling test's source file. With
// HP_UPDATE_GOLDEN=1 in the environment it rewrites that file first (review the diff).
inline void ExpectGolden(const std::string& name, const std::string& actual,
                         std::source_location caller = std::source_location::current()) {
  ::testing::ScopedTrace trace(caller.file_name(), static_cast<int>(caller.line()),
                               "golden " + name);
  const std::filesystem::path path =
      hostplane::testing::CompiledFile(caller.file_name()).parent_path() / "testdata" / name;
  if (std::getenv("HP_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path.string();
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(actual, ss.str()) << "golden " << name;
}

// A task as the controller sends it; its id is its revision.
inline protocol::Task MakeTask(int64_t revision, std::string object_key, std::string kind,
                               protocol::Json spec) {
  protocol::Task t;
  t.id = revision;
  t.revision = revision;
  t.object_key = std::move(object_key);
  t.kind = std::move(kind);
  t.spec = std::move(spec);
  return t;
}

inline protocol::Task SiteEnsureTask(int64_t revision, const protocol::SiteSpec& s) {
  return MakeTask(revision, "site:" + s.domain, protocol::kSiteEnsure, protocol::ToJson(s));
}

inline protocol::Task SiteRemoveTask(int64_t revision, const protocol::SiteRemoval& r) {
  return MakeTask(revision, "site:" + r.domain, protocol::kSiteRemove, protocol::ToJson(r));
}

// Expects every task of the batch applied, naming the task and the driver's words otherwise.
inline void ExpectAllApplied(const BatchOutcome& out,
                             std::source_location caller = std::source_location::current()) {
  ::testing::ScopedTrace trace(caller.file_name(), static_cast<int>(caller.line()),
                               "ExpectAllApplied");
  for (const auto& r : out.results) {
    EXPECT_EQ(r.outcome, protocol::TaskOutcome::kApplied) << "task " << r.task << ": " << r.detail;
  }
}

// Runs commands for real (argv from the allowlist) and counts them, to show that an idempotent
// apply runs none (P2).
class CountingRunner final : public CommandRunner {
 public:
  explicit CountingRunner(std::set<std::string> allowed_programs)
      : real_(std::move(allowed_programs)) {}

  Result<CommandOutput> Run(const Command& command) override {
    ++runs;
    return real_.Run(command);
  }

  std::atomic<int> runs{0};

 private:
  PosixCommandRunner real_;
};

// Writes a curl netrc file at `rel` with the login for 127.0.0.1, mode 0600: the password reaches
// curl through this file, never through argv. Netrc splits at whitespace: passwords have none.
[[nodiscard]] inline Status WriteNetrc(Filesystem& fs, const std::string& rel,
                                       const std::string& login, const std::string& password) {
  return fs.WriteFileAtomic(
      rel, "machine 127.0.0.1 login " + login + " password " + password + "\n", 0600);
}

// The content of `rel`, or `missing` when it does not exist or cannot be read.
inline std::string ReadFileOr(Filesystem& fs, const std::string& rel, std::string missing = "") {
  auto content = fs.ReadFile(rel);
  return content && content->has_value() ? **content : missing;
}

// Calls `done` until it returns true or `timeout` has passed, pausing `every` in between (for
// what a daemon does asynchronously). Returns the last answer of `done`.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds every = std::chrono::milliseconds(100)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

}  // namespace hostplane::agent::testing
