#pragma once

// Runs `hostplane ARGS...` in-process for the CLI tests: the real command tree with captured
// stdin, stdout and stderr, and the exit code a shell would see. Test-only, header-only.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace hostplane::cli::testing {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json Json() const { return nlohmann::json::parse(out, nullptr, false); }
};

inline CliRun RunCli(std::vector<std::string> args, const std::string& stdin_text = "",
                     bool tty = false) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  CLI::App app{"hostplane"};
  int code = 0;
  AddCliCommands(app, code, CliIo{in, out, err, tty, nullptr});
  args.insert(args.begin(), "hostplane");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  CliRun run;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    run.code = code;
  } catch (const CLI::ParseError& e) {
    run.code = ExitCodeForParseError(app, e, out, err);
  }
  run.out = out.str();
  run.err = err.str();
  return run;
}

}  // namespace hostplane::cli::testing
