#pragma once

// The one ownership rule for names (issue 12, shared/SECURITY.md "the domain and its parents must
// not belong to another customer"): a site's domain or alias, a zone, a DNS record's owner name, a
// mail domain or a certificate's name may not be created at, above or below a name another
// customer holds, in either order, nor at, above or below one of the operator's reserved names.
// Without it customer A could create the zone "parent.example" above customer B's site
// "shop.parent.example" and point B's name anywhere, or B could create a site under A's zone.
//
// A free function over the open write transaction, so the check holds at commit; the callers
// (site create and update, zone, record, mail domain, certificate) call it once each with the
// canonical names they are about to claim. Threads: any thread inside Store::Write.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// One name a request claims and the request field it came from ("domain", "aliases[1]").
struct ClaimedName {
  std::string field;
  std::string name;  // canonical (protocol::CheckDomain), or a record's absolute owner name
};

// How far a claim reaches.
enum class ClaimReach {
  kTree,  // the name and everything under it (sites, zones, mail domains, certificates, NS)
  kName,  // the name alone (an ordinary DNS record: it answers for its own name only)
};

// Errors: kInvalid {field: "domain.reserved"} for names at, above or below one of `reserved` (the
// operator's names, HostingOptions::reserved_names); kConflict {field:
// "domain.owned_by_other_customer"} for names at, above or (kTree) below a name another customer
// holds. Every offending field is named; the message names the first conflicting name. Other
// errors are the store's.
[[nodiscard]] Status CheckNamesOwnable(StoreTxn& tx, int64_t customer_id,
                                       const std::vector<ClaimedName>& names,
                                       const std::vector<std::string>& reserved,
                                       ClaimReach reach = ClaimReach::kTree);

}  // namespace hostplane::controller
