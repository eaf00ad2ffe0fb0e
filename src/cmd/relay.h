#pragma once

// `hostplane relay config hub|site`: writes the nats-server configuration of the relay network
// (relay/relay_config.h) and the password files of everyone who connects to it, each 0600, then
// checks the configuration with `nats-server -t` when nats-server is installed. Passwords already
// in the output directory are kept, so re-running with one more site or node changes nothing
// for the others. docs/relay.md walks through a hub and its sites.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

// Registers the `relay` subcommand on app. exit_code receives the command's exit status.
void AddRelayCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
