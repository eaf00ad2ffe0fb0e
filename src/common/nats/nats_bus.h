#pragma once

// The Bus over NATS (cnats, Debian's libnats-dev): what controllers and agents use when they run
// as separate processes, on separate machines. The messages and their semantics are those of
// common/bus/bus.h; NATS brings them across the relay network (shared/DESIGN.md).
//
// The connection reconnects forever: while it is down, publishes are kept in a reconnect buffer
// and sent once it is back, subscriptions are re-made by cnats, and on_reconnect runs after each
// reconnection so the owner can catch up (an agent fetches: keys sent while it was away are lost,
// revisions make that harmless). Messages of one subscription are delivered in order on a thread
// of that subscription (cnats' own dispatcher), as InProcessBus does.
//
// Thread-safe. The Bus and its Subscriptions may be destroyed in any order.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/bus/bus.h"
#include "common/result.h"

namespace hostplane {

struct NatsOptions {
  std::vector<std::string> servers;  // "nats://127.0.0.1:4222", "tls://hub.example:4222", ...
  std::string name;                  // the connection's name, shown by the server (/connz)
  // Credentials: at most one of user (+ password), token and creds_file (a JWT + NKey seed file
  // as written by nsc). Empty: none.
  std::string user;
  std::string password;
  std::string token;
  std::string creds_file;
  // TLS: a CA bundle to verify the server with (implies TLS); a client certificate and its key
  // when the server asks for one (both or neither).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // The subjects this connection's requests are answered on: "<inbox_prefix>.<unique>...".
  // Empty: cnats' "_INBOX". A relay user may subscribe only below its own prefix
  // (relay/relay_config.h), so nobody else can read its replies. CheckInboxPrefix's grammar.
  std::string inbox_prefix;
  std::chrono::milliseconds connect_timeout{2000};  // per server, per attempt
  std::chrono::milliseconds reconnect_wait{1000};   // between attempts on the same server
  int reconnect_buffer_bytes = 8 * 1024 * 1024;     // publishes kept while disconnected
  // When no server answers at start: false fails ConnectNatsBus; true returns a bus that keeps
  // connecting in the background (its calls fail with kUnavailable until then) and calls
  // on_reconnect once it is connected.
  bool retry_on_failed_connect = false;
  // Runs after every reconnection (and after a background first connection), on a cnats thread.
  // Must not block for long and must not destroy the bus.
  std::function<void()> on_reconnect;
  // Runs when an outage is noticed (not on our own Close()), on a cnats thread. Until then a
  // publish goes to the dead socket and is lost; from then on it is buffered for the reconnect.
  std::function<void()> on_disconnect;
};

// Whether prefix can be an inbox prefix: dot-separated tokens of [A-Za-z0-9_-], none empty, at
// most 128 characters in all; so no wildcard (* >) and nothing a subject cannot hold. Errors:
// kInvalid.
[[nodiscard]] Status CheckInboxPrefix(const std::string& prefix);

// Connects to the first server of options.servers that answers. Errors: kInvalid (options that
// contradict each other, a bad inbox_prefix, an unreadable creds or TLS file, a malformed URL),
// kUnavailable (no server answered and retry_on_failed_connect is false), kUnauthorized (the server
// refused the credentials). Messages carry cnats' own words.
[[nodiscard]] Result<std::unique_ptr<Bus>> ConnectNatsBus(const NatsOptions& options);

}  // namespace hostplane
