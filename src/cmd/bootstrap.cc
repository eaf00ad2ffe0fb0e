#include "cmd/bootstrap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/crypto.h"

namespace hostplane::cmd {

Status LockExclusively(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(Error::FromErrno("opening " + path, errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Fail(Error::Conflict("another hostplane process is running on " + dir + " (" + path +
                                  " is locked)"));
    }
    return Fail(Error::FromErrno("locking " + path, err));
  }
  return Ok();  // fd stays open: the lock lasts as long as the process
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals, const std::function<bool()>& keep_going) {
  for (;;) {
    timespec tick{1, 0};
    int sig = ::sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) return sig;
    if (keep_going && !keep_going()) return 0;
  }
}

std::map<std::string, std::string> ReadEnvFile(Filesystem& files, const std::string& rel) {
  std::map<std::string, std::string> out;
  auto content = files.ReadFile(rel);
  if (!content || !*content) return out;
  std::istringstream in(**content);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq == std::string::npos || line.empty() || line[0] == '#') continue;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

Status CheckPortFree(const std::string& address, int port, const char* flag, bool udp) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Fail(Error::Invalid("'" + address + "' is not an IPv4 address"));
  }
  int fd = ::socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(Error::FromErrno("socket", errno));
  int one = 1;
  // TCP: a port whose last connections linger in TIME_WAIT is free to listen on. UDP: without
  // it, a bind fails whenever anyone holds the port.
  if (!udp) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return Fail(
        Error::Conflict(fmt::format("{}:{}{} is not free ({}); choose another port with {}",
                                    address, port, udp ? "/udp" : "", std::strerror(err), flag)));
  }
  return Ok();
}

Result<std::string> EnsureAdminToken(controller::Store& store, Filesystem& files,
                                     const std::string& token_name) {
  auto env = ReadEnvFile(files, "hostplane.env");
  if (auto it = env.find("HOSTPLANE_TOKEN"); it != env.end()) {
    auto found = store.FindToken(HashApiToken(it->second));
    if (found && *found) return it->second;
  }
  std::string token = NewApiToken();
  HP_TRY(store.Write([&](controller::StoreTxn& tx) -> Status {
    HP_TRY(tx.tokens().Insert(token_name, HashApiToken(token), "admin"));
    return Ok();
  }));
  return token;
}

Result<controller::NodeInput> ParseNodeSpec(const std::string& spec) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    return Fail(Error::Invalid("node '" + spec + "': expected NAME:ROLE[,ROLE...], e.g. web1:web"));
  }
  controller::NodeInput node;
  node.name = spec.substr(0, colon);
  std::istringstream roles(spec.substr(colon + 1));
  std::string role;
  while (std::getline(roles, role, ',')) {
    if (role.empty()) return Fail(Error::Invalid("node '" + spec + "': an empty role"));
    node.roles.push_back(role);
  }
  return node;
}

Status EnsureNode(controller::Hosting& service, const controller::NodeInput& node,
                  const std::string& actor) {
  controller::Actor system{actor, controller::Role::kAdmin};
  auto existing = service.nodes().Get(system, node.name);
  if (existing) return Ok();
  if (existing.error().code != ErrorCode::kNotFound) return Fail(existing.error());
  auto created = service.nodes().Create(system, node);
  if (!created) return Fail(created.error().Wrap("node " + node.name));
  return Ok();
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::FromErrno("reading " + path, errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return Fail(Error::Invalid(path + " is empty"));
  return secret;
}

}  // namespace hostplane::cmd
