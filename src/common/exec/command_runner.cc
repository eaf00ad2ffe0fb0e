#include "common/exec/command_runner.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace hostplane {
namespace {

constexpr const char* kSystemPath = "/usr/sbin:/usr/bin:/sbin:/bin";

// argv/envp arrays built before fork(): the child may only call async-signal-safe functions.
struct CArgs {
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
  explicit CArgs(std::vector<std::string> v) : storage(std::move(v)) {
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
};

CArgs BuildEnv(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env{{"PATH", kSystemPath}, {"LANG", "C.UTF-8"}};
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return CArgs(std::move(out));
}

// In a forked child before execve: the signal mask and ignored signals survive exec, and the
// controller blocks SIGINT/SIGTERM in every thread (it waits for them with sigwait) and ignores
// SIGPIPE. A daemon started with SIGTERM blocked never sees its stop signal (Dovecot was killed
// after its 10 s grace on every `up` stop). Async-signal-safe calls only.
void ResetSignalsForExec() {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

void WriteExecAudit(const std::vector<std::string>& argv) {
  static std::mutex mu;
  const char* path = std::getenv("HOSTPLANE_EXEC_AUDIT");
  if (path == nullptr || *path == '\0') return;
  std::string line;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i) line += '\t';
    line += argv[i];
  }
  line += '\n';
  std::lock_guard lock(mu);
  int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

std::optional<std::string> FindProgram(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name[0] == '/') {
    if (::access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  std::string path = kSystemPath;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string candidate = path.substr(start, end - start) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

PosixCommandRunner::PosixCommandRunner(std::set<std::string> allowed_programs)
    : allowed_(std::move(allowed_programs)) {}

Result<CommandOutput> PosixCommandRunner::Run(const Command& command) {
  if (command.argv.empty()) return Fail(Error::Invalid("empty argv"));
  if (!allowed_.contains(command.argv[0])) {
    return Fail(Error::Forbidden("program not on the allowlist: " + command.argv[0]));
  }
  CArgs args(command.argv);
  CArgs env = BuildEnv(command.env);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return Fail(Error::FromErrno("pipe", errno));
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return Fail(Error::FromErrno("pipe", errno));
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    return Fail(Error::FromErrno("pipe", errno));
  }
  WriteExecAudit(command.argv);
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      ::close(fd);
    return Fail(Error::FromErrno("fork", e));
  }
  if (pid == 0) {
    ::dup2(command.stdin_fd >= 0 ? command.stdin_fd : in_pipe[0], 0);
    ::dup2(command.stdout_fd >= 0 ? command.stdout_fd : out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (command.run_as) {
      // Group first (setgid needs root), then the user; any failure ends the child unstarted.
      const gid_t gid = command.run_as->gid;
      if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(command.run_as->uid) != 0) {
        ::_exit(126);
      }
      if (::chdir("/") != 0) ::_exit(126);
    }
    ResetSignalsForExec();
    ::execve(args.ptrs[0], args.ptrs.data(), env.ptrs.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  // Feed stdin from a thread so a child that writes a lot before reading cannot deadlock us.
  // (With stdin_fd the child reads its own descriptor: the pipe is closed at once.)
  static const std::string kNoInput;
  const std::string& input = command.stdin_fd >= 0 ? kNoInput : command.stdin_data;
  std::thread feeder([fd = in_pipe[1], &data = input] {
    size_t off = 0;
    ::signal(SIGPIPE, SIG_IGN);
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  });

  CommandOutput output;
  auto deadline = std::chrono::steady_clock::now() + command.timeout;
  bool timed_out = false;
  bool cancelled = false;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[8192];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (command.cancel != nullptr) {
      if (command.cancel->load()) {
        cancelled = true;
        break;
      }
      left = std::min(left, std::chrono::milliseconds(100));
    }
    int r = ::poll(fds, 2, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? output.out : output.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (timed_out || cancelled) ::kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  feeder.join();
  if (cancelled) return Fail(Error::Unavailable(command.argv[0] + " was stopped (cancelled)"));
  if (timed_out) {
    return Fail(Error::Timeout(command.argv[0] + " did not finish within " +
                               std::to_string(command.timeout.count()) + " ms"));
  }
  output.exit_code = ExitCodeOf(status);
  if (output.exit_code == 127 && output.out.empty() && output.err.empty()) {
    return Fail(Error::Io("could not execute " + command.argv[0]));
  }
  if (command.run_as && output.exit_code == 126 && output.out.empty() && output.err.empty()) {
    return Fail(Error::Forbidden("could not run " + command.argv[0] + " as uid " +
                                 std::to_string(command.run_as->uid)));
  }
  return output;
}

Result<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                         const std::string& log_path,
                                         const std::map<std::string, std::string>& extra_env,
                                         std::optional<Command::Identity> run_as) {
  if (argv.empty()) return Fail(Error::Invalid("empty argv"));
  CArgs args(argv);
  CArgs env = BuildEnv(extra_env);
  int log_fd = -1;
  if (!log_path.empty()) {
    log_fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log_fd < 0) return Fail(Error::FromErrno("opening " + log_path, errno));
  }
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  WriteExecAudit(argv);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    if (log_fd >= 0) ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Fail(Error::FromErrno("fork", e));
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // Ctrl-C in the terminal reaches us, and we stop the child in order
    if (run_as) {
      // Before the parent-death signal: a change of user clears it.
      const gid_t gid = run_as->gid;
      if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(run_as->uid) != 0) {
        ::_exit(126);
      }
    }
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(null_fd, 0);
    ::dup2(log_fd >= 0 ? log_fd : null_fd, 1);
    ::dup2(log_fd >= 0 ? log_fd : null_fd, 2);
    ResetSignalsForExec();
    ::execve(args.ptrs[0], args.ptrs.data(), env.ptrs.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  ChildProcess child;
  child.pid_ = pid;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) Stop(SIGTERM, std::chrono::seconds(5));
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGTERM, std::chrono::seconds(5));
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = ExitCodeOf(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::Stop(int sig, std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = ExitCodeOf(status);
  pid_ = -1;
  return status_;
}

}  // namespace hostplane
