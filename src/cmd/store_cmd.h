#pragma once

// `hostplane store migrate --to postgresql://… [--from sqlite:///…/store.db | --data-dir DIR]`:
// moves an all-in-one's SQLite store to an empty PostgreSQL database (issue 18,
// controller/store/store_copy.h), while no controller runs on it (the data directory's
// controller.lock is held for the copy), and says how to start the controller on the new store.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

void AddStoreCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
