#pragma once

// Accounts: a customer's Unix user (and PHP pools) on each node that serves its web content or
// FTP users. Created before anything that needs it on a node (account.ensure), re-sent when its
// status or PHP versions change, removed last when the customer goes (account.remove). Steps
// only: the customer and site operations call them inside their change.
//
// The spec carries the account's way out for PHP's mail() (mail_submission), from
// MailAccountService; an AccountService without one sends none.
//
// Thread-safe (stateless); a ChangeContext is used by one thread.

#include <optional>
#include <set>

#include "controller/services/change_context.h"
#include "controller/services/mail_account_service.h"

namespace hostplane::controller {

class AccountService {
 public:
  explicit AccountService(const MailAccountService* mail = nullptr) : mail_(mail) {}

  // The account's spec on one node: its uid, status, the PHP versions its sites there use and
  // PHP's way out for mail (its password sealed to that node).
  Result<Json> EnsureSpec(StoreTxn& tx, const Customer& c, const Node& node) const;
  // Appends account.ensure on node_id for c, unless the node runs no account driver or the newest
  // account task there already says the same (and did not fail; the sealed submission password
  // differs at every sealing and is not compared) — or `reseal`: the node has a new box key.
  [[nodiscard]] Status Sync(ChangeContext& change, const Customer& c, int64_t node_id,
                            bool reseal = false) const;
  // The nodes holding the account's Unix user: those of its sites and FTP users, and every node
  // it was ever sent to (its last site there may be gone, its user and home are not).
  static Result<std::set<int64_t>> Nodes(StoreTxn& tx, const Customer& c);
  // account.ensure on every node that holds the account, but skip.
  [[nodiscard]] Status SyncEverywhere(ChangeContext& change, const Customer& c,
                                      std::optional<int64_t> skip) const;
  // account.ensure (resealed) for every account with a site or FTP user on node, which announced
  // a new box key or is the mail node of some of them (its submission endpoint changed).
  [[nodiscard]] Status ResealFor(ChangeContext& change, const Node& node) const;
  // account.remove on node_id (remove_home: its home goes too), unless the node runs no account
  // driver or is gone.
  [[nodiscard]] Status Remove(ChangeContext& change, const Customer& c, int64_t node_id,
                              bool remove_home) const;

 private:
  const MailAccountService* mail_;
};

}  // namespace hostplane::controller
