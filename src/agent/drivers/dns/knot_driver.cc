#include "agent/drivers/dns/knot_driver.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "common/crypto.h"
#include "common/text/text.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

constexpr const char* kTestConflictName = "hostplane-test-conflict";
constexpr size_t kTxtChunk = 255;

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

// RDATA of one canonical record (the value grammar of zone_spec.h).
std::string Rdata(const protocol::DnsRecord& r) {
  if (r.type == "TXT") return EncodeTxt(r.value);
  if (r.type == "CAA") {
    // "<flags> <tag> <value>": flags and tag are grammar tokens, the value is quoted.
    size_t first = r.value.find(' ');
    size_t second = r.value.find(' ', first + 1);
    return r.value.substr(0, second) + " " + EncodeTxt(r.value.substr(second + 1));
  }
  return r.value;  // addresses, absolute hosts and numbers: nothing to quote
}

// Apex first, then names, types and values in byte order: one zone, one byte sequence.
bool RecordLess(const protocol::DnsRecord& a, const protocol::DnsRecord& b) {
  return std::make_tuple(a.name != "@", a.name, a.type, a.value, a.ttl) <
         std::make_tuple(b.name != "@", b.name, b.type, b.value, b.ttl);
}

}  // namespace

std::string EncodeTxt(std::string_view raw) {
  std::string out;
  size_t pos = 0;
  do {
    std::string_view chunk = raw.substr(pos, kTxtChunk);
    pos += chunk.size();
    if (!out.empty()) out += ' ';
    out += '"';
    for (unsigned char c : chunk) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c >= 0x7f) {
        out += fmt::format("\\{:03d}", c);
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  } while (pos < raw.size());
  return out;
}

std::string RenderZoneFile(const protocol::ZoneSpec& z, bool test_break) {
  std::string out = fmt::format(
      "; managed by hostplane: zone {}; edits are overwritten\n"
      "$ORIGIN {}.\n"
      "$TTL {}\n",
      z.zone, z.zone, z.default_ttl);
  const auto& s = z.soa;
  out += fmt::format("@ {} IN SOA {}. {}. {} {} {} {} {}\n", z.default_ttl, s.mname, s.rname,
                     z.serial, s.refresh, s.retry, s.expire, s.minimum);
  std::vector<protocol::DnsRecord> records = z.records;
  bool apex_ns = std::any_of(records.begin(), records.end(), [](const protocol::DnsRecord& r) {
    return r.name == "@" && r.type == "NS";
  });
  if (!apex_ns) records.push_back({"@", "NS", z.default_ttl, s.mname + "."});
  std::sort(records.begin(), records.end(), RecordLess);
  for (const auto& r : records) {
    out += fmt::format("{} {} IN {} {}\n", r.name, r.ttl, r.type, Rdata(r));
  }
  if (test_break) {
    out += fmt::format("{} {} IN CNAME {}.\n", kTestConflictName, z.default_ttl, z.zone);
    out += fmt::format("{} {} IN TXT \"conflict\"\n", kTestConflictName, z.default_ttl);
  }
  return out;
}

std::string RenderZoneConf(const std::string& zone, const std::string& zone_file) {
  return fmt::format(
      "# managed by hostplane: zone {0}; edits are overwritten\n"
      "zone:\n"
      "  - domain: \"{0}.\"\n"
      "    file: \"{1}\"\n",
      zone, zone_file);
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
    : layout_(std::move(layout)), fs_(fs), runner_(runner), options_(std::move(options)) {}

std::vector<std::string> KnotDriver::Kinds() const {
  return {protocol::kZoneEnsure, protocol::kZoneRemove};
}

std::vector<std::string> KnotDriver::ManagedDirs() const {
  return {layout_.zone_dir, layout_.zone_conf_dir};
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
    return FileSet{{ZoneFilePath(zone->zone), RenderZoneFile(*zone, test_break), 0644},
                   {ZoneConfPath(zone->zone), RenderZoneConf(zone->zone, zone_file), 0644}};
  }
  if (task.kind == protocol::kZoneRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::ZoneRemovalFromJson(task.spec));
    return FileSet{{ZoneConfPath(removal.zone), std::nullopt, 0644},
                   {ZoneFilePath(removal.zone), std::nullopt, 0644}};
  }
  return Fail(Error::Invalid("the dns driver does not handle task kind " + task.kind));
}

Status KnotDriver::Prepare(const protocol::Task&) {
  if (dirs_ready_) return Ok();
  HP_TRY(fs_.MakeDirs(layout_.zone_dir, 0755));
  HP_TRY(fs_.MakeDirs(layout_.zone_conf_dir, 0755));
  dirs_ready_ = true;
  return Ok();
}

Result<std::map<std::string, std::optional<std::string>>> KnotDriver::LiveZones() {
  HP_ASSIGN_OR_RETURN(auto names, fs_.ListDir(layout_.zone_conf_dir));
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& n : names) {
    // Only the fragments the main config's "*.conf" glob includes; never temp files.
    if (n.empty() || n.front() == '.' || !n.ends_with(".conf")) continue;
    std::string zone = n.substr(0, n.size() - 5);
    if (zone.empty()) continue;
    HP_ASSIGN_OR_RETURN(auto content, fs_.ReadFile(ZoneFilePath(zone)));
    out.emplace(zone, std::move(content));
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
  for (const auto& [zone, content] : zones) {
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

Result<std::map<std::string, std::string>> KnotDriver::ZoneStatus() {
  auto out = Knotc({"zone-status"});
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    return Fail(Error::Unavailable("knotc zone-status: " + OneLine(out->err + out->out)));
  }
  // "[acme.example.] role: master | serial: 2026112401 | ..." (serial "-" when not loaded)
  std::map<std::string, std::string> status;
  std::istringstream in(out->out);
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 3 || line.front() != '[') continue;
    size_t close = line.find("] ");
    if (close == std::string::npos || close < 2) continue;
    std::string zone = line.substr(1, close - 1);
    if (zone.back() == '.') zone.pop_back();
    std::string serial = "-";
    size_t pos = line.find("serial: ", close);
    if (pos != std::string::npos) {
      size_t start = pos + 8;
      size_t end = line.find_first_of(" |", start);
      serial = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    status[zone] = serial;
  }
  return status;
}

Status KnotDriver::Reload() {
  auto zones = LiveZones();
  if (!zones) return Fail(zones.error());
  // What must be true once the reload is in effect.
  std::map<std::string, std::string> want;  // changed zone -> serial of its file
  std::map<std::string, std::string> hashes;
  for (const auto& [zone, content] : *zones) {
    if (!content) continue;  // Validate refuses this; nothing to confirm
    std::string hash = Blake2bHex(*content);
    auto it = served_.find(zone);
    if (it == served_.end() || it->second != hash) {
      auto serial = ZoneFileSerial(*content);
      if (!serial) {
        return Fail(Error::Internal("zone file " + fs_.HostPath(ZoneFilePath(zone)) +
                                    " has no SOA line of the encoder"));
      }
      want[zone] = std::to_string(*serial);
    }
    hashes[zone] = std::move(hash);
  }
  std::vector<std::string> gone;
  for (const auto& [zone, hash] : served_) {
    if (zones->count(zone) == 0) gone.push_back(zone);
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
      std::string has = it == status.end() ? "absent" : it->second;
      if (has != serial) {
        lagging.push_back(zone);
        last +=
            fmt::format("{}{} serves {} (want {})", last.empty() ? "" : ", ", zone, has, serial);
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
  served_ = std::move(hashes);
  return Ok();
}

Status KnotDriver::Finish(const protocol::Task&) { return Ok(); }

}  // namespace hostplane::agent
