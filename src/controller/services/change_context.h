#pragma once

// One change being made: the open write transaction, who makes it, its change id and the tasks
// it has appended. Services take a ChangeContext and never commit; the ChangeRunner that made it
// commits once the whole operation has succeeded (and nothing of it stays when any step fails),
// then rings the doorbells of the nodes that got tasks. So one operation may compose several
// services — a customer with a site, a mailbox and a zone — in one transaction and one change id.
//
// The change id is the id of the change's first audit entry; every task it appends carries it
// (GET /api/v1/tasks?change=<id> lists them all). Used by the one thread that runs the change.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "controller/services/actor.h"
#include "controller/services/authorizer.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// A task for a node, as a service asks for it (the change adds its id).
struct TaskRequest {
  int64_t node_id = 0;
  std::string object_key;
  std::string_view kind;
  Json spec;
  std::optional<int64_t> customer_id;  // whose object it converges
};

class ChangeContext {
 public:
  ChangeContext(StoreTxn& tx, const Actor& actor, const Authorizer& authorizer)
      : tx_(tx), actor_(actor), authorizer_(authorizer) {}
  ChangeContext(const ChangeContext&) = delete;
  ChangeContext& operator=(const ChangeContext&) = delete;

  StoreTxn& tx() { return tx_; }
  const Actor& actor() const { return actor_; }
  int64_t NowMillis() const { return tx_.NowMillis(); }

  // Authorizer::Allow / AllowCollection / ScopeOf for this change's actor.
  [[nodiscard]] Status Allow(Action action, const AuthTarget& target,
                             const Error& not_found) const {
    return authorizer_.Allow(actor_, action, target, not_found);
  }
  [[nodiscard]] Status AllowCollection(Action action, std::string_view collection) const {
    return authorizer_.AllowCollection(actor_, action, collection);
  }

  // Appends an audit entry by this change's actor (action: "site.create", ...); the first one's
  // id becomes the change id. Returns the entry's id.
  Result<int64_t> Audit(std::string_view action, const std::string& object, const Json& before,
                        const Json& after, std::optional<int64_t> customer_id);
  // 0 until the first audit entry (a change that changed nothing).
  int64_t change_id() const { return change_id_; }
  // Carries on an earlier change (a task result finishing a drain's copy): the tasks appended
  // from now on carry its id. Only before this change has an id of its own.
  void Continue(int64_t change_id) {
    if (change_id_ == 0) change_id_ = change_id;
  }

  // Appends a task carrying the change id and remembers it. Errors: kInternal before the change
  // has an id (its audit entry comes first); those of TaskRepository::Append.
  [[nodiscard]] Status Append(TaskRequest task);
  // Every task appended so far, in order.
  const std::vector<TaskRecord>& tasks() const { return tasks_; }

 private:
  StoreTxn& tx_;
  const Actor& actor_;
  const Authorizer& authorizer_;
  int64_t change_id_ = 0;
  std::vector<TaskRecord> tasks_;
};

}  // namespace hostplane::controller
