#include "common/exec/stale_daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace hostplane {
namespace {

namespace fs = std::filesystem;

// The pid written in the file (its first line), 0 when there is none.
int ReadPid(const std::string& pid_file) {
  std::ifstream in(pid_file);
  std::string line;
  if (!in || !std::getline(in, line)) return 0;
  const size_t begin = line.find_first_not_of(" \t");
  if (begin == std::string::npos) return 0;
  int pid = 0;
  auto [end, ec] = std::from_chars(line.data() + begin, line.data() + line.size(), pid);
  if (ec != std::errc() || pid <= 1) return 0;
  return pid;
}

// The real path of the program pid runs ("" when it is gone or not readable). The kernel
// appends " (deleted)" when the binary was replaced since (a package upgrade): still the daemon.
std::string ExecutableOf(int pid) {
  std::error_code ec;
  std::string exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
  if (ec) return {};
  constexpr std::string_view kDeleted = " (deleted)";
  if (exe.ends_with(kDeleted)) exe.resize(exe.size() - kDeleted.size());
  return exe;
}

// True while pid exists and is not a zombie (an orphan's zombie waits for init to reap it).
bool Alive(int pid) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');  // "pid (comm) S ...": comm may hold spaces and ')'
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

// Waits until pid is gone (its parent, init, reaps it) or the time is up.
bool WaitGone(int pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (Alive(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

Result<int> StopStaleDaemon(const std::string& pid_file, const std::string& binary,
                            std::chrono::milliseconds grace) {
  const int pid = ReadPid(pid_file);
  if (pid == 0 || pid == ::getpid()) return 0;
  std::error_code ec;
  const std::string wanted = fs::canonical(binary, ec).string();
  if (ec || !Alive(pid) || ExecutableOf(pid) != wanted) return 0;
  ::kill(pid, SIGTERM);
  if (!WaitGone(pid, grace)) {
    ::kill(pid, SIGKILL);
    if (!WaitGone(pid, std::chrono::seconds(5))) {
      return Fail(Error::Unavailable("a " + binary + " left running by an earlier run (pid " +
                                     std::to_string(pid) + ", named by " + pid_file +
                                     ") does not exit even on SIGKILL"));
    }
  }
  if (fs::remove(pid_file, ec); ec) {
    return Fail(Error::FromErrno("removing " + pid_file, ec.value()));
  }
  return pid;
}

}  // namespace hostplane
