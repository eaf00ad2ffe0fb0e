#pragma once

// What the all-in-one runs and where. `hostplane up` writes it to <data-dir>/up.json once every
// daemon answers (atomically; data, never code); `hostplane status` reads it, asks the data
// directory's lock whether that `up` still runs, and probes each port. Both run on their
// command's main thread.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane::cmd {

// One thing `up` runs: a daemon on a loopback port, or one without a port (PHP-FPM's sockets).
struct UpEndpoint {
  std::string service;  // "api", "sites", "https", "smtp", "imap", "ftp", "dns", "db", "php"
  std::string daemon;   // "hostplane", "nginx", "Postfix", ...
  std::string where;    // "http://127.0.0.1:8580", "127.0.0.1:12525", a socket directory
  int port = 0;         // probed by `status` when not 0
  std::string note;     // e.g. "when a site has a certificate" (then not probed)
};

struct UpStatus {
  int pid = 0;
  std::string started_at;  // ISO 8601, UTC
  std::string binary;      // the hostplane that runs it (absolute)
  std::string data_dir;    // where the data is (absolute, real)
  std::string data_link;   // the data directory asked for, when it links to data_dir; or ""
  std::string cwd;         // where `up` was started, and its command line (to start it again)
  std::vector<std::string> argv;
  std::vector<UpEndpoint> endpoints;
};

nlohmann::json UpStatusToJson(const UpStatus& status);
// The command line of this process (/proc/self/cmdline).
std::vector<std::string> OwnCommandLine();
// argv as a shell command a person can paste: arguments quoted where they need it.
std::string ShellCommand(const std::vector<std::string>& argv);
// Errors: kInvalid when a field is missing or of the wrong type.
[[nodiscard]] Result<UpStatus> UpStatusFromJson(const nlohmann::json& json);

// The file name of the record in the data directory.
inline constexpr const char* kUpStatusFile = "up.json";

// Registers `hostplane status [--data-dir DIR]` (default $HOSTPLANE_DATA_DIR, else ./var).
// Exit codes: 0 running and every port answers, 1 running but a port does not answer, 3 no
// record (up never ran there), 8 not running.
void AddStatusCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
