#pragma once

// Refuses, at the API, a change that would make one of the customer's DNS zones invalid (issue
// 12, item 11): a site alias "www.acme.example" where the zone acme.example has "www CNAME ...",
// a record that clashes with a site's address records, a mail domain whose "mail" host is a
// CNAME. Before this check such a change answered 2xx, its zone task failed on the DNS node, and
// every later change of that zone failed the same way.
//
// The check is the one the DNS node runs before it writes a zone file
// (protocol::ZoneSpecFromJson, which applies CheckZoneRecords), on the zone as it would be
// served (zone_builder.h's BuildZoneSpec). It compares the zones' problems before and after the
// change, inside the change's write transaction: a zone that was already broken (by a controller
// older than this check) blocks only changes that add a problem, not every change of its customer.
//
// Usage, inside Store::Write, around the rows a change writes:
//   auto zones = ZoneValidity::Before(tx, owner, options);  if (!zones) return Fail(...);
//   ... insert / update rows ...
//   HP_TRY(zones->After(tx, {{"aliases[0]", "www.acme.example"}}, "domain"));
// Threads: whichever thread runs the write; one object per change.

#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "controller/services/hosting_options.h"
#include "controller/services/name_ownership.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class ZoneValidity {
 public:
  // The problems of owner's zones as they are now. Errors: the store's.
  [[nodiscard]] static Result<ZoneValidity> Before(StoreTxn& tx, const Customer& owner,
                                                   const HostingOptions& options);
  // The same for one zone of owner's: for a change that can alter no other zone (a record's own
  // zone, a new zone), so that its cost does not grow with the customer's number of zones. A
  // zone that does not exist yet (or not as owner's) has no problems before; After checks it
  // once it exists.
  [[nodiscard]] static Result<ZoneValidity> BeforeOne(StoreTxn& tx, const Customer& owner,
                                                      const HostingOptions& options,
                                                      std::string zone);

  // After the change's rows are written: kInvalid when a zone of the owner has a problem it did
  // not have before. The code is the zone checker's (record.cname_conflict, record.glue_missing,
  // record.ttl_mismatch, record.duplicate, record.too_many, soa.glue_missing ...), on the
  // request field of the name the problem is at (names: the change's names with their fields;
  // any other name: fallback_field); the message names the zone and quotes the checker.
  [[nodiscard]] Status After(StoreTxn& tx, const std::vector<ClaimedName>& names,
                             const std::string& fallback_field) const;

 private:
  // (zone, absolute owner name of the record or "" for the zone as a whole, code)
  using Problem = std::tuple<std::string, std::string, std::string>;
  struct Found {
    Problem problem;
    std::string message;
  };
  ZoneValidity(Customer owner, const HostingOptions& options)
      : owner_(std::move(owner)), options_(options) {}
  Result<std::vector<Found>> Problems(StoreTxn& tx) const;
  // The zones checked: every zone of owner's, or only_zone_ when set.
  Result<std::vector<Resource>> Zones(StoreTxn& tx) const;

  Customer owner_;
  const HostingOptions& options_;
  std::optional<std::string> only_zone_;
  std::set<Problem> before_;
};

}  // namespace hostplane::controller
