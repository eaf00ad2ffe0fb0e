#include "agent/drivers/dns/knot_instance.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <grp.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <thread>
#include <vector>

#include "agent/drivers/dns/knot_user.h"
#include "common/exec/stale_daemon.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

// Operator paths go into quoted config strings: only characters that need no escaping.
Result<std::string> SafeHostPath(const Filesystem& fs, const std::string& rel) {
  std::string path = fs.HostPath(rel);
  for (unsigned char c : path) {
    bool ok = std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' ||
              c == '@' || c == ':';
    if (!ok) {
      return Fail(Error::Invalid("host path " + protocol::QuoteForMessage(path) +
                                 " contains a character the Knot config would parse"));
    }
  }
  return path;
}

std::string Tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

Result<std::string> RenderKnotConf(const DnsLayout& l, const Filesystem& fs,
                                   const std::string& run_as) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, l.listen_address.c_str(), buf) != 1 &&
      inet_pton(AF_INET6, l.listen_address.c_str(), buf) != 1) {
    return Fail(Error::Invalid("listen address " + protocol::QuoteForMessage(l.listen_address) +
                               " is not an IP literal"));
  }
  if (l.port < 1 || l.port > 65535) {
    return Fail(Error::Invalid(fmt::format("listen port {} is out of range", l.port)));
  }
  auto run_dir = SafeHostPath(fs, l.run_dir);
  auto socket = SafeHostPath(fs, l.control_socket);
  auto log = SafeHostPath(fs, l.log_file);
  auto storage = SafeHostPath(fs, l.storage);
  auto zones = SafeHostPath(fs, l.zone_dir);
  auto fragments = SafeHostPath(fs, l.zone_conf_dir);
  auto shared = SafeHostPath(fs, l.shared_conf_dir);
  for (const auto* p : {&run_dir, &socket, &log, &storage, &zones, &fragments, &shared}) {
    if (!*p) return Fail(p->error());
  }
  if (socket->size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Fail(Error::Invalid("control socket path " + *socket + " is longer than " +
                               std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes"));
  }
  // Names that passed the config's user grammar and getpwnam/getgrgid; checked again before
  // they go into the config.
  std::string user;
  if (!run_as.empty()) {
    for (unsigned char c : run_as) {
      if (!std::islower(c) && !std::isdigit(c) && c != '_' && c != '-' && c != ':') {
        return Fail(Error::Invalid("knotd's user " + protocol::QuoteForMessage(run_as) +
                                   " is not a user:group"));
      }
    }
    user = fmt::format("    user: {}\n", run_as);
  }
  return fmt::format(
      "# managed by hostplane: the knotd main configuration; edits are overwritten\n"
      "server:\n"
      "{user}"
      "    rundir: \"{run}\"\n"
      "    pidfile: \"{run}/knot.pid\"\n"
      "    listen: \"{addr}@{port}\"\n"
      "control:\n"
      "    listen: \"{socket}\"\n"
      "log:\n"
      "  - target: \"{log}\"\n"
      "    any: info\n"
      "database:\n"
      "    storage: \"{storage}\"\n"
      "template:\n"
      "  - id: default\n"
      "    storage: \"{zones}\"\n"
      "    semantic-checks: on\n"
      "    # The zone files are hostplane's: never written back, always loaded whole.\n"
      "    zonefile-sync: -1\n"
      "    zonefile-load: whole\n"
      "    journal-content: none\n"
      "    dnssec-signing: off\n"
      "# What several zones share (their TSIG keys), then one fragment per zone, both written\n"
      "# by the dns driver; a zone's fragment may set its own journal, load and signing.\n"
      "include: \"{shared}/*.conf\"\n"
      "include: \"{fragments}/*.conf\"\n",
      fmt::arg("user", user), fmt::arg("run", *run_dir), fmt::arg("addr", l.listen_address),
      fmt::arg("port", l.port), fmt::arg("socket", *socket), fmt::arg("log", *log),
      fmt::arg("storage", *storage), fmt::arg("zones", *zones), fmt::arg("fragments", *fragments),
      fmt::arg("shared", *shared));
}

KnotInstance::KnotInstance(DnsLayout layout, Filesystem& fs, CommandRunner& runner)
    : layout_(std::move(layout)), fs_(fs), runner_(runner) {}

KnotInstance::~KnotInstance() {
  if (knotd_.pid() > 0) Stop();
}

Status KnotInstance::WriteConfig() {
  HP_ASSIGN_OR_RETURN(auto daemon, KnotDaemonUser(layout_));
  std::string run_as;
  if (daemon) {
    // Both names: with a user alone Knot 3.2 keeps group root, and could not read the files of
    // knot_user.h's rule.
    group gr{};
    group* found = nullptr;
    std::vector<char> buf(16384);
    if (::getgrgid_r(daemon->gid, &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
      return Fail(Error::Invalid(fmt::format("the group {} of knotd's user {} does not exist",
                                             daemon->gid, layout_.os_user)));
    }
    run_as = layout_.os_user + ":" + gr.gr_name;
  }
  HP_ASSIGN_OR_RETURN(auto conf, RenderKnotConf(layout_, fs_, run_as));
  for (const auto* d : {&layout_.zone_dir, &layout_.zone_conf_dir}) {
    HP_TRY(fs_.MakeDirs(*d, 0755));
  }
  // What knotd writes is its user's; the secrets it reads are root:<its group> 0640.
  HP_TRY(MakeDaemonDir(fs_, layout_.run_dir, 0755, daemon));
  HP_TRY(MakeDaemonDir(fs_, layout_.storage, 0750, daemon));
  HP_TRY(MakeSecretDir(fs_, layout_.shared_conf_dir, daemon));
  HP_TRY(MakeSecretDir(fs_, layout_.key_import_dir, daemon));
  HP_TRY(MakeSecretDir(fs_, layout_.tsig_dir, std::nullopt));  // the agent's only
  auto slash = layout_.log_file.rfind('/');
  if (slash != std::string::npos) HP_TRY(fs_.MakeDirs(layout_.log_file.substr(0, slash), 0755));
  if (daemon) {
    // knotd reopens its log as its user (on reload); ChildProcess appends to it as root.
    if (!fs_.Exists(layout_.log_file)) HP_TRY(fs_.WriteFileAtomic(layout_.log_file, "", 0640));
    const std::string log = fs_.HostPath(layout_.log_file);
    if (::lchown(log.c_str(), daemon->uid, daemon->gid) != 0) {
      return Fail(Error::FromErrno("chown " + log, errno));
    }
  }
  return fs_.WriteFileAtomic(layout_.conf, conf, 0644);
}

Result<int> KnotInstance::StopLeftover(const DnsLayout& layout, Filesystem& fs) {
  HP_ASSIGN_OR_RETURN(int pid, StopStaleDaemon(fs.HostPath(layout.run_dir + "/knot.pid"),
                                               layout.knotd, std::chrono::seconds(10)));
  if (pid > 0) spdlog::warn("dns: stopped knotd pid {}, left running by an earlier run", pid);
  return pid;
}

Status KnotInstance::Start(std::chrono::milliseconds timeout) {
  HP_TRY(WriteConfig());
  HP_TRY(StopLeftover(layout_, fs_));
  HP_ASSIGN_OR_RETURN(auto child,
                      ChildProcess::Start({layout_.knotd, "-c", fs_.HostPath(layout_.conf)},
                                          fs_.HostPath(layout_.log_file)));
  knotd_ = std::move(child);
  // Real time: this waits for another process.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Command probe;
  probe.argv = {layout_.knotc, "-s", fs_.HostPath(layout_.control_socket), "-t", "1", "status"};
  probe.timeout = std::chrono::milliseconds(2'000);
  for (;;) {
    if (!knotd_.Running()) {
      auto log = fs_.ReadFile(layout_.log_file);
      return Fail(
          Error::Unavailable("knotd exited: " + Tail(log && *log ? **log : std::string(), 2000)));
    }
    auto out = runner_.Run(probe);
    if (out && out->ok()) return Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(
          Error::Timeout(fmt::format("knotd did not answer on {} within {} ms",
                                     fs_.HostPath(layout_.control_socket), timeout.count())));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int KnotInstance::Stop(std::chrono::milliseconds grace) {
  if (knotd_.pid() <= 0) return -1;
  return knotd_.Stop(SIGTERM, grace);
}

bool KnotInstance::Running() { return knotd_.pid() > 0 && knotd_.Running(); }

}  // namespace hostplane::agent
