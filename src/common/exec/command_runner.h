#pragma once

// The one way hostplane starts another program: an argv vector, never a shell string
// (shared/SECURITY.md rule 1). Secrets travel on stdin, never in argv. Every program run must be
// on the runner's allowlist of absolute paths.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane {

struct Command {
  std::vector<std::string> argv;  // argv[0] is an absolute path on the allowlist
  std::string stdin_data;         // written to the child's stdin, then closed
  std::chrono::milliseconds timeout{30'000};
  // Extra environment for the child; the child otherwise gets a minimal fixed environment
  // (PATH=/usr/sbin:/usr/bin:/sbin:/bin, LANG=C.UTF-8), never the caller's.
  std::map<std::string, std::string> env;
  // Runs the program as this user and group (supplementary groups dropped to just gid), never
  // root again; the runner must be root. nullopt: as this process. A tenant's files are read and
  // written this way, so the program can do no more than the tenant could.
  struct Identity {
    uid_t uid;
    gid_t gid;
  };
  std::optional<Identity> run_as;
  // Open descriptors to use as the child's stdin / stdout instead of stdin_data / out, for
  // streams too large for memory (an archive). The caller keeps ownership; -1: not used.
  int stdin_fd = -1;
  int stdout_fd = -1;
  // When set, checked every 100 ms while the program runs: once true, the program is killed
  // (SIGKILL) and Run fails with kUnavailable. A stopping agent does not wait for an hour's copy.
  const std::atomic<bool>* cancel = nullptr;
};

struct CommandOutput {
  int exit_code = -1;  // the exit status, or 128+signal when killed
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Runs short-lived helper programs. Thread-safe.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs the command to completion. Errors: kForbidden if argv[0] is not allowed, kIo if it
  // could not be started, kTimeout if it ran past the timeout (it is then killed). A non-zero
  // exit is not an error here: the caller reads CommandOutput::exit_code.
  [[nodiscard]] virtual Result<CommandOutput> Run(const Command& command) = 0;
};

// fork + execve with an allowlist. Records every argv it runs when an audit file is set
// (HOSTPLANE_EXEC_AUDIT), so integration tests can prove that no shell ever ran (P12).
class PosixCommandRunner final : public CommandRunner {
 public:
  explicit PosixCommandRunner(std::set<std::string> allowed_programs);
  [[nodiscard]] Result<CommandOutput> Run(const Command& command) override;

 private:
  std::set<std::string> allowed_;
};

// Finds an executable by name in the fixed system PATH (/usr/sbin:/usr/bin:/sbin:/bin), for
// building allowlists at start-up. Returns nullopt if there is none.
std::optional<std::string> FindProgram(const std::string& name);

// A long-running child (a daemon run in the foreground). The child gets SIGTERM if this process
// dies, even by kill -9 (PR_SET_PDEATHSIG), so no daemon outlives the all-in-one.
class ChildProcess {
 public:
  // Starts argv with stdout and stderr appended to log_path (when not empty), with the minimal
  // environment plus env; as run_as when set (as Command::run_as: the caller must be root; the
  // parent-death signal is set after the switch, so it still holds).
  [[nodiscard]] static Result<ChildProcess> Start(
      const std::vector<std::string>& argv, const std::string& log_path,
      const std::map<std::string, std::string>& env = {},
      std::optional<Command::Identity> run_as = std::nullopt);
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // stops the child (SIGTERM, then SIGKILL after 5 s)

  int pid() const { return pid_; }
  // True while the child has not exited. Reaps it when it has.
  bool Running();
  // Sends sig, waits up to grace for exit, then SIGKILL. Returns the exit status.
  int Stop(int sig, std::chrono::milliseconds grace);

 private:
  int pid_ = -1;
  int status_ = -1;
};

void WriteExecAudit(const std::vector<std::string>& argv);

}  // namespace hostplane
