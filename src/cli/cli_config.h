#pragma once

// The CLI's own file: where `hostplane login` keeps the token it was given (and the controller's
// URL it came from), read by every later call that names no token. One JSON object
// {"url", "token", "login", "expires_at"}, mode 0600 in a 0700 folder, written whole (a new file
// renamed over the old one), so another user of the machine never reads it and a crash never
// leaves half of it.
//
// Where: $HOSTPLANE_CONFIG, else $XDG_CONFIG_HOME/hostplane/cli.json, else
// $HOME/.config/hostplane/cli.json.

#include <optional>
#include <string>

#include "common/result.h"

namespace hostplane::cli {

struct CliConfig {
  std::string url;    // "http://127.0.0.1:8580"
  std::string token;  // the API token
  std::string login;  // whose
  std::string expires_at;
};

// The file's path. Errors: kInvalid when neither HOSTPLANE_CONFIG, XDG_CONFIG_HOME nor HOME is
// set.
[[nodiscard]] Result<std::string> CliConfigPath();

// nullopt when the file does not exist. Errors: kIo (unreadable), kInvalid (not the object
// above), kForbidden when the file can be read by others than its owner (a token there is no
// longer secret: it is not used).
[[nodiscard]] Result<std::optional<CliConfig>> LoadCliConfig(const std::string& path);

// Writes the file with mode 0600 (its folder made 0700 when missing). Errors: kIo.
[[nodiscard]] Status SaveCliConfig(const std::string& path, const CliConfig& config);

}  // namespace hostplane::cli
