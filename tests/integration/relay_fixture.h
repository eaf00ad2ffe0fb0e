#pragma once

// What the relay tests share (relay_test.cc: the plain tree and its permissions;
// relay_tls_test.cc: the same with TLS): nats-server processes configured by the real
// `hostplane relay config` in a temporary prefix with its own port slot, counting inboxes, and a
// raw TCP connection for clients and servers that break the rules.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "common/nats/nats_bus.h"
#include "common/passwd/bcrypt.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// ASSERT_OK for a named Result that cannot be copied (a Bus, a Subscription).
#define ASSERT_READY(r) ASSERT_TRUE(r) << ((r) ? std::string() : (r).error().message)

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadPassword(const std::string& path) {
  std::string s = ReadFileText(path);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Counts the messages a subscription received, by payload.
struct Inbox {
  std::mutex mu;
  std::vector<std::string> got;
  Bus::Handler Handler() {
    return [this](const BusMessage& m) {
      std::lock_guard lock(mu);
      got.push_back(m.data);
    };
  }
  int Count(const std::string& data) {
    std::lock_guard lock(mu);
    return static_cast<int>(std::count(got.begin(), got.end(), data));
  }
  size_t Size() {
    std::lock_guard lock(mu);
    return got.size();
  }
};

// The controllers' side of a test: answers every request on hp.ctl.*.* (in the controllers'
// queue group) with answer_prefix + its data, and keeps "<subject> <data>" of each.
struct RequestLog {
  std::mutex mu;
  std::vector<std::string> seen;
  Result<std::unique_ptr<Subscription>> Answer(Bus& controller, std::string answer_prefix) {
    return controller.Subscribe(
        "hp.ctl.*.*", "hp.controllers",
        [this, &controller, answer_prefix = std::move(answer_prefix)](const BusMessage& m) {
          {
            std::lock_guard lock(mu);
            seen.push_back(m.subject + " " + m.data);
          }
          if (!m.reply.empty()) (void)controller.Publish(m.reply, answer_prefix + m.data);
        });
  }
  std::vector<std::string> Seen() {
    std::lock_guard lock(mu);
    return seen;
  }
};

// A TCP connection to 127.0.0.1:port that sends and receives protocol text as it is: it stands for
// a client or a patched server that does not follow the rules (no NATS library would send what
// the tests need it to send).
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool Send(const std::string& text) {
    return fd_ >= 0 &&
           ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // Everything received until `until` appears in it `times` times, the peer closes, or `wait`
  // passes.
  std::string ReceiveUntil(const std::string& until, std::chrono::milliseconds wait,
                           int times = 1) {
    auto count = [&] {
      int n = 0;
      for (size_t at = received_.find(until); at != std::string::npos;
           at = received_.find(until, at + 1)) {
        ++n;
      }
      return n;
    };
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (fd_ >= 0 && count() < times && std::chrono::steady_clock::now() < deadline) {
      timeval tv{0, 50000};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) break;
      if (n > 0) received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }

 private:
  int fd_ = -1;
  std::string received_;
};

// A temporary prefix for nats-server processes configured by the real binary, with ports
// 25000 + 10 * slot (a flock'ed slot, so that test binaries running at once do not collide).
class ServerPrefix {
 public:
  ServerPrefix() {
    char tmpl[] = "/tmp/hprelay.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      setup_ = Fail(Error::FromErrno("mkdtemp", errno));
      return;
    }
    prefix_ = tmpl;
    const int slot = ClaimPortSlot("relay", 100, &slot_fd_, 25000, 10);
    if (slot < 0) {
      setup_ = Fail(Error::Unavailable("no free /tmp/hostplane-relay-slot.*"));
    } else {
      base_port_ = 25000 + 10 * slot;
    }
  }
  ServerPrefix(const ServerPrefix&) = delete;
  ServerPrefix& operator=(const ServerPrefix&) = delete;
  virtual ~ServerPrefix() {
    while (!servers_.empty()) servers_.pop_back();  // children before their parents
    if (!prefix_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(prefix_, ec);
    }
    if (slot_fd_ >= 0) ::close(slot_fd_);
  }

  // The log of every server started, by name.
  std::string Logs() const {
    std::string out;
    for (const auto& name : log_names_) {
      out += "--- " + name + ":\n" + ReadFileText(prefix_ + "/" + name + ".log");
    }
    return out;
  }

 protected:
  Status Hostplane(std::vector<std::string> args) {
    args.insert(args.begin(), HOSTPLANE_BIN);
    PosixCommandRunner runner({HOSTPLANE_BIN});
    Command command;
    command.argv = args;
    auto out = runner.Run(command);
    if (!out) return Fail(out.error());
    if (!out->ok()) {
      return Fail(Error::Internal("hostplane " + args[1] + " " + args[2] + " " + args[3] +
                                  " exited " + std::to_string(out->exit_code) + ":\n" + out->err));
    }
    return Ok();
  }

  // Starts nats-server -c conf (log <prefix>/<name>.log) and waits until port answers.
  Status StartServer(const std::string& name, const std::string& conf, int port) {
    auto binary = FindProgram("nats-server");
    if (!binary) return Fail(Error::NotFound("nats-server is not installed"));
    log_names_.push_back(name);
    auto child = ChildProcess::Start({*binary, "-c", conf}, prefix_ + "/" + name + ".log");
    if (!child) return Fail(child.error());
    servers_.push_back(std::move(*child));
    ChildProcess& process = servers_.back();
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process.Running()) return Fail(Error::Unavailable("nats-server exited:\n" + Logs()));
      NatsOptions probe;
      probe.servers = {"nats://127.0.0.1:" + std::to_string(port)};
      probe.connect_timeout = 200ms;
      // Refused (no credentials, or kInvalid: plain text on a TLS-only port) means it listens;
      // unavailable means not yet.
      auto bus = ConnectNatsBus(probe);
      if (bus || bus.error().code == ErrorCode::kUnauthorized ||
          bus.error().code == ErrorCode::kInvalid) {
        return Ok();
      }
      std::this_thread::sleep_for(10ms);
    }
    return Fail(Error::Timeout("nats-server did not listen on " + std::to_string(port)));
  }

  Status setup_;
  std::string prefix_;
  int base_port_ = 0;

 private:
  int slot_fd_ = -1;
  std::deque<ChildProcess> servers_;
  std::vector<std::string> log_names_;
};

}  // namespace
}  // namespace hostplane::testing
