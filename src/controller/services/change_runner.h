#pragma once

// Runs one operation as one change: opens the store's write transaction, builds the
// ChangeContext, runs the operation (which may call several services), commits, and only then
// rings the doorbell of every node that got tasks (TaskEngine::Notify; a lost ring is harmless,
// the agents fetch on resync). Nothing of a failed operation is stored or queued.
//
// Failpoints (common/failpoint.h), named after the operation: "<operation>.before_commit" (the
// transaction is about to commit: an error rolls everything back, a crash leaves nothing) and
// "<operation>.after_commit" (committed, doorbells not rung yet: P9, the tasks still reach the
// nodes).
//
// Thread-safe: any thread may Run; concurrent changes are serialised by the store (group commit).

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/failpoint.h"
#include "controller/engine/task_engine.h"
#include "controller/services/change_context.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// A change and the tasks it queued: the CLI waits on these ids.
template <typename T>
struct Change {
  T object;
  std::vector<TaskRecord> tasks;
  int64_t change_id = 0;  // the audit entry id
};

class ChangeRunner {
 public:
  ChangeRunner(Store& store, TaskEngine& engine, const Authorizer& authorizer)
      : store_(store), engine_(engine), authorizer_(authorizer) {}

  // Runs fn(ChangeContext&) -> Result<T> as actor in one transaction. Returns what fn returned
  // with the change's tasks and id, or fn's error (nothing stored), or the store's.
  template <typename Fn>
  auto Run(const Actor& actor, std::string_view operation, Fn&& fn)
      -> Result<Change<typename std::invoke_result_t<Fn&, ChangeContext&>::value_type>> {
    using T = typename std::invoke_result_t<Fn&, ChangeContext&>::value_type;
    std::optional<Change<T>> out;
    Status written = store_.Write([&](StoreTxn& tx) -> Status {
      out.reset();
      ChangeContext change(tx, actor, authorizer_);
      HP_ASSIGN_OR_RETURN(T object, fn(change));
      HP_TRY(Failpoint(operation, ".before_commit"));
      out = Change<T>{std::move(object), change.tasks(), change.change_id()};
      return Ok();
    });
    if (!written) return Fail(written.error());
    HP_TRY(Failpoint(operation, ".after_commit"));
    Ring(out->tasks);
    return std::move(*out);
  }

  // Rings each node's doorbell once, with its newest revision among tasks.
  void Ring(const std::vector<TaskRecord>& tasks);

  const Authorizer& authorizer() const { return authorizer_; }

 private:
  // The failpoint "<operation><when>"; its name is built only while some point is on.
  static Status Failpoint(std::string_view operation, std::string_view when) {
    if (!failpoint::AnyEnabled()) return Ok();
    return failpoint::Hit(std::string(operation) + std::string(when));
  }

  Store& store_;
  TaskEngine& engine_;
  const Authorizer& authorizer_;
};

}  // namespace hostplane::controller
