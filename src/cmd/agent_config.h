#pragma once

// The configuration file of `hostplane agent` (TOML, read with toml++): the node's name, how to
// reach NATS, the resync period, and the HostLayout of this server: [host], [nginx], and one
// table per optional service ([account], [mail], [ftp], [dns], [mariadb], [acme]); a table
// present turns that service's driver on. docs/agent.toml.example shows every key with its
// default: the production defaults of agent/host_layout.h and the layouts beside the drivers,
// except [dns], whose defaults are Debian's knot package (/etc/knot/knot.conf, /run/knot).
// mail.vmail_uid and mail.vmail_gid have no default: [mail] requires them.
//
// Every field is validated; unknown keys are refused, so a misspelt key never silently means its
// default. The error names each bad key: Error::fields maps "nginx.http_port" to a code
// (config.syntax, config.unknown_key, config.type, config.out_of_range, config.required,
// config.test_hooks_disabled, config.invalid_address, config.invalid_user, config.invalid_host,
// ..., or the validator's own code such as path.dot_dot or node.invalid),
// and the message says the same with file and line, one line per key.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/host_layout.h"
#include "common/nats/nats_bus.h"
#include "common/result.h"
#include "common/signing_key.h"

namespace hostplane::cmd {

struct AgentConfig {
  // This server's node name and the controller's bundle key ("ed25519:<base64>" as `hostplane
  // serve` prints it). Either may be left out of the file when the server joins with a token
  // (`hostplane agent --join`): they then come from its enrolment; the agent needs both.
  std::string node;
  std::optional<PublicKey> controller_key;
  std::chrono::seconds resync{30};
  // servers, name, credentials, TLS, reconnect settings. password and token are read from the
  // files named in the config by LoadAgentConfig (never written in the config itself).
  // inbox_prefix is always relay::NodeInboxPrefix(node), the only replies the relay lets node
  // read; it has no key.
  NatsOptions nats;
  std::string nats_password_file;
  std::string nats_token_file;
  std::string root = "/";  // the Filesystem root every layout path is relative to
  agent::HostLayout layout;
  // [test], accepted only when test hooks are enabled (`--enable-test-hooks`).
  std::chrono::milliseconds test_write_delay{0};
  std::vector<std::string> test_break_domains;
};

// Parses and validates config text; source names it in messages (the file's path). Errors:
// kInvalid, with the fields described above.
[[nodiscard]] Result<AgentConfig> ParseAgentConfig(const std::string& text,
                                                   const std::string& source,
                                                   bool test_hooks_enabled);

// The configuration as TOML that ParseAgentConfig reads back into the same AgentConfig (every
// section of layout that is present, [test] when a test hook is set). Secrets are not written:
// nats.password and nats.token stay in the files named by nats_password_file and
// nats_token_file. Fields that follow another section (account.home_root = host.home_root,
// account.php_socket_dir = nginx.php_socket_dir, ftp.home_root, acme.certs_dir and
// acme.acme_webroot) have no key and must agree with it in c.
std::string RenderAgentConfig(const AgentConfig& c);

// The settings that follow from the node's name (the NATS connection name unless set, and the
// inbox prefix): ParseAgentConfig calls it when the file names the node; call it again after
// filling node from an enrolment.
void DeriveFromNode(AgentConfig& c);

// Reads the file, parses it, and reads the password or token file it names into nats. Errors:
// kIo (unreadable file), kInvalid.
[[nodiscard]] Result<AgentConfig> LoadAgentConfig(const std::string& path, bool test_hooks_enabled);

}  // namespace hostplane::cmd
