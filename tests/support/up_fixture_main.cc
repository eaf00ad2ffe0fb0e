// hp_up_fixture: the real `hostplane up` (UpInstance, up_process.h) for test programs that are not
// C++ — the panel's browser tests and its paint benchmark (web/browser, web/bench, node). It
// starts `hostplane up` in a temporary prefix with its own port slot and Unix-user prefix, prints
// one JSON line on stdout ({"url", "token", "http_port", "data_dir", "log", "ports": {"smtp",
// "imap", "dns", "db", "ftp"}}), and keeps it
// running until its standard input closes (the parent ended, however it ended) or it gets
// SIGTERM/SIGINT; then it deletes the accounts, stops `up` and removes the prefix.
//
// With --acme, a private ACME CA (Debian's pebble, UpPebble) issues the instance's certificates.
//
// Usage: hp_up_fixture [--all-services] [--acme] [-- EXTRA UP ARGUMENTS...]
// Exit status: 0 after a clean stop, 1 when `up` did not start (its log on stderr), 2 on usage.

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "up_pebble.h"
#include "up_process.h"

namespace {

// Waits until stdin reaches end of file or a stop signal arrives (both blocked and polled).
void WaitForStop(const sigset_t& stop) {
  char buf[256];
  for (;;) {
    timespec zero{};
    if (::sigtimedwait(&stop, nullptr, &zero) > 0) return;
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&in, 1, 200);
    if (ready > 0) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) return;  // EOF (or an error): the parent is gone
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  hostplane::testing::UpOptions options;
  bool acme = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--all-services") == 0) {
      options.all_services = true;
    } else if (std::strcmp(argv[i], "--acme") == 0) {
      acme = true;
    } else if (std::strcmp(argv[i], "--") == 0) {
      options.extra_args.assign(argv + i + 1, argv + argc);
      break;
    } else {
      std::fprintf(stderr, "usage: hp_up_fixture [--all-services] [--acme] [-- UP ARGUMENTS...]\n");
      return 2;
    }
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  hostplane::testing::UpInstance up(options);
  // Declared after up: stopped before it.
  std::optional<hostplane::testing::UpPebble> pebble;
  if (acme) {
    pebble.emplace(up);
    if (auto started = pebble->Start(); !started) {
      std::fprintf(stderr, "hp_up_fixture: pebble: %s\n", started.error().message.c_str());
      return 1;
    }
  }
  if (auto started = up.Start(); !started) {
    std::fprintf(stderr, "hp_up_fixture: %s\n", started.error().message.c_str());
    return 1;
  }
  nlohmann::json info = {{"url", "http://127.0.0.1:" + std::to_string(up.api_port())},
                         {"token", up.token()},
                         {"http_port", up.http_port()},
                         {"data_dir", up.data_dir()},
                         {"log", up.prefix() + "/up.log"},
                         {"ports",
                          {{"smtp", up.ports().smtp},
                           {"imap", up.ports().imap},
                           {"dns", up.ports().dns},
                           {"db", up.ports().db},
                           {"ftp", up.ports().ftp}}}};
  std::printf("%s\n", info.dump().c_str());
  std::fflush(stdout);
  WaitForStop(stop);
  return 0;  // ~UpInstance removes the accounts, stops `up` and the prefix
}
