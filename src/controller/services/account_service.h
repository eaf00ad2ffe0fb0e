#pragma once

// Accounts: a customer's Unix user (and PHP pools) on each node that serves its web content or
// FTP users. Created before anything that needs it on a node (account.ensure), re-sent when its
// status or PHP versions change, removed last when the customer goes (account.remove). Steps
// only: the customer and site operations call them inside their change.
//
// Thread-safe (stateless); a ChangeContext is used by one thread.

#include <optional>
#include <set>

#include "controller/services/change_context.h"

namespace hostplane::controller {

class AccountService {
 public:
  // The account's spec on one node: its uid, status and the PHP versions its sites there use.
  static Result<Json> EnsureSpec(StoreTxn& tx, const Customer& c, int64_t node_id);
  // Appends account.ensure on node_id for c, unless the node runs no account driver or the newest
  // account task there already says the same (and did not fail).
  [[nodiscard]] Status Sync(ChangeContext& change, const Customer& c, int64_t node_id) const;
  // The nodes holding the account's Unix user: those of its sites and FTP users, and every node
  // it was ever sent to (its last site there may be gone, its user and home are not).
  static Result<std::set<int64_t>> Nodes(StoreTxn& tx, const Customer& c);
  // account.ensure on every node that holds the account, but skip.
  [[nodiscard]] Status SyncEverywhere(ChangeContext& change, const Customer& c,
                                      std::optional<int64_t> skip) const;
  // account.remove on node_id (remove_home: its home goes too), unless the node runs no account
  // driver or is gone.
  [[nodiscard]] Status Remove(ChangeContext& change, const Customer& c, int64_t node_id,
                              bool remove_home) const;
};

}  // namespace hostplane::controller
