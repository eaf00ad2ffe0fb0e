#include "controller/services/usage_lock.h"

namespace hostplane::controller {

Status HoldResellerUsage(StoreTxn& tx, std::optional<int64_t> reseller_id) {
  if (!reseller_id) return Ok();
  return tx.resellers().LockForUsage(*reseller_id);
}

Status HoldUsage(StoreTxn& tx, const Customer& customer) {
  HP_TRY(HoldResellerUsage(tx, customer.reseller_id));
  return tx.customers().LockForUsage(customer.id);
}

}  // namespace hostplane::controller
