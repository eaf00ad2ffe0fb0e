#include "agent/drivers/ftp/ftp_instance.h"

#include <fmt/format.h>
#include <signal.h>

#include <thread>

#include "common/net/loopback.h"

namespace hostplane::agent {
namespace {

std::string Dir(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

FtpInstance::FtpInstance(FtpLayout layout, Filesystem& fs, FtpInstanceOptions options)
    : layout_(std::move(layout)), fs_(fs), options_(std::move(options)) {}

FtpInstance::~FtpInstance() { Stop(); }

std::vector<std::string> FtpInstance::Argv() const {
  std::vector<std::string> argv = {
      layout_.pure_ftpd,
      "-S",
      fmt::format("{},{}", layout_.listen_address, layout_.port),
      "-l",
      "puredb:" + fs_.HostPath(layout_.pdb_file),
      "-E",
      "-A",
      "-H",
      "-u",
      std::to_string(options_.min_uid),
      "-U",
      options_.umask,
      "-p",
      fmt::format("{}:{}", layout_.passive_port_min, layout_.passive_port_max),
      "-f",
      "none",
      "-O",
      "clf:" + fs_.HostPath(layout_.log_dir + "/transfer.log"),
      "-g",
      fs_.HostPath(layout_.pid_file)};
  if (!layout_.tls_cert.empty()) {
    argv.insert(argv.end(), {"-Y", layout_.tls_required ? "2" : "1", "-2",
                             fs_.HostPath(layout_.tls_cert) + "," + fs_.HostPath(layout_.tls_key)});
  }
  return argv;
}

Status FtpInstance::Start() {
  for (const std::string& d : {layout_.log_dir, Dir(layout_.pid_file), Dir(layout_.pdb_file)}) {
    if (!d.empty()) HP_TRY(fs_.MakeDirs(d, 0755));
  }
  HP_TRY(fs_.RemoveFile(layout_.pid_file));  // a stale one could name a reused pid
  const std::string log = fs_.HostPath(layout_.log_dir + "/pure-ftpd.log");
  auto child = ChildProcess::Start(Argv(), log);
  if (!child) return Fail(child.error());
  child_ = std::move(*child);
  // Real time: this waits for another process.
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_.Running()) {
      auto text = fs_.ReadFile(layout_.log_dir + "/pure-ftpd.log");
      return Fail(
          Error::Unavailable("pure-ftpd exited at start-up: " +
                             (text && text->has_value() ? **text : std::string("(no output)"))));
    }
    // pure-ftpd writes its pid file only once it holds the port (on a taken port it exits
    // without one), so a pid file naming our child tells this daemon from another on the port.
    if (OwnsPidFile() && LoopbackAccepts(layout_.port)) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Stop();
  return Fail(
      Error::Timeout(fmt::format("pure-ftpd did not accept connections on port {} within {} ms",
                                 layout_.port, options_.start_timeout.count())));
}

bool FtpInstance::OwnsPidFile() {
  auto text = fs_.ReadFile(layout_.pid_file);
  if (!text || !text->has_value()) return false;
  std::string t = **text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return !t.empty() && t == std::to_string(child_.pid());
}

void FtpInstance::Stop() {
  if (child_.pid() > 0 && child_.Running()) child_.Stop(SIGTERM, options_.stop_grace);
}

bool FtpInstance::Running() { return child_.pid() > 0 && child_.Running(); }

}  // namespace hostplane::agent
