// hostplane: one binary, many subcommands. main() only wires the subcommands together.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/cli.h"
#include "cmd/agent_cmd.h"
#include "cmd/php_mail_refused.h"
#include "cmd/relay.h"
#include "cmd/serve.h"
#include "cmd/store_cmd.h"
#include "cmd/token.h"
#include "cmd/up.h"
#include "cmd/up_status.h"
#include "common/failpoint.h"

int main(int argc, char** argv) {
  // Tests turn failpoints on for the process they start (common/failpoint.h); off otherwise.
  if (auto s = hostplane::failpoint::ConfigureFromEnvironment(); !s) {
    std::fprintf(stderr, "error: HOSTPLANE_FAILPOINTS: %s\n", s.error().message.c_str());
    return 2;
  }
  CLI::App app{
      "hostplane: a multi-server web-hosting control plane.\n"
      "Start everything on this machine with `hostplane up`, then manage customers and sites\n"
      "with the commands below (they talk to the REST API named by HOSTPLANE_URL)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", HOSTPLANE_VERSION);
  int exit_code = 0;
  hostplane::cmd::AddUpCommand(app, exit_code);
  hostplane::cmd::AddStatusCommand(app, exit_code);
  hostplane::cmd::AddServeCommand(app, exit_code);
  hostplane::cmd::AddAgentCommand(app, exit_code);
  hostplane::cmd::AddTokenCommand(app, exit_code);
  hostplane::cmd::AddStoreCommand(app, exit_code);
  hostplane::cmd::AddRelayCommand(app, exit_code);
  hostplane::cmd::AddPhpMailRefusedCommand(app, exit_code);
  hostplane::cli::AddCliCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return hostplane::cli::ExitCodeForParseError(app, e);  // 0 for --help, 2 for usage errors
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
