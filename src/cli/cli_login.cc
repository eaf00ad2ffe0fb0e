// `hostplane login LOGIN`: asks the controller for an API token of the login with its password
// (POST /api/v1/login/token; the password from the terminal without echo, or the first line of
// standard input), and keeps it in the CLI's file (cli_config.h, mode 0600), where every later
// call that names no token finds it.

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "cli/api_client.h"
#include "cli/cli_config.h"
#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"

namespace hostplane::cli::detail {
namespace {

// The password: from the terminal, asked for without echo, when standard input is one; else
// the first line of standard input.
std::optional<std::string> ReadLoginPassword(State& s) {
  const bool terminal = &s.io.in == &std::cin && ::isatty(STDIN_FILENO) == 1;
  if (!terminal) return ReadPasswordLine(s);
  s.io.err << "Password for " << s.login << ": " << std::flush;
  termios before{};
  const bool saved = ::tcgetattr(STDIN_FILENO, &before) == 0;
  if (saved) {
    termios quiet = before;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto password = ReadPasswordLine(s);
  if (saved) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &before);
  s.io.err << "\n";
  return password;
}

int Login(State& s) {
  auto path = CliConfigPath();
  if (!path) {
    s.io.err << "error: " << path.error().message << "\n";
    return kExitUsage;
  }
  auto password = ReadLoginPassword(s);
  if (!password) return kExitUsage;
  json body = {{"login", s.login}, {"password", *password}, {"name", s.token_name}};
  if (!s.totp.empty()) body["totp"] = s.totp;
  // No token of before goes with the login: the password is the credential.
  auto r = ApiClient(s.url, "").Post("/api/v1/login/token", body);
  if (int code = Check(r, s)) {
    if (r && r->status == 429) {
      auto retry = r->headers.find("Retry-After");
      if (retry != r->headers.end()) {
        s.io.err << "too many failed logins from here: try again in " << retry->second
                 << " seconds\n";
      }
    }
    return code;
  }
  CliConfig config;
  config.url = s.url;
  config.token = r->body.value("token", "");
  config.login = s.login;
  config.expires_at = r->body.value("expires_at", "");
  if (config.token.empty()) {
    s.io.err << "error: the controller's answer has no token\n";
    return kExitUnexpected;
  }
  if (auto saved = SaveCliConfig(*path, config); !saved) {
    s.io.err << "error: " << saved.error().message << "\n";
    return kExitUnexpected;
  }
  if (s.json_output()) {
    json shown = r->body;
    shown.erase("token");  // it is in the file; never on a screen or in a log
    shown["config"] = *path;
    PrintJson(s, shown);
  } else {
    s.io.out << "logged in as " << s.login << "; token saved in " << *path << " (expires "
             << config.expires_at << ")\n";
  }
  return kExitOk;
}

}  // namespace

void AddLoginCommand(CLI::App& app, const std::shared_ptr<State>& s) {
  CLI::App* c = Verb(&app, "login",
                     "Log in with a password: an API token of the login, kept in the CLI's file "
                     "(mode 0600) for later calls",
                     s, Login);
  c->add_option("LOGIN", s->login, "Login name or e-mail address")->required();
  c->add_option("--totp", s->totp, "The second factor's current code, when the login has one");
  c->add_option("--token-name", s->token_name, "The token's name")->capture_default_str();
}

}  // namespace hostplane::cli::detail
