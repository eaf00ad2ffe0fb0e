#include "agent/drivers/account/php_fpm_instance.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <thread>

namespace hostplane::agent {
namespace {

// The same allowlist as the pool encoder: nothing the INI parser treats specially.
Status CheckIniToken(const std::string& what, const std::string& value) {
  if (value.empty()) return Fail(Error::Invalid(what + " is empty"));
  for (unsigned char c : value) {
    if (!std::isalnum(c) && c != '/' && c != '.' && c != '_' && c != '-' && c != '+') {
      return Fail(Error::Invalid(what + " contains a character a php-fpm config must not carry"));
    }
  }
  return Ok();
}

bool Accepts(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string Parent(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash);
}

}  // namespace

PhpFpmInstance::PhpFpmInstance(AccountLayout layout, std::string version, Filesystem& fs)
    : layout_(std::move(layout)), version_(std::move(version)), fs_(fs) {}

std::string PhpFpmInstance::PlaceholderPool() const {
  return layout_.php.at(version_).pool_dir + "/_hostplane.conf";
}

std::string PhpFpmInstance::PlaceholderSocket() const {
  return layout_.php_socket_dir + "/_hostplane-" + version_ + ".sock";
}

Status PhpFpmInstance::WriteConfig() {
  auto it = layout_.php.find(version_);
  if (it == layout_.php.end()) {
    return Fail(Error::Invalid("PHP " + version_ + " is not in the layout"));
  }
  const PhpVersionLayout& l = it->second;
  const std::string pid = fs_.HostPath(l.pid_file);
  const std::string log = fs_.HostPath(l.error_log);
  const std::string pools = fs_.HostPath(l.pool_dir);
  const std::string socket = fs_.HostPath(PlaceholderSocket());
  for (const auto& [what, v] : {std::pair{"pid file", pid}, std::pair{"error log", log},
                                std::pair{"pool dir", pools}, std::pair{"socket", socket}}) {
    HP_TRY(CheckIniToken(what, v));
  }
  if (socket.size() > 107) return Fail(Error::Invalid("placeholder socket path is too long"));
  for (const auto& dir :
       {Parent(l.pid_file), Parent(l.error_log), l.pool_dir, layout_.php_socket_dir}) {
    if (!dir.empty()) HP_TRY(fs_.MakeDirs(dir, 0755));
  }
  HP_TRY(fs_.WriteFileAtomic(
      l.conf,
      fmt::format("; managed by hostplane: PHP-FPM {} master; edits are overwritten\n"
                  "[global]\n"
                  "pid = {}\n"
                  "error_log = {}\n"
                  "daemonize = no\n"
                  "process_control_timeout = 10s\n"
                  "include = {}/*.conf\n",
                  version_, pid, log, pools),
      0644));
  std::string identity;
  if (::geteuid() == 0) {
    HP_TRY(CheckIniToken("placeholder user", layout_.placeholder_user));
    HP_TRY(CheckIniToken("placeholder group", layout_.placeholder_group));
    identity =
        fmt::format("user = {}\ngroup = {}\n", layout_.placeholder_user, layout_.placeholder_group);
  }
  return fs_.WriteFileAtomic(
      PlaceholderPool(),
      fmt::format("; managed by hostplane: keeps the master running without accounts\n"
                  "[_hostplane]\n"
                  "{}"
                  "listen = {}\n"
                  "listen.mode = 0600\n"
                  "pm = ondemand\n"
                  "pm.max_children = 1\n"
                  "pm.process_idle_timeout = 10s\n",
                  identity, socket),
      0644);
}

Status PhpFpmInstance::Start(std::chrono::milliseconds timeout) {
  const PhpVersionLayout& l = layout_.php.at(version_);
  HP_ASSIGN_OR_RETURN(auto child, ChildProcess::Start({l.binary, "-F", "-y", fs_.HostPath(l.conf)},
                                                      fs_.HostPath(l.error_log + ".stderr")));
  process_ = std::move(child);
  const std::string socket = fs_.HostPath(PlaceholderSocket());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.Running()) {
      auto log = fs_.ReadFile(l.error_log);
      return Fail(Error::Unavailable(
          fmt::format("php-fpm {} exited: {}", version_, log && *log ? **log : "")));
    }
    if (Accepts(socket) && fs_.Exists(l.pid_file)) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Fail(Error::Timeout("php-fpm " + version_ + " did not start"));
}

void PhpFpmInstance::Stop(std::chrono::milliseconds grace) {
  if (process_.pid() > 0) process_.Stop(SIGQUIT, grace);
}

}  // namespace hostplane::agent
