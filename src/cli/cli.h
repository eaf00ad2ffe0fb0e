#pragma once

// The API verbs of the `hostplane` command: customer, site, task, node and plan, registered on the
// lead's top-level CLI11 app. Each is a thin client of the REST API (api_client.h) that prints a
// table (default) or the API's JSON as is (--output json), waits for the change's tasks with
// --wait (task_waiter.h), and exits with a code from exit_codes.h.
//
// main() wires it like this:
//   CLI::App app{"hostplane"};
//   int exit_code = 0;
//   hostplane::cli::AddCliCommands(app, exit_code);
//   try { app.parse(argc, argv); } catch (const CLI::ParseError& e) {
//     return hostplane::cli::ExitCodeForParseError(app, e);
//   }
//   return exit_code;
// The command runs inside app.parse (a CLI11 callback) and stores its exit code in exit_code.
//
// Every verb takes --url (env HOSTPLANE_URL, default http://127.0.0.1:8580), --token (env
// HOSTPLANE_TOKEN), --output table|json and --timeout SECONDS (for waits, default 120).
// Passwords are read only from stdin (--password-stdin), never from arguments.

#include <CLI/CLI.hpp>
#include <iostream>
#include <istream>
#include <ostream>

#include "common/clock.h"

namespace hostplane::cli {

// Where the commands read and write; tests pass string streams. Must outlive app.parse.
struct CliIo {
  std::istream& in = std::cin;
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;
  bool err_is_tty = false;       // draw live progress lines on err
  const Clock* clock = nullptr;  // nullptr: the system clock
};

// The process's own streams; err_is_tty from isatty(2).
CliIo StdIo();

// Adds the subcommands customer, site, task and node to app, and the exit-code table to the
// footer of app's help. exit_code receives the code of the command that ran.
void AddCliCommands(CLI::App& app, int& exit_code, CliIo io = StdIo());

// Prints CLI11's message (or the help) and returns 0 for --help, kExitUsage (2) otherwise.
int ExitCodeForParseError(CLI::App& app, const CLI::ParseError& e, std::ostream& out = std::cout,
                          std::ostream& err = std::cerr);

}  // namespace hostplane::cli
