#include "agent/drivers/dns/knot_driver.h"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "agent/drivers/dns/knot_user.h"
#include "common/crypto.h"
#include "common/text/text.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

// Host paths come from the operator's layout, not from tenants, but they are written into a
// quoted Knot config string: allow only characters that need no quoting or escaping.
Status CheckHostPath(const std::string& path) {
  for (unsigned char c : path) {
    bool ok = std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' ||
              c == '@' || c == ':';
    if (!ok) {
      return Fail(Error::Invalid("host path " + protocol::QuoteForMessage(path) +
                                 " contains a character the Knot config would parse"));
    }
  }
  return Ok();
}

}  // namespace

std::string RenderZoneConf(const std::string& zone, const std::string& zone_file) {
  protocol::ZoneSpec plain;
  plain.zone = zone;
  return RenderKnotZoneConf(plain, "", zone_file, "").value();  // a plain zone never fails
}

std::optional<std::string> KnotBlamedFile(const std::string& message) {
  constexpr std::string_view kMark = "file '";
  size_t pos = message.find(kMark);
  if (pos == std::string::npos) return std::nullopt;
  size_t start = pos + kMark.size();
  size_t end = message.find('\'', start);
  if (end == std::string::npos) return std::nullopt;
  return message.substr(start, end - start);
}

std::optional<int64_t> ZoneFileSerial(const std::string& zone_file) {
  std::istringstream in(zone_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("@ ") || line.find(" IN SOA ") == std::string::npos) continue;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string t; fields >> t;) f.push_back(t);
    if (f.size() < 7) return std::nullopt;
    auto serial = protocol::CheckInteger(f[6], 0, protocol::kMaxSerial);
    if (!serial) return std::nullopt;
    return *serial;
  }
  return std::nullopt;
}

KnotDriver::KnotDriver(DnsLayout layout, Filesystem& fs, CommandRunner& runner,
                       KnotDriverOptions options)
    : layout_(std::move(layout)),
      fs_(fs),
      runner_(runner),
      options_(std::move(options)),
      keyring_(layout_, fs, runner) {}

std::vector<std::string> KnotDriver::Kinds() const {
  return {protocol::kZoneEnsure, protocol::kZoneRemove};
}

std::vector<std::string> KnotDriver::ManagedDirs() const {
  return {layout_.zone_dir, layout_.zone_conf_dir, layout_.tsig_dir, layout_.shared_conf_dir};
}

std::string KnotDriver::TsigSourcePath(const std::string& zone) const {
  return layout_.tsig_dir + "/" + zone + ".json";
}

std::string KnotDriver::ZoneFilePath(const std::string& zone) const {
  return layout_.zone_dir + "/" + zone + ".zone";
}

std::string KnotDriver::ZoneConfPath(const std::string& zone) const {
  return layout_.zone_conf_dir + "/" + zone + ".conf";
}

std::string KnotDriver::RootRelative(const std::string& host_path) const {
  std::string root = fs_.HostPath("");
  if (root.empty() || root.back() != '/') root += '/';
  if (host_path.rfind(root, 0) == 0) return host_path.substr(root.size());
  return host_path;
}

Result<FileSet> KnotDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kZoneEnsure) {
    auto zone = protocol::ZoneSpecFromJson(task.spec);
    if (!zone) return Fail(zone.error());
    std::string zone_file = fs_.HostPath(ZoneFilePath(zone->zone));
    HP_TRY(CheckHostPath(zone_file));
    bool test_break = std::find(options_.break_zones.begin(), options_.break_zones.end(),
                                zone->zone) != options_.break_zones.end();
    const BoxKey* box = options_.box_key ? &*options_.box_key : nullptr;
    auto tsig = OpenTsigKeys(zone->servers, box);
    if (!tsig) return Fail(tsig.error());
    auto keys = OpenZoneKeys(zone->dnssec, box);
    if (!keys) return Fail(keys.error());
    auto conf =
        RenderKnotZoneConf(*zone, options_.node, zone_file, keys->empty() ? "" : KeysDigest(*keys));
    if (!conf) return Fail(conf.error());
    // A secondary loads no file: it serves what it transfers from the signer.
    std::optional<std::string> file;
    if (ZoneRoleOn(*zone, options_.node) != KnotZoneRole::kSecondary) {
      file = RenderZoneFile(*zone, test_break);
    }
    std::optional<std::string> tsig_source;
    if (!tsig->empty()) tsig_source = RenderTsigSource(*tsig);
    for (auto& k : *tsig) sodium_memzero(k.secret.data(), k.secret.size());
    return FileSet{{ZoneFilePath(zone->zone), std::move(file), 0644},
                   {TsigSourcePath(zone->zone), std::move(tsig_source), 0600},
                   {ZoneConfPath(zone->zone), std::move(*conf), 0644}};
  }
  if (task.kind == protocol::kZoneRemove) {
    auto removal = protocol::ZoneRemovalFromJson(task.spec);
    if (!removal) return Fail(removal.error());
    return FileSet{{ZoneConfPath(removal->zone), std::nullopt, 0644},
                   {TsigSourcePath(removal->zone), std::nullopt, 0600},
                   {ZoneFilePath(removal->zone), std::nullopt, 0644}};
  }
  return Fail(Error::Invalid("the dns driver does not handle task kind " + task.kind));
}

Status KnotDriver::Prepare(const protocol::Task& task) {
  HP_TRY(PrepareDirs());
  if (task.kind != protocol::kZoneEnsure) return Ok();
  auto zone = protocol::ZoneSpecFromJson(task.spec);
  if (!zone) return Fail(zone.error());
  if (zone->dnssec.keys.empty()) return Ok();
  // The keys go into the KASP before the fragment that signs with them goes live; every node of
  // the zone holds them, so any one of them can take over signing.
  auto keys = OpenZoneKeys(zone->dnssec, options_.box_key ? &*options_.box_key : nullptr);
  if (!keys) return Fail(keys.error());
  auto changed = keyring_.Reconcile(zone->zone, *keys, zone->dnssec.algorithm);
  if (!changed) return Fail(changed.error());
  auto with_keys = ZonesWithKeys();
  if (!with_keys) return Fail(with_keys.error());
  (*with_keys)->insert(zone->zone);
  if (*changed) keys_changed_.insert(zone->zone);
  return Ok();
}

Status KnotDriver::PrepareDirs() {
  if (dirs_ready_) return Ok();
  HP_ASSIGN_OR_RETURN(daemon_, KnotDaemonUser(layout_));
  keyring_.RunAs(daemon_);
  HP_TRY(fs_.MakeDirs(layout_.zone_dir, 0755));
  HP_TRY(fs_.MakeDirs(layout_.zone_conf_dir, 0755));
  HP_TRY(MakeSecretDir(fs_, layout_.shared_conf_dir, daemon_));
  HP_TRY(MakeSecretDir(fs_, layout_.tsig_dir, std::nullopt));  // the sources: the agent's only
  dirs_ready_ = true;
  return Ok();
}

Result<std::set<std::string>*> KnotDriver::ZonesWithKeys() {
  if (!zones_with_keys_) {
    HP_TRY(PrepareDirs());
    Command cmd;
    cmd.argv = {layout_.keymgr, "-c", fs_.HostPath(layout_.conf), "-l"};
    RunAsDaemon(cmd, daemon_);
    auto out = runner_.Run(cmd);
    if (!out) return Fail(out.error());
    std::set<std::string> zones;
    if (out->ok()) {
      std::istringstream in(out->out);
      for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '.') line.pop_back();
        if (!line.empty()) zones.insert(line);
      }
    }
    zones_with_keys_ = std::move(zones);
  }
  return &*zones_with_keys_;
}

Status KnotDriver::Assemble() {
  HP_TRY(PrepareDirs());
  auto names = fs_.ListDir(layout_.tsig_dir);
  std::map<std::string, std::string> sources;
  if (names) {
    for (const auto& n : *names) {
      if (n.empty() || n.front() == '.' || !n.ends_with(".json")) continue;
      auto content = fs_.ReadFile(layout_.tsig_dir + "/" + n);
      if (!content) return Fail(content.error());
      if (*content) sources.emplace(n.substr(0, n.size() - 5), std::move(**content));
    }
  }
  std::vector<std::string> conflicts;
  std::string conf = RenderTsigConf(sources, &conflicts);
  for (auto& [zone, text] : sources) sodium_memzero(text.data(), text.size());
  for (const auto& name : conflicts) {
    spdlog::warn("dns: the TSIG key {} is given with two different secrets; left out", name);
  }
  const std::string rel = layout_.shared_conf_dir + "/tsig.conf";
  auto current = fs_.ReadFile(rel);
  if (current && *current && **current == conf) return Ok();
  // knotd reads it: knot_user.h's rule (0640 root:<knotd's group>, from the setgid directory).
  auto written = fs_.WriteFileAtomic(rel, conf, SecretFileMode(daemon_));
  sodium_memzero(conf.data(), conf.size());
  return written;
}

Result<std::map<std::string, KnotDriver::LiveZone>> KnotDriver::LiveZones() {
  auto names = fs_.ListDir(layout_.zone_conf_dir);
  if (!names) return Fail(names.error());
  std::map<std::string, LiveZone> out;
  for (const auto& n : *names) {
    // Only the fragments the main config's "*.conf" glob includes; never temp files.
    if (n.empty() || n.front() == '.' || !n.ends_with(".conf")) continue;
    std::string zone = n.substr(0, n.size() - 5);
    if (zone.empty()) continue;
    LiveZone live;
    auto fragment = fs_.ReadFile(ZoneConfPath(zone));
    if (!fragment) return Fail(fragment.error());
    if (*fragment) live.role = FragmentRole(**fragment);
    auto content = fs_.ReadFile(ZoneFilePath(zone));
    if (!content) return Fail(content.error());
    live.file = std::move(*content);
    out.emplace(zone, std::move(live));
  }
  return out;
}

Result<Verdict> KnotDriver::Validate() {
  Command check;
  check.argv = {layout_.knotc, "-c", fs_.HostPath(layout_.conf), "conf-check"};
  check.timeout = std::chrono::milliseconds(120'000);
  auto out = runner_.Run(check);
  if (!out) return Fail(out.error());
  Verdict v;
  if (!out->ok()) {
    v.ok = false;
    v.message = "knotc conf-check: " + OneLine(out->err + out->out);
    if (auto file = KnotBlamedFile(out->err + out->out)) v.file = RootRelative(*file);
    return v;
  }
  HP_ASSIGN_OR_RETURN(auto zones, LiveZones());
  std::set<std::string> live_files;
  for (const auto& [zone, live] : zones) {
    if (live.role == KnotZoneRole::kSecondary) continue;  // no file: it transfers the zone
    const auto& content = live.file;
    const std::string rel = ZoneFilePath(zone);
    live_files.insert(rel);
    if (!content) {
      v.ok = false;
      v.message = "zone " + zone + " is configured but its zone file " + fs_.HostPath(rel) +
                  " does not exist";
      v.file = ZoneConfPath(zone);
      return v;
    }
    std::string hash = Blake2bHex(*content);
    auto it = accepted_.find(rel);
    if (it != accepted_.end() && it->second == hash) continue;
    Command zc;
    zc.argv = {layout_.kzonecheck, "-o", zone + ".", "--", fs_.HostPath(rel)};
    zc.timeout = std::chrono::milliseconds(60'000);
    HP_ASSIGN_OR_RETURN(auto res, runner_.Run(zc));
    if (!res.ok()) {
      v.ok = false;
      v.message = "kzonecheck " + zone + ": " + OneLine(res.out + res.err);
      v.file = rel;
      return v;
    }
    accepted_[rel] = std::move(hash);
  }
  std::erase_if(accepted_, [&](const auto& e) { return live_files.count(e.first) == 0; });
  return v;
}

Result<CommandOutput> KnotDriver::Knotc(const std::vector<std::string>& args) {
  Command cmd;
  cmd.argv = {layout_.knotc, "-s", fs_.HostPath(layout_.control_socket), "-t", "10"};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.timeout = std::chrono::milliseconds(30'000);
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    std::string message = OneLine(out->err + out->out);
    if (message.find("failed to connect") != std::string::npos ||
        message.find("connection refused") != std::string::npos) {
      return Fail(Error::Unavailable("knotd is not running: knotc: " + message));
    }
  }
  return out;
}

Result<std::map<std::string, std::pair<std::string, std::string>>> KnotDriver::ZoneStatus() {
  auto out = Knotc({"zone-status"});
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    return Fail(Error::Unavailable("knotc zone-status: " + OneLine(out->err + out->out)));
  }
  // "[acme.example.] role: master | serial: 2026112401 | ..." (serial "-" when not loaded)
  auto field = [](const std::string& line, const std::string& name, size_t from) {
    size_t pos = line.find(name + ": ", from);
    if (pos == std::string::npos) return std::string("-");
    size_t start = pos + name.size() + 2;
    size_t end = line.find_first_of(" |", start);
    return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
  };
  std::map<std::string, std::pair<std::string, std::string>> status;
  std::istringstream in(out->out);
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 3 || line.front() != '[') continue;
    size_t close = line.find("] ");
    if (close == std::string::npos || close < 2) continue;
    std::string zone = line.substr(1, close - 1);
    if (zone.back() == '.') zone.pop_back();
    status[zone] = {field(line, "role", close), field(line, "serial", close)};
  }
  return status;
}

Result<std::map<std::string, KnotDriver::ServedZone>> KnotDriver::ServedSerials() {
  auto status = ZoneStatus();
  if (!status) return Fail(status.error());
  std::map<std::string, ServedZone> out;
  for (const auto& [zone, rs] : *status) {
    ServedZone z{rs.first, std::nullopt};
    if (auto serial = protocol::CheckInteger(rs.second, 0, protocol::kMaxSerial))
      z.serial = *serial;
    out.emplace(zone, std::move(z));
  }
  return out;
}

Status KnotDriver::Reload() {
  HP_ASSIGN_OR_RETURN(auto zones, LiveZones());
  // What must be true once the reload is in effect: a changed primary serves its file's serial,
  // a changed signer has loaded and signed its file (`knotc -b zone-reload` reports that), a
  // changed secondary is configured (it serves what it transfers: ServedSerials tells).
  std::map<std::string, std::string> want;  // changed primary -> serial of its file
  std::vector<std::string> signers;         // changed signers
  std::set<std::string> present;            // changed zones that must merely be configured
  std::map<std::string, std::string> hashes;
  for (const auto& [zone, live] : zones) {
    auto fragment = fs_.ReadFile(ZoneConfPath(zone));
    if (!fragment) return Fail(fragment.error());
    std::string hash = Blake2bHex((live.file ? *live.file : std::string()) + "\n--\n" +
                                  (*fragment ? **fragment : std::string()));
    auto it = served_.find(zone);
    bool changed = it == served_.end() || it->second != hash || keys_changed_.count(zone) != 0;
    if (changed) {
      if (live.role == KnotZoneRole::kPrimary && live.file) {
        auto serial = ZoneFileSerial(*live.file);
        if (!serial) {
          return Fail(Error::Internal("zone file " + fs_.HostPath(ZoneFilePath(zone)) +
                                      " has no SOA line of the encoder"));
        }
        want[zone] = std::to_string(*serial);
      } else if (live.role == KnotZoneRole::kSigner) {
        signers.push_back(zone);
        present.insert(zone);
      } else {
        present.insert(zone);
      }
    }
    hashes[zone] = std::move(hash);
  }
  std::vector<std::string> gone;
  for (const auto& [zone, hash] : served_) {
    if (zones.count(zone) == 0) gone.push_back(zone);
  }

  auto out = Knotc({"reload"});
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    return Fail(Error::Validation("knotc reload: " + OneLine(out->err + out->out)));
  }

  // Knot loads changed zone files after the reload returns: poll until every changed zone serves
  // its file's serial and every removed zone is gone. A file rewritten within the mtime
  // granularity may look unchanged to Knot: such zones get one forced zone-reload.
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + options_.reload_timeout;
  bool forced = false;
  std::string last;
  for (;;) {
    HP_ASSIGN_OR_RETURN(auto status, ZoneStatus());
    std::vector<std::string> lagging;
    last.clear();
    for (const auto& [zone, serial] : want) {
      auto it = status.find(zone);
      std::string has = it == status.end() ? "absent" : it->second.second;
      if (has != serial) {
        lagging.push_back(zone);
        last +=
            fmt::format("{}{} serves {} (want {})", last.empty() ? "" : ", ", zone, has, serial);
      }
    }
    for (const auto& zone : present) {
      if (status.count(zone) == 0) {
        last += fmt::format("{}{} not configured", last.empty() ? "" : ", ", zone);
        lagging.push_back("");
      }
    }
    for (const auto& zone : gone) {
      if (status.count(zone) != 0) {
        last += fmt::format("{}{} still served", last.empty() ? "" : ", ", zone);
        lagging.push_back("");  // nothing to force for a removed zone
      }
    }
    if (lagging.empty()) break;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Fail(Error::Timeout(fmt::format("knot did not confirm the reload within {} ms: {}",
                                             options_.reload_timeout.count(), last)));
    }
    if (!forced && now - started >= options_.reload_timeout / 4) {
      forced = true;
      std::vector<std::string> args = {"zone-reload"};
      for (const auto& z : lagging) {
        if (!z.empty()) args.push_back(z + ".");
      }
      if (args.size() > 1) {
        HP_TRY(Knotc(args));
      }
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
  // A signer whose KASP keys Prepare changed: Knot re-reads them and re-signs (the timers then
  // drive every later event).
  for (const auto& zone : signers) {
    if (keys_changed_.count(zone) == 0) continue;
    auto signed_out = Knotc({"zone-keys-load", zone + "."});
    if (!signed_out) return Fail(signed_out.error());
    if (!signed_out->ok()) {
      return Fail(Error::Validation("knotc zone-keys-load " + zone + ": " +
                                    OneLine(signed_out->err + signed_out->out)));
    }
  }
  keys_changed_.clear();
  served_ = std::move(hashes);
  return Ok();
}

Status KnotDriver::Finish(const protocol::Task& task) {
  // Keys the spec no longer lists leave the KASP once the change is live (the controller drops
  // a key only after its remove time).
  std::string zone;
  std::set<std::string> keep;
  if (task.kind == protocol::kZoneEnsure) {
    auto spec = protocol::ZoneSpecFromJson(task.spec);
    if (!spec) return Fail(spec.error());
    zone = spec->zone;
    auto keys = OpenZoneKeys(spec->dnssec, options_.box_key ? &*options_.box_key : nullptr);
    if (!keys) return Fail(keys.error());
    for (const auto& k : *keys) keep.insert(k.id);
  } else {
    auto removal = protocol::ZoneRemovalFromJson(task.spec);
    if (!removal) return Fail(removal.error());
    zone = removal->zone;
  }
  auto with_keys = ZonesWithKeys();
  if (!with_keys) return Fail(with_keys.error());
  if ((*with_keys)->count(zone) == 0) return Ok();
  auto deleted = keyring_.DeleteOthers(zone, keep);
  if (!deleted) return Fail(deleted.error());
  if (keep.empty()) (*with_keys)->erase(zone);
  return Ok();
}

}  // namespace hostplane::agent
