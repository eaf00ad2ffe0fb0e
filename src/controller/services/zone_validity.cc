#include "controller/services/zone_validity.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include "controller/services/service_support.h"
#include "controller/services/zone_builder.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

// The absolute owner name of records[i] ("www" in acme.example -> "www.acme.example").
std::string OwnerName(const protocol::ZoneSpec& spec, size_t i) {
  if (i >= spec.records.size()) return "";
  const std::string& name = spec.records[i].name;
  return name == "@" ? spec.zone : name + "." + spec.zone;
}

// The record index of a decoder path "records[12].value", or nullopt for other paths.
std::optional<size_t> RecordIndex(const std::string& path) {
  static constexpr std::string_view kPrefix = "records[";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  size_t index = 0;
  const char* begin = path.data() + kPrefix.size();
  auto [end, ec] = std::from_chars(begin, path.data() + path.size(), index);
  if (ec != std::errc() || end == begin || *end != ']') return std::nullopt;
  return index;
}

}  // namespace

Result<ZoneValidity> ZoneValidity::Before(StoreTxn& tx, const Customer& owner,
                                          const HostingOptions& options) {
  ZoneValidity v(owner, options);
  HP_ASSIGN_OR_RETURN(auto found, v.Problems(tx));
  for (const Found& f : found) v.before_.insert(f.problem);
  return v;
}

Result<ZoneValidity> ZoneValidity::BeforeOne(StoreTxn& tx, const Customer& owner,
                                             const HostingOptions& options, std::string zone) {
  ZoneValidity v(owner, options);
  v.only_zone_ = std::move(zone);
  HP_ASSIGN_OR_RETURN(auto found, v.Problems(tx));
  for (const Found& f : found) v.before_.insert(f.problem);
  return v;
}

Result<std::vector<Resource>> ZoneValidity::Zones(StoreTxn& tx) const {
  if (only_zone_) {
    HP_ASSIGN_OR_RETURN(auto zone, tx.resources().Find(kinds::kZone, *only_zone_));
    if (!zone || zone->customer_id != owner_.id) return std::vector<Resource>{};
    return std::vector<Resource>{std::move(*zone)};
  }
  ResourceFilter filter;
  filter.kind = kinds::kZone;
  filter.customer_id = owner_.id;
  return tx.resources().List(Scope::All(), filter);
}

Result<std::vector<ZoneValidity::Found>> ZoneValidity::Problems(StoreTxn& tx) const {
  HP_ASSIGN_OR_RETURN(auto zones, Zones(tx));
  std::vector<Found> out;
  for (const Resource& zone : zones) {
    HP_ASSIGN_OR_RETURN(auto spec, BuildZoneSpec(tx, zone, owner_, options_));
    // The serial is the sync's to raise (a new zone has none yet), not the change's.
    spec.serial = std::max<int64_t>(spec.serial, 1);
    // The rules across records, with a sentence each ("The name "www" has a CNAME, ...").
    std::set<std::pair<size_t, std::string>> seen;
    for (const auto& [i, violation] : protocol::CheckZoneRecords(spec.zone, spec.records)) {
      seen.insert({i, violation.code});
      out.push_back({{zone.name, OwnerName(spec, i), violation.code}, violation.message});
    }
    // Everything else the DNS node's decoder refuses (SOA, a record's own grammar).
    auto decoded = protocol::ZoneSpecFromJson(protocol::ToJson(spec));
    if (decoded) continue;
    for (const auto& [path, code] : decoded.error().fields) {
      auto i = RecordIndex(path);
      if (i && seen.count({*i, code})) continue;
      out.push_back(
          {{zone.name, i ? OwnerName(spec, *i) : std::string(), code}, decoded.error().message});
    }
  }
  return out;
}

Status ZoneValidity::After(StoreTxn& tx, const std::vector<ClaimedName>& names,
                           const std::string& fallback_field) const {
  HP_ASSIGN_OR_RETURN(auto found, Problems(tx));
  std::map<std::string, std::string> fields;
  std::string message;
  for (const Found& f : found) {
    if (before_.count(f.problem)) continue;
    const auto& [zone, owner_name, code] = f.problem;
    std::string field = fallback_field;
    for (const ClaimedName& n : names) {
      if (n.name == owner_name) field = n.field;
    }
    fields.emplace(field, code);
    if (message.empty()) {
      message = "the zone " + zone + " would not be valid with this change: " + f.message;
    }
  }
  if (fields.empty()) return Ok();
  return Fail(Error{ErrorCode::kInvalid, std::move(message), std::move(fields)});
}

}  // namespace hostplane::controller
