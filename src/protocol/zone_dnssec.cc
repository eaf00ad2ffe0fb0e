#include "protocol/zone_dnssec.h"

#include <algorithm>

#include "common/sealed_box.h"
#include "protocol/spec_reader.h"
#include "protocol/zone_servers.h"

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxTime = 4294967295;

void ReadKey(const SpecReader& k, DnssecKey& key) {
  if (auto role = k.String("role")) {
    if (*role == "ksk") {
      key.role = DnssecKeyRole::kKsk;
    } else if (*role == "zsk") {
      key.role = DnssecKeyRole::kZsk;
    } else {
      k.Add("role",
            {"dnssec.key_role", "A key's role is ksk or zsk, not " + QuoteForMessage(*role) + "."});
    }
  }
  if (auto pem = k.String("private_key")) {
    key.private_key = *pem;
    if (!IsSealedText(*pem)) {
      k.Add("private_key", {"dnssec.key_not_sealed",
                            "A DNSSEC private key travels sealed to the node (\"sealed:...\")."});
    }
  }
  struct Timer {
    const char* name;
    int64_t* target;
  };
  bool all = true;
  for (const Timer& t :
       {Timer{"publish", &key.publish}, Timer{"ready", &key.ready}, Timer{"active", &key.active},
        Timer{"retire", &key.retire}, Timer{"remove", &key.remove}}) {
    auto v = k.Integer(t.name, 0, kMaxTime, 0, "dnssec.range");
    if (v) {
      *t.target = *v;
    } else {
      all = false;
    }
  }
  if (!all) return;
  auto bad = [&](const char* field, const std::string& why) {
    k.Add(field, {"dnssec.key_timers", "The key's timers " + why + "."});
  };
  if (key.publish == 0 || key.active == 0) {
    bad(key.publish == 0 ? "publish" : "active", "need publish and active");
  } else if (key.publish > key.active) {
    bad("active", "must not activate before publishing");
  } else if (key.ready != 0 && (key.ready < key.publish || key.ready > key.active)) {
    bad("ready", "must have ready between publish and active");
  } else if (key.retire != 0 && key.retire <= key.active) {
    bad("retire", "must retire after activating");
  } else if (key.remove != 0 && key.remove < std::max(key.retire, key.active + 1)) {
    bad("remove", "must remove after retiring");
  }
}

}  // namespace

const char* DnssecStateName(DnssecState s) {
  switch (s) {
    case DnssecState::kOff:
      return "off";
    case DnssecState::kSigning:
      return "signing";
    case DnssecState::kUnsigning:
      return "unsigning";
  }
  return "off";
}

const char* DnssecKeyRoleName(DnssecKeyRole r) { return r == DnssecKeyRole::kKsk ? "ksk" : "zsk"; }

void ReadZoneDnssec(const SpecReader& top, const Json& spec, DnssecSpec& out) {
  if (!spec.contains("dnssec")) return;  // a spec of before: off
  const Json* member = top.Object("dnssec");
  if (member == nullptr) return;  // absent: off (a wrong type is recorded by Object)
  SpecReader r = top.Nested(*member, "dnssec");
  if (auto state = r.String("state")) {
    if (*state == "off") {
      out.state = DnssecState::kOff;
    } else if (*state == "signing") {
      out.state = DnssecState::kSigning;
    } else if (*state == "unsigning") {
      out.state = DnssecState::kUnsigning;
    } else {
      r.Add("state", {"dnssec.state", "The DNSSEC state is off, signing or unsigning, not " +
                                          QuoteForMessage(*state) + "."});
    }
  }
  if (auto signer = r.String("signer", "")) {
    out.signer = *signer;
    if (!signer->empty()) r.CheckCanonical("signer", *signer, CheckNodeName(*signer), "node");
  }
  if (auto a = r.String("algorithm", "ecdsap256sha256")) {
    out.algorithm = *a;
    if (*a != "ecdsap256sha256" && *a != "ed25519") {
      r.Add("algorithm", {"dnssec.algorithm",
                          "The DNSSEC algorithm is ecdsap256sha256 or "
                          "ed25519, not " +
                              QuoteForMessage(*a) + "."});
    }
  }
  if (auto v = r.Integer("dnskey_ttl", 1, 86400, 3600, "dnssec.range")) out.dnskey_ttl = *v;
  if (auto v = r.Integer("rrsig_lifetime", 600, 7776000, 1209600, "dnssec.range")) {
    out.rrsig_lifetime = *v;
  }
  if (auto v = r.Integer("rrsig_refresh", 60, out.rrsig_lifetime / 2,
                         std::min<int64_t>(604800, out.rrsig_lifetime / 2), "dnssec.range")) {
    out.rrsig_refresh = *v;
  }
  if (auto v = r.Integer("propagation_delay", 0, 86400, 300, "dnssec.range")) {
    out.propagation_delay = *v;
  }
  if (auto v = r.Bool("nsec3", false)) out.nsec3 = *v;
  if (const Json* keys = r.Array("keys", /*optional=*/true)) {
    if (keys->size() > kMaxDnssecKeys) {
      r.Add("keys", {"dnssec.too_many_keys",
                     "A zone has at most " + std::to_string(kMaxDnssecKeys) + " keys."});
    } else {
      for (size_t i = 0; i < keys->size(); ++i) {
        auto item = r.ObjectItem(*keys, "keys", i);
        if (!item) continue;
        DnssecKey key;
        ReadKey(*item, key);
        out.keys.push_back(std::move(key));
      }
    }
  }
  bool ksk = std::any_of(out.keys.begin(), out.keys.end(),
                         [](const DnssecKey& k) { return k.role == DnssecKeyRole::kKsk; });
  bool zsk = std::any_of(out.keys.begin(), out.keys.end(),
                         [](const DnssecKey& k) { return k.role == DnssecKeyRole::kZsk; });
  if (out.state == DnssecState::kOff) {
    if (!out.keys.empty()) {
      r.Add("keys", {"dnssec.keys_unexpected", "A zone that is not signed carries no keys."});
    }
    return;
  }
  if (out.signer.empty()) {
    r.Add("signer", {"dnssec.signer_missing", "A signed zone names the node that signs it."});
  }
  if (!ksk || !zsk) {
    r.Add("keys", {"dnssec.keys_missing", "A signed zone needs at least one ksk and one zsk."});
  }
}

void AddZoneDnssecJson(const DnssecSpec& d, Json& j) {
  if (d == DnssecSpec{}) return;
  Json keys = Json::array();
  for (const auto& k : d.keys) {
    keys.push_back({{"role", DnssecKeyRoleName(k.role)},
                    {"private_key", k.private_key},
                    {"publish", k.publish},
                    {"ready", k.ready},
                    {"active", k.active},
                    {"retire", k.retire},
                    {"remove", k.remove}});
  }
  j["dnssec"] = Json{{"state", DnssecStateName(d.state)},
                     {"signer", d.signer},
                     {"algorithm", d.algorithm},
                     {"dnskey_ttl", d.dnskey_ttl},
                     {"rrsig_lifetime", d.rrsig_lifetime},
                     {"rrsig_refresh", d.rrsig_refresh},
                     {"propagation_delay", d.propagation_delay},
                     {"nsec3", d.nsec3},
                     {"keys", std::move(keys)}};
}

void CheckZoneDnssec(const SpecReader& r, const DnssecSpec& d, const ZoneServers& servers,
                     int64_t max_ttl) {
  if (d.state == DnssecState::kOff) return;
  if (d.rrsig_refresh < max_ttl + d.propagation_delay) {
    r.Add("dnssec.rrsig_refresh",
          {"dnssec.refresh_too_low",
           "Signatures are refreshed " + std::to_string(d.rrsig_refresh) +
               " s before they expire, but a resolver may keep a record for the zone's largest "
               "TTL (" +
               std::to_string(max_ttl) + " s) after the change took up to " +
               std::to_string(d.propagation_delay) +
               " s to reach every server: make rrsig_refresh at least " +
               std::to_string(max_ttl + d.propagation_delay) + "."});
  }
  const auto& ns = servers.name_servers;
  if (!ns.empty() && !d.signer.empty() &&
      std::none_of(ns.begin(), ns.end(), [&](const NameServer& n) { return n.node == d.signer; })) {
    r.Add("dnssec.signer", {"dnssec.signer_unknown", "The signer " + QuoteForMessage(d.signer) +
                                                         " is not one of the name_servers."});
  }
  if (ns.size() > 1 && servers.transfer_key.empty()) {
    r.Add("transfer_key",
          {"dnssec.transfer_key_missing",
           "A signed zone on several name servers needs a transfer_key: the signer's "
           "NOTIFY and transfers to the others are signed with it."});
  }
}

}  // namespace hostplane::protocol
