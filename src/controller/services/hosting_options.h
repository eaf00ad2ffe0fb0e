#pragma once

// Settings of the hosting services (the controller's command line / config). A plain value,
// copied into each service at construction.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/secrets/master_key.h"

namespace hostplane::controller {

// The file manager (services/file_service.h).
struct FileServiceOptions {
  int ops_per_minute = 600;                       // per customer; bursts up to this many
  std::chrono::milliseconds request_ttl{10'000};  // how long a signed request stays valid
  std::chrono::milliseconds timeout{15'000};      // waiting for the node's reply
  // waiting for a copy, extract, archive or empty_trash (up to FileLimits' gigabytes)
  std::chrono::milliseconds long_timeout{300'000};
};

struct HostingOptions {
  // Unix uids (and gids, the same number) of accounts: allocated once each, never reused.
  int64_t uid_first = 20000;
  int64_t uid_last = 59999;
  FileServiceOptions files;
  // PHP versions the web nodes offer; a site's "php" must be one of them. The first is the
  // default for "php": "default".
  std::vector<std::string> php_versions = {"8.2"};
  // Name servers written as NS records of every zone ("" list: ns1.<zone>, glued to the DNS
  // node's address).
  std::vector<std::string> nameservers;
  int64_t default_ttl = 3600;
  // ACME: the directory URL and the contact address; empty directory = certificates disabled.
  std::string acme_directory;
  std::string acme_email;
  int64_t renew_before_days = 30;
  // A node whose agent has not said hello (heartbeat) for this long is down: nothing new is
  // placed on it. Agents say hello every 15 s by default.
  int64_t node_down_after_ms = 60'000;
  // How long a join token (`node add`, `node token`) stays valid.
  int64_t join_token_ttl_ms = 24LL * 3600 * 1000;
  // The bundle key ("ed25519:<base64>") joining agents pin; join tokens carry its fingerprint.
  std::string controller_key;
  // NATS servers a joining agent is told to use ("" list: the agent's config says).
  std::vector<std::string> nats_servers;
  // The operator's own names (the panel's host name, the nodes' names), canonical domains: no
  // customer may hold one, a name under one or a name above one (`--reserved-name`; the built-in
  // list is protocol::CheckReservedName's).
  std::vector<std::string> reserved_names;
  // The key the store's secrets are sealed with (secrets/master_key.h; the runtime loads
  // <data_dir>/secrets.key or --master-key). nullptr: a random key for this process only (tests).
  std::shared_ptr<const MasterKey> master_key;
};

}  // namespace hostplane::controller
