#pragma once

// The authoritative DNS driver (Knot DNS, shared/service-lab.md section 5). A zone is two files:
// the zone file <zone_dir>/<zone>.zone and a config fragment <zone_conf_dir>/<zone>.conf that
// Knot's main config includes by glob (KnotInstance writes it), so adding or removing a zone is a
// file and a reload; there is nothing to assemble. Validate runs `knotc conf-check` and
// `kzonecheck` on every live zone file whose content it has not accepted before; Reload runs
// `knotc reload` and confirms with `knotc zone-status` that every changed zone serves the serial
// of its file and every removed zone is gone. The batch algorithm (skip identical files, batch
// record, blame/bisect, rollback) is BatchApplier's; this class only knows Knot.
//
// Every byte of zone file syntax comes from RenderZoneFile and every byte of Knot config from
// RenderZoneConf, the one encoder of each format (shared/SECURITY.md rule 3). Their input passed
// protocol::ZoneSpecFromJson here, in the agent: owner names and hosts are label grammars, TXT
// and CAA values are quoted and escaped by the encoder, so a field can never start a line or a
// directive ($INCLUDE, $GENERATE); only the encoder writes $ORIGIN and $TTL.
//
// Cost: kzonecheck takes ~3 ms per zone. The driver remembers (in memory) the content hash of
// every zone file it accepted, so a batch checks only the zones it changed; the first Validate
// after the agent starts checks every zone (about 30 s for 10,000 zones).
//
// Called by the agent's reconcile thread only.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/dns/dns_layout.h"
#include "agent/drivers/dns/knot_keys.h"
#include "agent/drivers/dns/knot_zone_conf.h"
#include "agent/drivers/dns/zone_file.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/sealed_box.h"
#include "protocol/zone_spec.h"

namespace hostplane::agent {

struct KnotDriverOptions {
  // This node's name: a signed zone is signed here when its spec names this node as signer.
  std::string node;
  // Opens the secrets sealed to this node (TSIG and DNSSEC keys); without it, a zone with
  // secrets fails with a message saying so.
  std::optional<BoxKey> box_key;
  // Test hook: these zones are rendered with a CNAME beside other data at the name
  // "hostplane-test-conflict", which the decoder can never produce and kzonecheck refuses.
  std::vector<std::string> break_zones;
  std::chrono::milliseconds reload_timeout{10'000};
  std::chrono::milliseconds poll_interval{10};
};

// The Knot config fragment of a zone without name servers, secondaries or signing (what
// RenderKnotZoneConf writes for it); zone_file is an absolute host path.
std::string RenderZoneConf(const std::string& zone, const std::string& zone_file);
// The absolute file a Knot message names ("... file '/p/zones.d/a.conf', line 3 ..."), if any.
std::optional<std::string> KnotBlamedFile(const std::string& message);
// The serial of a zone file written by RenderZoneFile, if it has the encoder's SOA line.
std::optional<int64_t> ZoneFileSerial(const std::string& zone_file);

class KnotDriver final : public ServiceDriver {
 public:
  KnotDriver(DnsLayout layout, Filesystem& fs, CommandRunner& runner, KnotDriverOptions options);

  std::string Name() const override { return "dns"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> ManagedDirs() const override;
  Result<FileSet> Render(const protocol::Task& task) const override;
  Status Prepare(const protocol::Task& task) override;
  Result<Verdict> Validate() override;
  Status Reload() override;
  Status Finish(const protocol::Task& task) override;
  // Writes <shared_conf_dir>/tsig.conf from every zone's TSIG source file.
  Status Assemble() override;

  // What Knot serves now, for the agent's status report: zone -> its role as Knot reports it
  // ("master", "slave") and serial (nullopt while not loaded). Errors: kUnavailable (knotd is not
  // running).
  struct ServedZone {
    std::string role;
    std::optional<int64_t> serial;
  };
  [[nodiscard]] Result<std::map<std::string, ServedZone>> ServedSerials();

  // Root-relative paths of a zone's two files.
  std::string ZoneFilePath(const std::string& zone) const;
  std::string ZoneConfPath(const std::string& zone) const;

 private:
  struct LiveZone {
    KnotZoneRole role = KnotZoneRole::kPrimary;
    std::optional<std::string> file;  // the zone file's content (nullopt: missing)
  };
  // The zones whose fragment is live.
  Result<std::map<std::string, LiveZone>> LiveZones();
  Result<CommandOutput> Knotc(const std::vector<std::string>& args);
  // zone -> (role, serial "-" when not loaded) as `knotc zone-status` reports it.
  Result<std::map<std::string, std::pair<std::string, std::string>>> ZoneStatus();
  std::string TsigSourcePath(const std::string& zone) const;
  // The zones with keys in the KASP database (read once with `keymgr -l`, then kept).
  Result<std::set<std::string>*> ZonesWithKeys();
  std::string RootRelative(const std::string& host_path) const;
  // Once: knotd's user (knot_user.h) and the directories, the secret ones by its rule.
  Status PrepareDirs();

  DnsLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  KnotDriverOptions options_;
  bool dirs_ready_ = false;
  std::optional<FileOwner> daemon_;  // knotd's user when the agent is root (knot_user.h)
  std::map<std::string, std::string> accepted_;  // zone file path -> hash kzonecheck accepted
  std::map<std::string, std::string> served_;    // zone -> hash of the file confirmed served
  KnotKeyring keyring_;
  std::set<std::string> keys_changed_;  // signer zones whose KASP keys Prepare changed
  std::optional<std::set<std::string>> zones_with_keys_;
};

}  // namespace hostplane::agent
