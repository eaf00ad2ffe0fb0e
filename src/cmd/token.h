#pragma once

// `hostplane token create NAME --data-dir DIR`: makes an admin API token directly in the local
// store (bootstrap, before any token exists). The token is printed once; only its hash is kept.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

void AddTokenCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
