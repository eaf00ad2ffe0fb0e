#include "agent/drivers/mariadb/mariadb_instance.h"

#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>
#include <vector>

#include "common/exec/stale_daemon.h"

namespace hostplane::agent {
namespace {

bool StartedByRoot() { return ::geteuid() == 0; }

// The last `max` bytes of text, for an error message.
std::string Tail(const std::string& text, size_t max = 2000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

MariaDbInstance::MariaDbInstance(MariaDbLayout layout, Filesystem& fs, CommandRunner& runner)
    : layout_(std::move(layout)), fs_(fs), runner_(runner) {}

MariaDbInstance::~MariaDbInstance() { Stop(); }

MariaDbConnectOptions MariaDbInstance::AdminOptions() const {
  MariaDbConnectOptions o;
  o.socket = fs_.HostPath(layout_.socket);
  o.host = "localhost";
  o.user = "root";
  return o;
}

// The directories are the instance's own (not a tenant's tree), created just before.
Status MariaDbInstance::ChownToServerUser(const std::string& rel) {
  if (!StartedByRoot() || layout_.os_user.empty()) return Ok();
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(layout_.os_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
      found == nullptr) {
    return Fail(Error::Invalid("the MariaDB OS user " + layout_.os_user + " does not exist"));
  }
  const std::string path = fs_.HostPath(rel);
  if (::lchown(path.c_str(), pw.pw_uid, pw.pw_gid) != 0) {
    return Fail(Error::FromErrno("chown " + path, errno));
  }
  return Ok();
}

Status MariaDbInstance::Install(std::chrono::milliseconds timeout) {
  // Parents the server must traverse (MakeDirs gives new parents the leaf's mode): 0755.
  for (const std::string& dir : {layout_.datadir, layout_.log_dir}) {
    const auto slash = dir.rfind('/');
    if (slash != std::string::npos && slash > 0) HP_TRY(fs_.MakeDirs(dir.substr(0, slash), 0755));
  }
  HP_TRY(fs_.MakeDirs(layout_.datadir, 0750));
  HP_TRY(fs_.MakeDirs(layout_.run_dir, 0755));  // clients on the socket must traverse it
  HP_TRY(fs_.MakeDirs(layout_.log_dir, 0750));
  for (const std::string& dir : {layout_.datadir, layout_.run_dir, layout_.log_dir}) {
    HP_TRY(ChownToServerUser(dir));
  }
  if (fs_.Exists(layout_.datadir + "/mysql")) return Ok();
  Command cmd;
  cmd.argv = {layout_.install_db_binary,
              "--no-defaults",  // must come first, or /etc/mysql/my.cnf is read
              "--datadir=" + fs_.HostPath(layout_.datadir),
              // The bootstrap server's temporary tables go under the prefix as the server's do:
              // in the shared /tmp, another test's clean-up raced them (install-db then fails
              // with "Could not remove temporary table").
              "--tmpdir=" + fs_.HostPath(layout_.run_dir),
              "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve"};
  if (StartedByRoot() && !layout_.os_user.empty()) cmd.argv.push_back("--user=" + layout_.os_user);
  cmd.timeout = timeout;
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error().Wrap("mariadb-install-db"));
  if (!out->ok()) {
    return Fail(Error::Unavailable("mariadb-install-db exited with " +
                                   std::to_string(out->exit_code) + ": " +
                                   Tail(out->err + out->out)));
  }
  return Ok();
}

std::string MariaDbInstance::ErrorLogTail() {
  auto log = fs_.ReadFile(layout_.log_dir + "/error.log");
  auto err = fs_.ReadFile(layout_.log_dir + "/mariadbd.stderr.log");
  std::string text;
  if (log && *log) text += **log;
  if (err && *err) text += **err;
  return Tail(text);
}

Result<int> MariaDbInstance::StopLeftover(const MariaDbLayout& layout, Filesystem& fs) {
  HP_ASSIGN_OR_RETURN(int pid, StopStaleDaemon(fs.HostPath(layout.pid_file), layout.server_binary,
                                               std::chrono::seconds(60)));
  if (pid > 0)
    spdlog::warn("mariadb: stopped mariadbd pid {}, left running by an earlier run", pid);
  return pid;
}

Status MariaDbInstance::Start(std::chrono::milliseconds timeout) {
  if (Running()) return Ok();
  HP_TRY(StopLeftover(layout_, fs_));
  std::vector<std::string> argv = {
      layout_.server_binary,
      "--no-defaults",  // must come first
      "--datadir=" + fs_.HostPath(layout_.datadir),
      "--socket=" + fs_.HostPath(layout_.socket),
      "--port=" + std::to_string(layout_.port),
      "--bind-address=" + layout_.bind_address,
      "--pid-file=" + fs_.HostPath(layout_.pid_file),
      "--log-error=" + fs_.HostPath(layout_.log_dir + "/error.log"),
      "--tmpdir=" + fs_.HostPath(layout_.run_dir),
      "--skip-name-resolve",  // no lookups off the machine; hosts are IP literals
      "--skip-log-bin",
      "--innodb-buffer-pool-size=" + layout_.innodb_buffer_pool_size,
  };
  if (StartedByRoot() && !layout_.os_user.empty()) argv.push_back("--user=" + layout_.os_user);
  auto child = ChildProcess::Start(argv, fs_.HostPath(layout_.log_dir + "/mariadbd.stderr.log"));
  if (!child) return Fail(child.error().Wrap("starting mariadbd"));
  server_ = std::move(*child);

  MariaDbConnectOptions probe = AdminOptions();
  probe.connect_timeout = std::chrono::seconds(1);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!server_.Running()) {
      return Fail(Error::Unavailable("mariadbd exited during start-up: " + ErrorLogTail()));
    }
    if (fs_.Exists(layout_.socket) && MariaDbConnection::Connect(probe)) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  return Fail(Error::Timeout("mariadbd did not answer on its socket in time: " + ErrorLogTail()));
}

void MariaDbInstance::Stop(std::chrono::milliseconds grace) {
  if (server_.pid() > 0 && server_.Running()) server_.Stop(SIGTERM, grace);
}

}  // namespace hostplane::agent
