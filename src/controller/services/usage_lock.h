#pragma once

// The one rule for limits under concurrent writers (issue 18): whoever counts what a customer or
// a reseller owns, to compare it with a limit, first holds their rows until the transaction ends
// — the reseller's, then the customer's, always in that order (no deadlock between two such
// writers). Two controllers on one PostgreSQL store creating at a limit then take turns, and the
// second one's count includes the first one's row: exactly the limit exists, never more. On
// SQLite a write transaction runs alone and these cost nothing.

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// Before counting a customer's sites, mailboxes, ... against its plan (and its reseller's).
[[nodiscard]] Status HoldUsage(StoreTxn& tx, const Customer& customer);
// Before counting a reseller's customers or sites against its limits (nothing without one).
[[nodiscard]] Status HoldResellerUsage(StoreTxn& tx, std::optional<int64_t> reseller_id);

}  // namespace hostplane::controller
