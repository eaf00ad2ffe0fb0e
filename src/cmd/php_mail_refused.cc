#include "cmd/php_mail_refused.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

namespace hostplane::cmd {
namespace {

constexpr int kExUnavailable = 69;  // sysexits.h EX_UNAVAILABLE

std::string NowUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void AddPhpMailRefusedCommand(CLI::App& app, int& exit_code) {
  struct Options {
    std::string account;
    std::string log;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "php-mail-refused",
      "PHP's sendmail for an account with no way to send mail: logs why and refuses (exit 69)");
  cmd->group("");  // not for people: the agent writes it into PHP pools
  cmd->add_option("--account", opt->account, "The hosting account")->required();
  cmd->add_option("--log", opt->log, "The file the refusal is appended to")->required();
  cmd->callback([opt, &exit_code] {
    // Read the message PHP writes, so its write never fails on a closed pipe; it is dropped.
    std::string sink((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const std::string line = fmt::format(
        "{} hostplane: PHP mail() of account {} refused: the account has no mail domain on "
        "hostplane (or its mail server takes no submissions yet), so its sites cannot send mail; "
        "add a mail domain to the account and mail() sends through it\n",
        NowUtc(), opt->account);
    std::ofstream(opt->log, std::ios::app) << line;
    std::fputs(line.c_str(), stderr);
    exit_code = kExUnavailable;
  });
}

}  // namespace hostplane::cmd
