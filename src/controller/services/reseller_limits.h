#pragma once

// The limits of a reseller, checked inside the write transaction that would pass them (so that
// 50 parallel creates at a limit leave exactly the limit: the store serialises writers). A
// reseller's customers count against max_customers, their sites against max_sites; without
// overselling, the sites their plans promise may not sum to more than max_sites either (an
// unlimited plan is refused). Company customers (no reseller) pass every check. Errors: kLimit
// with the field and code the caller names ("login": "reseller.customers_limit", "domain":
// "reseller.sites_limit", "plan": "reseller.oversold"); kNotFound when the reseller vanished.
// Stateless functions; the caller's thread.

#include <optional>
#include <string>

#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// Before a customer of reseller_id is added.
[[nodiscard]] Status CheckRoomForCustomer(StoreTxn& tx, std::optional<int64_t> reseller_id);
// Before a site of one of its customers is added.
[[nodiscard]] Status CheckRoomForSite(StoreTxn& tx, std::optional<int64_t> reseller_id);
// Before a customer of reseller_id (nullopt when new) gets plan.
[[nodiscard]] Status CheckPlanFits(StoreTxn& tx, std::optional<int64_t> reseller_id,
                                   std::optional<int64_t> customer_id, const Plan& plan);

}  // namespace hostplane::controller
