#pragma once

// A real nats-server (Debian's nats-server package) for tests: its own temporary directory, a
// loopback port, run in the foreground by the test, stopped by pid. Used by the unit tests of
// common/nats and by the integration tests. A missing nats-server is an error, never a skip.
// Not thread-safe: one test thread owns it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "common/exec/command_runner.h"
#include "common/net/loopback.h"
#include "common/result.h"

namespace hostplane::testing {

class NatsServer {
 public:
  // port 0: a free loopback port, chosen by the kernel now and kept across Restart().
  explicit NatsServer(int port = 0) : port_(port) {}
  ~NatsServer() {
    Stop();
    if (!dir_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Writes the config and starts the server; returns once it accepts connections. Errors:
  // kNotFound (no nats-server installed), kUnavailable (it exited; the message has its log).
  [[nodiscard]] Status Start() {
    if (dir_.empty()) {
      char tmpl[] = "/tmp/hpnats.XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) return Fail(Error::FromErrno("mkdtemp", errno));
      dir_ = tmpl;
    }
    if (port_ == 0) {
      auto port = FreeLoopbackPort();
      if (!port) return Fail(port.error());
      port_ = *port;
    }
    auto binary = FindProgram("nats-server");
    if (!binary) {
      return Fail(Error::NotFound("nats-server is not installed (Debian package nats-server)"));
    }
    std::ofstream conf(dir_ + "/nats.conf", std::ios::trunc);
    conf << "server_name: hptest" << port_ << "\nlisten: 127.0.0.1:" << port_ << "\npid_file: \""
         << dir_ << "/nats.pid\"\n";
    conf.close();
    auto child = ChildProcess::Start({*binary, "-c", dir_ + "/nats.conf"}, log_path());
    if (!child) return Fail(child.error());
    process_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_->Running()) {
        process_.reset();
        return Fail(Error::Unavailable("nats-server exited at start-up:\n" + log()));
      }
      if (LoopbackAccepts(port_)) return Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return Fail(Error::Timeout("nats-server did not listen on port " + std::to_string(port_)));
  }

  // SIGTERM, and wait until it exited (the port is then free again).
  void Stop() {
    if (process_) process_->Stop(SIGTERM, std::chrono::seconds(10));
    process_.reset();
  }
  // SIGKILL: clients see the connection drop without a goodbye.
  void Kill9() {
    if (process_) process_->Stop(SIGKILL, std::chrono::seconds(5));
    process_.reset();
  }
  // Stop, then Start on the same port.
  [[nodiscard]] Status Restart() {
    Stop();
    return Start();
  }
  bool Running() { return process_ && process_->Running(); }

  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  std::string log_path() const { return dir_ + "/nats.log"; }
  std::string log() const {
    std::ifstream in(log_path());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  int port_;
  std::string dir_;
  std::optional<ChildProcess> process_;
};

}  // namespace hostplane::testing
