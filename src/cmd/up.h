#pragma once

// `hostplane up`: the all-in-one. One process runs the controller (SQLite store in the data
// directory), an agent for the node "local", and supervises a private nginx on loopback ports,
// all under the data directory (default ./var): no system file is touched, no root-only port is
// used. It prints the API URL, an admin token and the sites' HTTP port, writes them to
// <data-dir>/hostplane.env, and stops everything it started on Ctrl-C (SIGINT/SIGTERM).

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

// Registers the `up` subcommand on app. exit_code receives the command's exit status.
void AddUpCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
