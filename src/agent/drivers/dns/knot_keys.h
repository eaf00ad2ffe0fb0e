#pragma once

// The secrets of a zone on a dns node: its DNSSEC keys in Knot's KASP database and its TSIG
// keys in Knot's config. Both arrive sealed to this node (common/sealed_box.h) inside the signed
// zone.ensure spec; only here are they opened.
//
// DNSSEC keys: OpenZoneKeys opens each sealed PEM and computes Knot's key id (the SHA-1 of the
// public key's DER SubjectPublicKeyInfo, which is what `keymgr` prints), so every node names the
// same key the same way. KnotKeyring makes the zone's KASP keys those of the spec: it imports a
// missing key with `keymgr import-pem` from a 0600 file in a 0700 directory (keymgr reads no
// stdin; the file is removed at once, and the PEM never goes into argv or a log; keymgr runs as
// knotd's user, knot_user.h), sets the timers
// of a present one with `keymgr set`, and deletes the keys the spec no longer lists.
//
// TSIG keys: Knot wants each key defined once, before any zone refers to it, but a company key
// is used by many zones. So every zone's keys go into a source file of their own
// (<tsig_dir>/<zone>.json, 0600), and RenderTsigConf assembles the one `key:` section of every
// key from all sources (KnotDriver::Assemble). A name given with two different secrets is left
// out (the zones that refer to it then fail `knotc conf-check`, and the batch restores them): a
// key name stands for one secret; rotating means a new name.
//
// Called by the agent's reconcile thread only (through KnotDriver).

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/drivers/dns/dns_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"
#include "common/sealed_box.h"
#include "protocol/zone_spec.h"

namespace hostplane::agent {

// One opened DNSSEC key. Holds the private key: wiped when destroyed.
struct ZoneKey {
  std::string id;              // Knot's key id, 40 hex digits
  protocol::DnssecKey timers;  // role and timers (private_key cleared)
  std::string pem;
  ZoneKey() = default;
  ZoneKey(const ZoneKey&) = default;
  ZoneKey& operator=(const ZoneKey&) = default;
  ~ZoneKey();
};

// Knot's id of the private key in `pem`, checking that it is a key of `algorithm`
// ("ecdsap256sha256": EC P-256, "ed25519"). Errors: kInvalid (not a private key in PEM, another
// algorithm; the message never shows the PEM).
[[nodiscard]] Result<std::string> KnotKeyId(const std::string& pem, const std::string& algorithm);

// The zone's keys opened with `box`. Errors: kInvalid (no box key on this node, a key sealed to
// another node or altered, see KnotKeyId).
[[nodiscard]] Result<std::vector<ZoneKey>> OpenZoneKeys(const protocol::DnssecSpec& dnssec,
                                                        const BoxKey* box);

// A short digest of the keys' ids, roles and timers (no secret): changes whenever the KASP must.
std::string KeysDigest(const std::vector<ZoneKey>& keys);

// One opened TSIG key.
struct TsigSecret {
  std::string name;
  std::string algorithm;
  std::string secret;  // base64, as Knot and the other server want it
  bool operator==(const TsigSecret&) const = default;
};

// The zone's TSIG keys opened with `box`, checked to be base64 of 16 to 128 bytes. Errors:
// kInvalid (no box key, sealed to another node, not base64).
[[nodiscard]] Result<std::vector<TsigSecret>> OpenTsigKeys(const protocol::ZoneServers& servers,
                                                           const BoxKey* box);
// The source file of one zone's keys (JSON).
std::string RenderTsigSource(const std::vector<TsigSecret>& keys);
// Knot's `key:` section of every key of every source (zone -> source file content), sorted by
// name; names given with different secrets are left out and listed in `conflicts`.
std::string RenderTsigConf(const std::map<std::string, std::string>& sources,
                           std::vector<std::string>* conflicts);

class KnotKeyring {
 public:
  // runner must allow layout.keymgr.
  KnotKeyring(DnsLayout layout, Filesystem& fs, CommandRunner& runner);

  // keymgr runs as knotd's user from now on (knot_user.h), so the KASP database stays knotd's;
  // the PEM it imports is then 0640 root:<knotd's group>. nullopt: as this process.
  void RunAs(std::optional<FileOwner> daemon) { daemon_ = daemon; }

  // Makes the zone's KASP hold `keys` with their timers (imports, sets). Returns whether
  // anything changed. Errors: kIo, kValidation (keymgr refused, with its words).
  [[nodiscard]] Result<bool> Reconcile(const std::string& zone, const std::vector<ZoneKey>& keys,
                                       const std::string& algorithm);
  // Deletes every KASP key of the zone whose id is not in `keep`. Returns whether any was.
  [[nodiscard]] Result<bool> DeleteOthers(const std::string& zone,
                                          const std::set<std::string>& keep);

 private:
  struct KaspKey {
    std::string id;
    bool ksk = false;
    int64_t publish = 0, ready = 0, active = 0, retire = 0, remove = 0;
  };
  [[nodiscard]] Result<std::vector<KaspKey>> List(const std::string& zone);
  [[nodiscard]] Result<CommandOutput> Keymgr(const std::string& zone,
                                             const std::vector<std::string>& args);

  DnsLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  std::optional<FileOwner> daemon_;
};

}  // namespace hostplane::agent
