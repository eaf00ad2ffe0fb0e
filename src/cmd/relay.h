#pragma once

// `hostplane relay config hub|site`: writes the nats-server configuration of the relay network
// (relay/relay_config.h), with bcrypt hashes only, and the password files of everyone who
// connects to it, each 0600, then checks the configuration with `nats-server -t` when nats-server
// is installed. Passwords already in the output directory are kept, and so are their hashes
// (<name>.bcrypt, while they match), so re-running with one more site or node changes nothing
// for the others. `--site NAME:NODE,...` names a child site with the nodes behind its link;
// `site --users-file` adds enrolled nodes by their hashes. docs/relay.md walks through a hub and
// its sites.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

// Registers the `relay` subcommand on app. exit_code receives the command's exit status.
void AddRelayCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
