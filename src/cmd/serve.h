#pragma once

// `hostplane serve`: the controller alone — REST API, task engine and the SQLite store in the data
// directory — talking to agents over NATS (common/nats). Agents run elsewhere (`hostplane agent`).
// On first start it makes an admin token; it prints the API URL and the token, writes them to
// <data-dir>/hostplane.env, registers the nodes named with --node, and runs until SIGINT/SIGTERM.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

// Registers the `serve` subcommand on app. exit_code receives the command's exit status.
void AddServeCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
