#include "controller/store/repositories/task_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT t.id, t.node_id, n.name AS node_name, t.revision, t.object_key, t.kind, t.spec, "
    "t.state, t.error, t.attempts, t.next_attempt_at, t.created_at, t.updated_at, t.applied_at, "
    "t.duration_ms, t.change_id, t.customer_id FROM tasks t JOIN nodes n ON n.id = t.node_id ";
// The node's counter row: the next revision. In SQLite two statements, not UPDATE ... RETURNING
// (see sql::Connection::Insert); in PostgreSQL one, which locks the row until the transaction
// ends, so another controller's writer for the same node waits and revisions stay 1..head in
// commit order with no gap.
constexpr const char* kBumpHead =
    "UPDATE nodes SET head_revision = head_revision + 1 WHERE id = :node";
constexpr const char* kBumpHeadReturning =
    "UPDATE nodes SET head_revision = head_revision + 1 WHERE id = :node RETURNING head_revision";
constexpr const char* kHead = "SELECT head_revision FROM nodes WHERE id = :node";
constexpr const char* kInsert =
    "INSERT INTO tasks (node_id, revision, object_key, kind, spec, state, created_at, "
    "updated_at, change_id, customer_id) VALUES (:node, :revision, :object_key, :kind, :spec, "
    "'pending', :now, :now, :change_id, :customer_id)";
// running is not an attempt: the outcome comes later.
constexpr const char* kRecordResult =
    "UPDATE tasks SET state = :state, error = :error, "
    "duration_ms = COALESCE(:duration_ms, duration_ms), next_attempt_at = :next_attempt_at, "
    "attempts = attempts + CASE WHEN :state = 'running' THEN 0 ELSE 1 END, updated_at = :now, "
    "applied_at = CASE WHEN :state = 'applied' THEN :now ELSE applied_at END WHERE id = :id";
constexpr const char* kNodeHead = "SELECT id, head_revision FROM nodes WHERE name = :name";
constexpr const char* kNodesWithObject =
    "SELECT DISTINCT node_id FROM tasks WHERE object_key = :object_key ORDER BY node_id";
constexpr const char* kStats = "SELECT state, COUNT(*) AS n FROM tasks GROUP BY state";
constexpr const char* kNodesWithDueRetries =
    "SELECT DISTINCT n.name AS name FROM tasks t JOIN nodes n ON n.id = t.node_id "
    "WHERE t.state = 'retry' AND t.next_attempt_at <= :now ORDER BY n.name";

std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

}  // namespace

Result<std::optional<TaskRecord>> TaskRepository::Find(int64_t id) {
  return sql::One(db_, Select("WHERE t.id = :id"), {{"id", id}}, rows::ReadTask);
}

Result<int64_t> TaskRepository::BumpHead(int64_t node_id, const Error& missing) {
  if (db_.dialect().PrefersReturning()) {
    HP_ASSIGN_OR_RETURN(auto head, sql::One(
                                       db_, kBumpHeadReturning, {{"node", node_id}},
                                       +[](const sql::Row& row) -> Result<int64_t> {
                                         return row.Int("head_revision");
                                       }));
    if (!head) return Fail(missing);
    return *head;
  }
  HP_TRY(sql::ExecOne(db_, kBumpHead, {{"node", node_id}}, missing));
  return sql::Scalar(db_, kHead, {{"node", node_id}}, "head_revision");
}

Result<TaskRecord> TaskRepository::Append(const NewTask& task) {
  const Error missing = Error::NotFound("node " + std::to_string(task.node_id) + " not found");
  HP_ASSIGN_OR_RETURN(const int64_t revision, BumpHead(task.node_id, missing));
  const int64_t now = clock_.NowMillis();
  HP_ASSIGN_OR_RETURN(int64_t id, sql::InsertReturningId(db_, kInsert,
                                                         {{"node", task.node_id},
                                                          {"revision", revision},
                                                          {"object_key", task.object_key},
                                                          {"kind", task.kind},
                                                          {"spec", task.spec.dump()},
                                                          {"now", now},
                                                          {"change_id", task.change_id},
                                                          {"customer_id", task.customer_id}},
                                                         "task " + task.object_key));
  HP_TRY(sql::Exec(db_, kSupersedeTasksSql,
                   {{"node", task.node_id},
                    {"object_key", task.object_key},
                    {"revision", revision},
                    {"now", now}}));
  HP_ASSIGN_OR_RETURN(auto stored, Find(id));
  if (!stored) return Fail(Error::Internal("the task just written is gone"));
  return std::move(*stored);
}

Result<bool> TaskRepository::RecordResult(const std::string& node, int64_t task_id,
                                          const TaskResult& result) {
  const TaskState state = result.state;
  if (state != TaskState::kApplied && state != TaskState::kFailed && state != TaskState::kRetry &&
      state != TaskState::kRunning) {
    return Fail(Error::Invalid("task state '" + std::string(Name(state)) + "' is not a result"));
  }
  HP_ASSIGN_OR_RETURN(auto task, Find(task_id));
  if (!task || task->node_name != node || IsFinal(task->state)) return false;
  const bool running = state == TaskState::kRunning;  // not an attempt; the outcome comes later
  HP_TRY(sql::Exec(
      db_, kRecordResult,
      {{"id", task_id},
       {"state", Name(state)},
       {"error", state == TaskState::kApplied || running ? std::string() : result.error},
       {"duration_ms", running ? std::nullopt : result.duration_ms},
       {"next_attempt_at", state == TaskState::kRetry ? result.next_attempt_at : std::nullopt},
       {"now", clock_.NowMillis()}}));
  return true;
}

Result<std::optional<TaskRecord>> TaskRepository::Latest(int64_t node_id,
                                                         const std::string& object_key) {
  return sql::One(db_,
                  Select("WHERE t.node_id = :node AND t.object_key = :object_key "
                         "ORDER BY t.revision DESC LIMIT 1"),
                  {{"node", node_id}, {"object_key", object_key}}, rows::ReadTask);
}

Result<std::vector<TaskRecord>> TaskRepository::LatestOnNode(int64_t node_id) {
  return sql::Many(db_,
                   Select("WHERE t.node_id = :node AND NOT EXISTS (SELECT 1 FROM tasks newer "
                          "WHERE newer.node_id = t.node_id AND newer.object_key = t.object_key "
                          "AND newer.revision > t.revision) ORDER BY t.revision"),
                   {{"node", node_id}}, rows::ReadTask);
}

Result<std::vector<int64_t>> TaskRepository::NodesWithObject(const std::string& object_key) {
  std::vector<int64_t> out;
  HP_TRY(db_.Run(kNodesWithObject, {{"object_key", object_key}}, [&](const sql::Row& row) {
    out.push_back(row.Int("node_id"));
    return Ok();
  }));
  return out;
}

Result<std::vector<TaskRecord>> TaskRepository::List(const Scope& scope, const TaskFilter& f) {
  sql::Params params = {
      {"after", f.page.after_id},
      {"node", f.node},
      {"state", f.state ? std::optional<std::string>(std::string(Name(*f.state))) : std::nullopt},
      {"object_key", f.object_key},
      {"change_id", f.change_id},
      {"limit", rows::ClampLimit(f.page.limit)}};
  std::string where =
      "WHERE t.id > :after AND (CAST(:node AS TEXT) IS NULL OR n.name = :node) "
      "AND (CAST(:state AS TEXT) IS NULL OR t.state = :state) "
      "AND (CAST(:object_key AS TEXT) IS NULL OR t.object_key = :object_key) "
      "AND (CAST(:change_id AS BIGINT) IS NULL OR t.change_id = :change_id) ";
  if (scope.kind != Scope::Kind::kAll) {
    // Only a scoped list pays for the owner's join.
    where += "AND " + rows::ScopeConditionByCustomer("t.customer_id") + " ";
    rows::AddScope(params, scope);
  }
  where += "ORDER BY t.id LIMIT :limit";
  return sql::Many(db_, Select(where), params, rows::ReadTask);
}

Result<TaskStats> TaskRepository::Stats() {
  TaskStats stats;
  HP_TRY(db_.Run(kStats, {}, [&](const sql::Row& row) {
    stats.by_state[row.Text("state")] = row.Int("n");
    return Ok();
  }));
  return stats;
}

Result<FetchedTasks> TaskRepository::Fetch(const std::string& node, int64_t after, int limit,
                                           int64_t now) {
  std::optional<int64_t> node_id;
  FetchedTasks out;
  HP_TRY(db_.Run(kNodeHead, {{"name", node}}, [&](const sql::Row& row) {
    node_id = row.Int("id");
    out.head = row.Int("head_revision");
    return Ok();
  }));
  if (!node_id) return Fail(Error::NotFound("node '" + node + "' not found"));
  const int want = rows::ClampLimit(limit);
  HP_ASSIGN_OR_RETURN(out.tasks, sql::Many(db_, kFetchTasksSql,
                                           {{"node", *node_id},
                                            {"after", after},
                                            {"now", now},
                                            {"limit", want + 1},
                                            {"node_name", node}},
                                           rows::ReadTask));
  if (out.tasks.size() > static_cast<size_t>(want)) {
    out.tasks.resize(static_cast<size_t>(want));
    out.more = true;
  }
  return out;
}

Result<std::vector<std::string>> TaskRepository::NodesWithDueRetries(int64_t now) {
  std::vector<std::string> out;
  HP_TRY(db_.Run(kNodesWithDueRetries, {{"now", now}}, [&](const sql::Row& row) {
    out.push_back(row.Text("name"));
    return Ok();
  }));
  return out;
}

}  // namespace hostplane::controller
