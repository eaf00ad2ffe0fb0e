#pragma once

// Tasks: the outbox of level-triggered work for the nodes. Each node's tasks carry revisions
// 1, 2, 3 ... from the node's head; appending a task supersedes the older unfinished tasks of the
// same object on that node. An agent's fetch is the newest task of each object after a revision,
// plus the retries that are due. Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

// An agent's bundle as the store has it: at most `limit` tasks, `more` when there are others.
struct FetchedTasks {
  std::vector<TaskRecord> tasks;
  int64_t head = 0;
  bool more = false;
};

// What a new task is: for which node and object, its kind and full desired spec, the change
// (audit entry) that made it and whose object it is.
struct NewTask {
  int64_t node_id = 0;
  std::string object_key;
  std::string kind;
  Json spec;
  std::optional<int64_t> change_id;
  std::optional<int64_t> customer_id;
};

// An agent's result for one task, as the engine records it.
struct TaskResult {
  TaskState state = TaskState::kApplied;  // applied, failed, retry or running
  std::string error;
  std::optional<int64_t> duration_ms;
  std::optional<int64_t> next_attempt_at;  // retry only
};

class TaskRepository {
 public:
  TaskRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<TaskRecord>> Find(int64_t id);
  // Appends the task with its node's next revision and marks the older pending or retrying tasks
  // of the same object on that node superseded. Returns the stored task. Errors: kNotFound for
  // an unknown node.
  Result<TaskRecord> Append(const NewTask& task);
  // Records an agent's result. A result for a task that is already final, unknown or of another
  // node is ignored (false). Each result but running counts one attempt; applied sets
  // applied_at. Errors: kInvalid when result.state is not a result (pending, superseded).
  Result<bool> RecordResult(const std::string& node, int64_t task_id, const TaskResult& result);
  // The newest task of an object on a node (any state), or nullopt.
  Result<std::optional<TaskRecord>> Latest(int64_t node_id, const std::string& object_key);
  // The newest task of every object a node was ever sent (what it holds, or last removed).
  Result<std::vector<TaskRecord>> LatestOnNode(int64_t node_id);
  // The nodes that have had any task for the object (where it may exist).
  Result<std::vector<int64_t>> NodesWithObject(const std::string& object_key);
  // The tasks in scope matching the filter, lowest id first, one page.
  Result<std::vector<TaskRecord>> List(const Scope& scope, const TaskFilter& filter);
  Result<TaskStats> Stats();
  // The bundle for a node: the newest task of each object with revision > after, plus tasks in
  // state retry whose next_attempt_at <= now, ordered by revision, at most limit; head is the
  // node's newest revision. Run it in one snapshot. Errors: kNotFound for an unknown node.
  Result<FetchedTasks> Fetch(const std::string& node, int64_t after, int limit, int64_t now);
  // Nodes that have retry tasks due at or before now.
  Result<std::vector<std::string>> NodesWithDueRetries(int64_t now);

 private:
  // Bumps the node's head revision and returns it; missing when there is no such node.
  Result<int64_t> BumpHead(int64_t node_id, const Error& missing);

  sql::Connection& db_;
  const Clock& clock_;
};

// A new task of an object supersedes the older open ones of that object on its node. Its state
// term is the partial index tasks_open_by_object's, word for word: SQLite uses a partial index
// only when the query repeats its WHERE (sqlite_store_test checks the plan).
inline constexpr const char* kSupersedeTasksSql =
    "UPDATE tasks SET state = 'superseded', updated_at = :now WHERE node_id = :node "
    "AND object_key = :object_key AND revision < :revision AND state IN ('pending', 'retry')";

// The fetch's query, here so that a test can check that its plan walks indexes: the newest task
// of each object of node :node with a revision after :after, plus retries due at :now, ordered by
// revision, at most :limit rows; :node_name fills the node_name column. Both halves walk indexes:
// (node_id, revision) for the range, tasks_by_object for "is there a newer task of this object",
// tasks_due_retry for the retries.
inline constexpr const char* kFetchTasksSql = R"sql(
SELECT t.id, t.node_id, CAST(:node_name AS TEXT) AS node_name, t.revision, t.object_key, t.kind,
       t.spec, t.state, t.error, t.attempts, t.next_attempt_at, t.created_at, t.updated_at,
       t.applied_at, t.duration_ms, t.change_id, t.customer_id
FROM tasks t
WHERE t.node_id = :node AND t.revision > :after
  AND NOT EXISTS (SELECT 1 FROM tasks newer
                  WHERE newer.node_id = t.node_id AND newer.object_key = t.object_key
                    AND newer.revision > t.revision)
UNION
SELECT t.id, t.node_id, CAST(:node_name AS TEXT) AS node_name, t.revision, t.object_key, t.kind,
       t.spec, t.state, t.error, t.attempts, t.next_attempt_at, t.created_at, t.updated_at,
       t.applied_at, t.duration_ms, t.change_id, t.customer_id
FROM tasks t
WHERE t.state = 'retry' AND t.next_attempt_at <= :now AND t.node_id = :node
ORDER BY revision
LIMIT :limit
)sql";

}  // namespace hostplane::controller
