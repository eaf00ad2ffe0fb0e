// First contact with `hostplane up` (issue 11): a taken port is named with the option that moves
// it before anything starts; the lines `up` prints under "In another shell:" work as printed;
// `hostplane status` shows what runs where, and that it stopped.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace hostplane::testing {
namespace {

// Listens on 127.0.0.1:port for as long as it lives (someone else's daemon).
class Squatter {
 public:
  explicit Squatter(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;  // the slot's last user may have left connections in TIME_WAIT
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(fd_, 1) == 0;
  }
  ~Squatter() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

TEST(FirstContact, ATakenPortIsNamedWithItsOptionAndNothingStarts) {
  UpInstance up;
  Squatter http(up.http_port());
  Squatter api(up.api_port());
  ASSERT_TRUE(http.ok() && api.ok());
  auto started = up.Start();
  ASSERT_FALSE(started) << "up started with its ports taken";
  const std::string said = up.log();
  for (const auto& [port, flag] :
       {std::pair{up.http_port(), "--http-port"}, std::pair{up.api_port(), "--api-port"}}) {
    EXPECT_NE(said.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << said;
    EXPECT_NE(said.find(flag), std::string::npos) << said;
  }
  // Nothing was started: no nginx configuration written, no store opened.
  EXPECT_FALSE(std::filesystem::exists(up.data_dir() + "/nginx/nginx.conf"));
  EXPECT_FALSE(std::filesystem::exists(up.data_dir() + "/store.db"));
}

// The lines under "In another shell:" of up's start message, run as printed in one shell.
TEST(FirstContact, TheStartHintsWorkAsPrinted) {
  UpInstance up;
  ASSERT_OK(up.Start());
  // Start() returns once the API answers; the start message (with its hints) comes after the
  // agent's first pass, so wait for its end (the blank line after the hints) for up to 30 s.
  auto printed = [&] {
    const std::string log = up.log();
    auto at = log.find("In another shell:\n");
    return at != std::string::npos && log.find("\n\n", at) != std::string::npos;
  };
  for (int i = 0; i < 300 && !printed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::istringstream said(up.log());
  std::string line, script = "set -e -o pipefail\n";
  bool in_hints = false;
  int lines = 0;
  while (std::getline(said, line)) {
    if (line == "In another shell:") {
      in_hints = true;
    } else if (in_hints && line.empty()) {
      break;
    } else if (in_hints) {
      script += line + "\n";
      ++lines;
    }
  }
  ASSERT_GE(lines, 4) << up.log();
  PosixCommandRunner bash({"/bin/bash"});
  Command cmd;
  cmd.argv = {"/bin/bash", "--noprofile", "--norc", "-c", script};
  cmd.timeout = std::chrono::seconds(120);
  auto out = bash.Run(cmd);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->exit_code, 0) << script << out->out << out->err;
  EXPECT_NE(out->out.find("shop.acme.example is hosted by hostplane"), std::string::npos)
      << out->out;
}

TEST(FirstContact, StatusShowsWhatRunsWhereAndThatItStopped) {
  UpInstance up;
  ASSERT_OK(up.Start());
  auto running = up.Cli({"status", "--data-dir", up.data_dir(), "--output", "json"});
  ASSERT_TRUE(running) << running.error().message;
  EXPECT_EQ(running->exit_code, 0) << running->out << running->err;
  Json j = Json::parse(running->out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << running->out;
  EXPECT_EQ(j["running"], true);
  EXPECT_EQ(j["pid"], up.pid());
  std::map<std::string, Json> by_service;
  for (const auto& e : j["endpoints"]) by_service[e.value("service", "")] = e;
  ASSERT_TRUE(by_service.count("api") && by_service.count("sites")) << running->out;
  EXPECT_EQ(by_service["api"]["port"], up.api_port());
  EXPECT_EQ(by_service["api"]["state"], "answering");
  EXPECT_EQ(by_service["sites"]["port"], up.http_port());
  EXPECT_EQ(by_service["sites"]["state"], "answering");

  up.Stop();
  auto stopped = up.Cli({"status", "--data-dir", up.data_dir()});
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->exit_code, 8) << stopped->out << stopped->err;
  EXPECT_NE(stopped->out.find(" up --data-dir " + up.data_dir()), std::string::npos)
      << "no command to start it again:\n"
      << stopped->out;

  auto nowhere = up.Cli({"status", "--data-dir", up.prefix() + "/never"});
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->exit_code, 3) << nowhere->out << nowhere->err;
}

}  // namespace
}  // namespace hostplane::testing
