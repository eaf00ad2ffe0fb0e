#pragma once

// A private ACME CA for tests and the all-in-one `hostplane up` (shared/service-lab.md section
// 7): Debian's `pebble` on 127.0.0.1 with its own HTTPS listener certificate, and Debian's
// `pebble-challtestsrv` as the only DNS server pebble's validator asks (-dnsserver), so no
// lookup ever leaves the machine and no /etc/hosts entry is needed. The mock DNS answers A
// queries for the names given to AddHost (or, with resolve_all_to_loopback, for every name)
// with 127.0.0.1 and has no AAAA answers; pebble's validator then fetches
// http://<name>:<http_port>/.well-known/acme-challenge/<token>, i.e. from the private nginx.
//
// Files under <dir> (root-relative): listener.pem / listener.key (a self-signed certificate
// for 127.0.0.1 and localhost: what lego must trust, AcmeLayout::ca_bundle), pebble.json,
// pebble.log, challtestsrv.log. pebble makes a new issuing root at every start: fetch it with
// FetchRoot() (GET https://127.0.0.1:<management_port>/roots/0, verified against the listener
// certificate) to verify served certificates, e.g. `curl --cacert`. Both daemons run as
// ChildProcess with PEBBLE_VA_NOSLEEP=1 (no random validation delays) and
// PEBBLE_WFE_NONCEREJECT=0 (no random badNonce) and are stopped by Stop() or the destructor.
//
// Not thread-safe; one owner.

#include <chrono>
#include <string>

#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

struct PebbleOptions {
  std::string dir = "pebble";  // root-relative directory for config, TLS files and logs
  // 0 = a free loopback port, chosen at Start().
  int listen_port = 0;      // the ACME directory: https://127.0.0.1:<listen_port>/dir
  int management_port = 0;  // /roots/0
  int dns_port = 0;         // pebble-challtestsrv's DNS (UDP and TCP)
  int dns_management_port = 0;
  int http_port = 80;  // where pebble's validator connects for HTTP-01: the nginx port
  bool resolve_all_to_loopback = false;
  std::string pebble_binary = "/usr/bin/pebble";
  std::string challtestsrv_binary = "/usr/bin/pebble-challtestsrv";
  std::chrono::milliseconds start_timeout{10'000};
};

class PebbleInstance {
 public:
  PebbleInstance(Filesystem& fs, PebbleOptions options);
  ~PebbleInstance();
  PebbleInstance(const PebbleInstance&) = delete;
  PebbleInstance& operator=(const PebbleInstance&) = delete;

  // Writes the listener certificate and pebble.json, starts pebble-challtestsrv and pebble and
  // returns once the ACME directory answers. Errors: kIo (files, ports), kUnavailable (a daemon
  // exited; the message has its log), kTimeout.
  [[nodiscard]] Status Start();
  // Stops both daemons (SIGTERM, then SIGKILL after 3 s). Idempotent.
  void Stop();

  // Makes `name` resolve to ipv4 for pebble's validator. Errors: kUnavailable.
  [[nodiscard]] Status AddHost(const std::string& name, const std::string& ipv4 = "127.0.0.1");
  // The PEM of pebble's current issuing root. Errors: kUnavailable.
  [[nodiscard]] Result<std::string> FetchRoot();

  std::string directory_url() const;  // https://127.0.0.1:<listen_port>/dir
  std::string roots_url() const;      // https://127.0.0.1:<management_port>/roots/0
  // Root-relative path of the listener certificate (trust it for the directory and roots_url).
  std::string listener_ca() const { return options_.dir + "/listener.pem"; }
  const PebbleOptions& options() const { return options_; }

 private:
  Status WaitUntilReady();

  Filesystem& fs_;
  PebbleOptions options_;
  ChildProcess dns_;
  ChildProcess pebble_;
};

}  // namespace hostplane::agent
