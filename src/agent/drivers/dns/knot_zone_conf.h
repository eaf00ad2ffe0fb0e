#pragma once

// The encoder of one zone's Knot config fragment (<zone_conf_dir>/<zone>.conf), the only writer
// of Knot config syntax for a zone (shared/SECURITY.md rule 3). What it holds depends on the
// zone's role on this node:
//
//   primary    an unsigned zone: every dns node loads the same zone file whole and serves the
//              controller's serial (so all serve the same serial without talking to each other).
//   signer     a signed zone on the node the spec names: loads the zone file with
//              `zonefile-load: difference-no-serial` and `journal-content: all` (Knot keeps the
//              signed zone and its serial; the file's serial is ignored), serial-policy unixtime
//              (a serial that keeps growing when another node takes over signing), signs with
//              the zone's manual KASP policy, and NOTIFYs the zone's other name servers, which
//              may transfer it with the transfer_key.
//   secondary  a signed zone on every other node: transfers it from the signer (IXFR, TSIG) on
//              its NOTIFY, keeps it in the journal, loads no file.
//
// On every role, external secondaries get NOTIFY (when asked) and may transfer with their key;
// nobody else may. Identifiers of remotes, ACLs and the policy start with the zone name, so no
// two zones' fragments collide; TSIG keys are defined once for all zones (knot_keys.h). Every
// value written here passed protocol::ZoneSpecFromJson (names, IP literals, numbers); quoted
// values never contain '"' or '\'.
//
// Pure functions; safe from any thread.

#include <optional>
#include <string>

#include "common/result.h"
#include "protocol/zone_spec.h"

namespace hostplane::agent {

enum class KnotZoneRole { kPrimary, kSigner, kSecondary };

const char* KnotZoneRoleName(KnotZoneRole role);

// The zone's role on `node`.
KnotZoneRole ZoneRoleOn(const protocol::ZoneSpec& zone, const std::string& node);

// The fragment. zone_file is an absolute host path; keys_digest (KeysDigest) is written into a
// comment so that a change of keys or timers alone changes the fragment and reloads the zone.
// Errors: kInvalid when the zone is signed by another node and names no name servers to transfer
// it from. A plain primary's fragment is the same as before issue 17, byte for byte.
[[nodiscard]] Result<std::string> RenderKnotZoneConf(const protocol::ZoneSpec& zone,
                                                     const std::string& node,
                                                     const std::string& zone_file,
                                                     const std::string& keys_digest);

// The role a fragment written by RenderKnotZoneConf declares (primary when it declares none).
KnotZoneRole FragmentRole(const std::string& fragment);

}  // namespace hostplane::agent
