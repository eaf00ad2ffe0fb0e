#pragma once

// `hostplane token create NAME [--user LOGIN [--scope S]...] --data-dir DIR`: makes an API token
// directly in the local store: a company admin token (bootstrap, before any token exists), or a
// token of one login (a reseller's, a customer's) with scopes, judged with that login's rights at
// each request. The token is printed once; only its hash is kept.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

void AddTokenCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
