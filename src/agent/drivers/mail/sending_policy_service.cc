#include "agent/drivers/mail/sending_policy_service.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/text/text.h"

namespace hostplane::agent {
namespace {

constexpr size_t kMaxRequest = 64 * 1024;  // Postfix's requests are a few hundred bytes

Result<gid_t> GroupId(const std::string& name) {
  group gr{};
  group* found = nullptr;
  std::vector<char> buf(16384);
  if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return Fail(Error::Invalid("group " + name + " does not exist"));
  }
  return gr.gr_gid;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

bool WriteFully(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<SendingPolicyService>> SendingPolicyService::Start(
    SendingPolicyServiceOptions options, const Clock& clock) {
  auto gid = GroupId(options.socket_group);
  if (!gid) return Fail(gid.error());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(options.counters).parent_path(), ec);
  auto counters = SendingCounters::Open(options.counters);
  if (!counters) return Fail(counters.error());
  std::filesystem::path dir = std::filesystem::path(options.socket).parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(Error::Io("creating " + dir.string() + ": " + ec.message()));
  // The directory is the gate: root and Postfix's group may reach the socket, nobody else.
  if (::chown(dir.c_str(), 0, *gid) != 0 || ::chmod(dir.c_str(), 0750) != 0) {
    return Fail(Error::FromErrno("securing " + dir.string(), errno));
  }
  sockaddr_un addr{};
  if (options.socket.size() >= sizeof addr.sun_path) {
    return Fail(Error::Invalid("the policy socket path is too long: " + options.socket));
  }
  addr.sun_family = AF_UNIX;
  std::copy(options.socket.begin(), options.socket.end(), addr.sun_path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(Error::FromErrno("socket", errno));
  ::unlink(options.socket.c_str());  // a stale socket of an earlier run
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::chown(options.socket.c_str(), 0, *gid) != 0 || ::chmod(options.socket.c_str(), 0660) != 0 ||
      ::listen(fd, 64) != 0) {
    int err = errno;
    ::close(fd);
    return Fail(Error::FromErrno("listening on " + options.socket, err));
  }
  std::unique_ptr<SendingPolicyService> s(
      new SendingPolicyService(std::move(options), clock, std::move(*counters), fd));
  if (::pipe2(s->wake_, O_CLOEXEC) != 0) return Fail(Error::FromErrno("pipe", errno));
  s->acceptor_ = std::thread([p = s.get()] { p->AcceptLoop(); });
  return s;
}

SendingPolicyService::SendingPolicyService(SendingPolicyServiceOptions options, const Clock& clock,
                                           SendingCounters counters, int listen_fd)
    : options_(std::move(options)),
      clock_(clock),
      counters_(std::move(counters)),
      listen_fd_(listen_fd) {}

SendingPolicyService::~SendingPolicyService() { Stop(); }

void SendingPolicyService::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_[1] >= 0) (void)::write(wake_[1], "x", 1);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& w : workers_) {
    if (w.thread.joinable()) w.thread.join();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::unlink(options_.socket.c_str());
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void SendingPolicyService::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("mail policy: poll failed: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0 || stopping_) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    // Threads of connections that ended are joined as new ones come.
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    if (static_cast<int>(connections_.size()) >= options_.max_connections) {
      spdlog::warn("mail policy: {} connections open; refusing one", connections_.size());
      ::close(fd);
      continue;
    }
    connections_.push_back(fd);
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back({std::thread([this, fd, done] { Serve(fd, *done); }), done});
  }
}

void SendingPolicyService::Serve(int fd, std::atomic<bool>& done) {
  std::string buffer;
  char chunk[4096];
  PolicyRequest request;
  bool ok = true;
  while (ok && !stopping_) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    if (buffer.size() > kMaxRequest) break;
    size_t pos;
    while ((pos = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, pos);
      buffer.erase(0, pos + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) {
        size_t eq = line.find('=');
        if (eq != std::string::npos) request[line.substr(0, eq)] = line.substr(eq + 1);
        continue;
      }
      // The empty line ends a request.
      ok = WriteFully(fd, "action=" + Answer(request) + "\n\n");
      request.clear();
      if (!ok) break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(std::remove(connections_.begin(), connections_.end(), fd), connections_.end());
  ::close(fd);
}

void SendingPolicyService::ReloadIfChanged() {
  struct stat st {};
  if (::stat(options_.policy_file.c_str(), &st) != 0) return;  // none yet: keep what we have
  if (seen_any_ && SameFile(st, seen_)) return;
  std::ifstream in(options_.policy_file);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = SendingPolicy::Parse(text.str());
  seen_ = st;
  seen_any_ = true;
  if (!parsed) {
    spdlog::error("mail policy: keeping the previous policy: {}", parsed.error().message);
    return;
  }
  policy_ = std::move(*parsed);
}

std::string SendingPolicyService::Answer(const PolicyRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ReloadIfChanged();
  auto action = policy_.Decide(request, clock_.NowMillis(), counters_);
  ++answered_;
  if (!action) {
    spdlog::error("mail policy: {}", action.error().message);
    return "451 4.3.0 The sending policy is unavailable; try again later";
  }
  // One line, whatever a value held: the answer ends at the newline.
  return OneLine(*action);
}

Result<int64_t> SendingPolicyService::SentLastHour(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.Count(account, clock_.NowMillis() / 60'000 - 59);
}

}  // namespace hostplane::agent
