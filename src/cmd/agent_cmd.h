#pragma once

// `hostplane agent --config FILE`: the agent alone, on one hosting server. It reads its TOML
// configuration (cmd/agent_config.h), connects to NATS (retrying in the background until a server
// answers), applies the tasks of its node through the drivers, and runs until SIGINT/SIGTERM.
// After every NATS reconnection it fetches at once: keys sent while it was away are lost, and
// revisions make that harmless.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

// Registers the `agent` subcommand on app. exit_code receives the command's exit status.
void AddAgentCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
