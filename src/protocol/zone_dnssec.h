#pragma once

// The DNSSEC state of a zone on the wire (zone.ensure's optional member "dnssec", zone_spec.h).
// Design (docs/architecture.md "DNS: several name servers, secondaries, DNSSEC"): the zone's keys
// are made and kept by the controller (encrypted in the store) and travel sealed to EVERY dns
// node of the zone, each with its timers, so all nodes hold the same keys and any one of them can
// sign. One node, `signer`, signs (Knot's KASP, manual policy: Knot publishes, activates, retires
// and removes each key at its timers and re-signs on its own); the zone's other name servers are
// secondaries of the signer over IXFR, so every server serves the same signed zone with the
// same serial. If the signer is lost, the controller names another: it already has the keys.
//
// States, in the safe order the controller walks (the node renders each as it is):
//   off        no signing, no keys (keys must be empty).
//   signing    signed; CDS/CDNSKEY of the KSK published for the parent (RFC 7344).
//   unsigning  still signed, CDS/CDNSKEY "delete" published (RFC 8078); the controller moves to
//              off only once the parent's DS is gone and its TTL and the zone's longest TTL
//              have passed, so no validator ever holds a DS for an unsigned zone.
//
// Members and codes (paths like "dnssec.keys[1].active"):
//   state          off | signing | unsigning (dnssec.state)
//   signer         the node that signs (CheckNodeName), one of name_servers[].node when those are
//                  given (dnssec.signer_unknown); required unless off (dnssec.signer_missing)
//   algorithm      ecdsap256sha256 | ed25519 (dnssec.algorithm), default ecdsap256sha256
//   dnskey_ttl     1..86400, default 3600 (dnssec.range)
//   rrsig_lifetime 600..7776000 (90 days), default 1209600 (dnssec.range)
//   rrsig_refresh  60..rrsig_lifetime/2, default 604800 or rrsig_lifetime/2 (dnssec.range); at
//                  least the zone's largest TTL (ZoneMaxTtl) plus propagation_delay, or a
//                  resolver could hold a record whose RRSIG expired (dnssec.refresh_too_low;
//                  Knot refuses to sign such a zone)
//   propagation_delay  0..86400, default 300: how long a change may take to reach every
//                  secondary (NOTIFY makes it seconds; this covers one that was away)
//                  (dnssec.range)
//   nsec3          bool, default false
//   keys[]         at most 8; unless off at least one ksk and one zsk (dnssec.keys_missing); off
//                  none (dnssec.keys_unexpected)
//     role         ksk | zsk (dnssec.key_role)
//     private_key  "sealed:<base64>" of the key in PEM (PKCS#8) (dnssec.key_not_sealed)
//     publish, ready, active, retire, remove   unix seconds, 0 = not set; publish and active
//                  set, publish <= ready (ksk) <= active < retire <= remove when set
//                  (dnssec.key_timers); 0..4294967295 (dnssec.range)
// With several name servers a transfer_key is required to sign (dnssec.transfer_key_missing).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hostplane::protocol {

class SpecReader;    // spec_reader.h
struct ZoneServers;  // zone_servers.h

enum class DnssecState { kOff, kSigning, kUnsigning };
enum class DnssecKeyRole { kKsk, kZsk };

inline constexpr size_t kMaxDnssecKeys = 8;

const char* DnssecStateName(DnssecState s);
const char* DnssecKeyRoleName(DnssecKeyRole r);

struct DnssecKey {
  DnssecKeyRole role = DnssecKeyRole::kZsk;
  std::string private_key;  // sealed PEM
  int64_t publish = 0;
  int64_t ready = 0;
  int64_t active = 0;
  int64_t retire = 0;
  int64_t remove = 0;
  bool operator==(const DnssecKey&) const = default;
};

struct DnssecSpec {
  DnssecState state = DnssecState::kOff;
  std::string signer;
  std::string algorithm = "ecdsap256sha256";
  int64_t dnskey_ttl = 3600;
  int64_t rrsig_lifetime = 1209600;
  int64_t rrsig_refresh = 604800;
  int64_t propagation_delay = 300;
  bool nsec3 = false;
  std::vector<DnssecKey> keys;
  bool operator==(const DnssecSpec&) const = default;
};

// Reads the "dnssec" member of the zone spec `spec` (r reads spec); absent is off.
void ReadZoneDnssec(const SpecReader& r, const nlohmann::json& spec, DnssecSpec& out);
// Adds "dnssec" unless it is off with nothing else set.
void AddZoneDnssecJson(const DnssecSpec& d, nlohmann::json& j);
// The rules with the zone's servers and records (max_ttl: ZoneMaxTtl of the zone):
// dnssec.signer_unknown, dnssec.transfer_key_missing, dnssec.refresh_too_low.
void CheckZoneDnssec(const SpecReader& r, const DnssecSpec& d, const ZoneServers& servers,
                     int64_t max_ttl);

}  // namespace hostplane::protocol
