#include "controller/services/reseller_limits.h"

#include "controller/services/service_support.h"
#include "controller/services/usage_lock.h"

namespace hostplane::controller {
namespace {

Result<Reseller> Load(StoreTxn& tx, int64_t id) {
  HP_ASSIGN_OR_RETURN(auto r, tx.resellers().FindById(id));
  if (!r) return Fail(Error::NotFound("reseller " + std::to_string(id) + " not found"));
  return std::move(*r);
}

}  // namespace

Status CheckRoomForCustomer(StoreTxn& tx, std::optional<int64_t> reseller_id) {
  if (!reseller_id) return Ok();
  HP_TRY(HoldResellerUsage(tx, reseller_id));
  HP_ASSIGN_OR_RETURN(Reseller r, Load(tx, *reseller_id));
  if (!r.max_customers) return Ok();
  HP_ASSIGN_OR_RETURN(int64_t count, tx.resellers().CountCustomers(r.id));
  if (count < *r.max_customers) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{"login", "reseller.customers_limit"}},
                         "the reseller '" + r.login + "' may have " +
                             std::to_string(*r.max_customers) + " customers"));
}

Status CheckRoomForSite(StoreTxn& tx, std::optional<int64_t> reseller_id) {
  if (!reseller_id) return Ok();
  HP_TRY(HoldResellerUsage(tx, reseller_id));
  HP_ASSIGN_OR_RETURN(Reseller r, Load(tx, *reseller_id));
  if (!r.max_sites) return Ok();
  HP_ASSIGN_OR_RETURN(int64_t count, tx.resellers().CountSites(r.id));
  if (count < *r.max_sites) return Ok();
  return Fail(FieldError(
      ErrorCode::kLimit, {{"domain", "reseller.sites_limit"}},
      "the reseller '" + r.login + "' may have " + std::to_string(*r.max_sites) + " sites"));
}

Status CheckPlanFits(StoreTxn& tx, std::optional<int64_t> reseller_id,
                     std::optional<int64_t> customer_id, const Plan& plan) {
  if (!reseller_id) return Ok();
  HP_TRY(HoldResellerUsage(tx, reseller_id));
  HP_ASSIGN_OR_RETURN(Reseller r, Load(tx, *reseller_id));
  if (r.overselling || !r.max_sites) return Ok();
  HP_ASSIGN_OR_RETURN(auto promised, tx.resellers().PromisedSites(r.id, customer_id));
  if (plan.max_sites && promised && *promised + *plan.max_sites <= *r.max_sites) return Ok();
  return Fail(FieldError(
      ErrorCode::kLimit, {{"plan", "reseller.oversold"}},
      "the reseller '" + r.login + "' may promise " + std::to_string(*r.max_sites) +
          " sites in sum and does not oversell; the plan '" + plan.name + "' would promise more"));
}

}  // namespace hostplane::controller
