#include "agent/drivers/dns/knot_zone_conf.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace hostplane::agent {
namespace {

using protocol::DnssecState;

constexpr std::string_view kRoleLine = "# role: ";

struct Remote {
  std::string id;
  std::vector<std::string> addresses;
  int64_t port;
  std::string key;  // "" for none
};

std::string Quoted(const std::vector<std::string>& items) {
  std::string out = "[ ";
  for (size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "\"" : ", \"") + items[i] + "\"";
  }
  return out + " ]";
}

std::string RenderRemotes(const std::vector<Remote>& remotes) {
  if (remotes.empty()) return "";
  std::string out = "remote:\n";
  for (const auto& r : remotes) {
    std::vector<std::string> addresses;
    for (const auto& a : r.addresses) addresses.push_back(fmt::format("{}@{}", a, r.port));
    out += fmt::format("  - id: \"{}\"\n    address: {}\n", r.id, Quoted(addresses));
    if (!r.key.empty()) out += fmt::format("    key: {}\n", r.key);
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<Remote>& remotes) {
  std::vector<std::string> out;
  for (const auto& r : remotes) out.push_back(r.id);
  return out;
}

}  // namespace

const char* KnotZoneRoleName(KnotZoneRole role) {
  switch (role) {
    case KnotZoneRole::kPrimary:
      return "primary";
    case KnotZoneRole::kSigner:
      return "signer";
    case KnotZoneRole::kSecondary:
      return "secondary";
  }
  return "primary";
}

KnotZoneRole ZoneRoleOn(const protocol::ZoneSpec& z, const std::string& node) {
  if (z.dnssec.state == DnssecState::kOff) return KnotZoneRole::kPrimary;
  return z.dnssec.signer == node ? KnotZoneRole::kSigner : KnotZoneRole::kSecondary;
}

KnotZoneRole FragmentRole(const std::string& fragment) {
  size_t pos = fragment.find(std::string("\n") + std::string(kRoleLine));
  if (pos == std::string::npos) return KnotZoneRole::kPrimary;
  std::string_view rest = std::string_view(fragment).substr(pos + 1 + kRoleLine.size());
  if (rest.starts_with("signer")) return KnotZoneRole::kSigner;
  if (rest.starts_with("secondary")) return KnotZoneRole::kSecondary;
  return KnotZoneRole::kPrimary;
}

Result<std::string> RenderKnotZoneConf(const protocol::ZoneSpec& z, const std::string& node,
                                       const std::string& zone_file,
                                       const std::string& keys_digest) {
  const KnotZoneRole role = ZoneRoleOn(z, node);
  const auto& s = z.servers;
  const std::string header =
      fmt::format("# managed by hostplane: zone {}; edits are overwritten\n", z.zone);
  const bool plain = role == KnotZoneRole::kPrimary && s.secondaries.empty();
  if (plain) {
    // The fragment of before: nothing to transfer, nothing to sign.
    return header +
           fmt::format("zone:\n  - domain: \"{}.\"\n    file: \"{}\"\n", z.zone, zone_file);
  }
  // Our own other name servers (signed zones only: they transfer from the signer).
  std::vector<Remote> peers;
  std::optional<Remote> signer;
  if (role != KnotZoneRole::kPrimary) {
    for (const auto& ns : s.name_servers) {
      Remote r{z.zone + "/ns/" + ns.node, ns.addresses, ns.port, s.transfer_key};
      if (ns.node == z.dnssec.signer) {
        signer = r;
      } else if (ns.node != node) {
        peers.push_back(std::move(r));
      }
    }
    if (role == KnotZoneRole::kSecondary && !signer) {
      return Fail(Error::Invalid("zone " + z.zone + " is signed by " + z.dnssec.signer +
                                 ", which is not among its name_servers: nothing to transfer "
                                 "it from"));
    }
  }
  std::vector<Remote> externals;
  std::vector<std::string> notify_externals;
  for (const auto& sec : s.secondaries) {
    externals.push_back({z.zone + "/secondary/" + sec.name, sec.addresses, sec.port, sec.key});
    if (sec.notify) notify_externals.push_back(externals.back().id);
  }

  std::string out = header + std::string(kRoleLine) + KnotZoneRoleName(role);
  if (!keys_digest.empty()) out += "; keys " + keys_digest;
  out += "\n";
  std::vector<Remote> remotes = peers;
  if (role == KnotZoneRole::kSecondary) remotes.push_back(*signer);
  remotes.insert(remotes.end(), externals.begin(), externals.end());
  out += RenderRemotes(remotes);

  // Who may transfer: the other name servers (from the signer) and the external secondaries,
  // each matched by address and key. Who may NOTIFY a secondary: the signer.
  std::vector<std::string> transfer = Ids(externals);
  if (role == KnotZoneRole::kSigner) {
    auto ids = Ids(peers);
    transfer.insert(transfer.begin(), ids.begin(), ids.end());
  }
  std::vector<std::string> acls;
  std::string acl_text;
  if (!transfer.empty()) {
    acls.push_back(z.zone + "/transfer");
    acl_text += fmt::format("  - id: \"{}\"\n    remote: {}\n    action: transfer\n", acls.back(),
                            Quoted(transfer));
  }
  if (role == KnotZoneRole::kSecondary) {
    acls.push_back(z.zone + "/notify");
    acl_text += fmt::format("  - id: \"{}\"\n    remote: {}\n    action: notify\n", acls.back(),
                            Quoted({signer->id}));
  }
  if (!acl_text.empty()) out += "acl:\n" + acl_text;

  const auto& d = z.dnssec;
  if (role == KnotZoneRole::kSigner) {
    out += fmt::format(
        "policy:\n"
        "  - id: \"{}\"\n"
        "    manual: on\n"
        "    algorithm: {}\n"
        "    dnskey-ttl: {}\n"
        "    rrsig-lifetime: {}\n"
        "    rrsig-refresh: {}\n"
        "    rrsig-pre-refresh: {}\n"
        "    zone-max-ttl: {}\n"
        "    propagation-delay: {}\n"
        "    nsec3: {}\n"
        "    cds-cdnskey-publish: {}\n",
        z.zone, d.algorithm, d.dnskey_ttl, d.rrsig_lifetime, d.rrsig_refresh,
        // Knot wants refresh + pre-refresh below the lifetime; the decoder keeps refresh at
        // most half of it.
        std::min<int64_t>(3600, d.rrsig_lifetime - d.rrsig_refresh - 1),
        // Knot 3.2 refuses to sign ("rrsig-refresh too low to prevent expired RRSIGs in
        // resolver caches") unless rrsig-refresh >= zone-max-ttl + propagation-delay; its
        // default delay is an hour, and without zone-max-ttl 3.2.6 refused even a zone whose
        // TTLs were far below the refresh. Both are said here; the decoder checked the sum
        // (dnssec.refresh_too_low).
        protocol::ZoneMaxTtl(z), d.propagation_delay, d.nsec3 ? "on" : "off",
        d.state == DnssecState::kUnsigning ? "delete-dnssec" : "always");
  }

  out += fmt::format("zone:\n  - domain: \"{}.\"\n    file: \"{}\"\n", z.zone, zone_file);
  std::vector<std::string> notify;
  switch (role) {
    case KnotZoneRole::kPrimary:
      break;
    case KnotZoneRole::kSigner:
      out += fmt::format(
          "    zonefile-load: difference-no-serial\n"
          "    journal-content: all\n"
          "    serial-policy: unixtime\n"
          "    dnssec-signing: on\n"
          "    dnssec-policy: \"{}\"\n",
          z.zone);
      notify = Ids(peers);
      break;
    case KnotZoneRole::kSecondary:
      out += fmt::format(
          "    master: \"{}\"\n"
          "    zonefile-load: none\n"
          "    journal-content: all\n",
          signer->id);
      break;
  }
  notify.insert(notify.end(), notify_externals.begin(), notify_externals.end());
  if (!notify.empty()) out += "    notify: " + Quoted(notify) + "\n";
  if (!acls.empty()) out += "    acl: " + Quoted(acls) + "\n";
  return out;
}

}  // namespace hostplane::agent
