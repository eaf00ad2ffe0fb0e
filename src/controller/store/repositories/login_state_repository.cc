#include "controller/store/repositories/login_state_repository.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelectSession =
    "SELECT id_hash, user_id, stage, created_at, last_seen, expires_at, source, user_agent, "
    "acting_as, acting_until FROM sessions ";

Result<auth::SessionRecord> ReadSession(const sql::Row& row) {
  auth::SessionRecord r;
  r.id_hash = row.Text("id_hash");
  r.user_id = row.Text("user_id");
  const std::string stage = row.Text("stage");
  if (stage == "full") {
    r.stage = auth::SessionStage::kFull;
  } else if (stage == "second_factor") {
    r.stage = auth::SessionStage::kSecondFactorPending;
  } else {
    return Fail(Error::Internal("a session has the unknown stage '" + stage + "'"));
  }
  r.created_at_ms = row.Int("created_at");
  r.last_seen_ms = row.Int("last_seen");
  r.expires_at_ms = row.Int("expires_at");
  r.source = row.Text("source");
  r.user_agent = row.Text("user_agent");
  r.acting_as = row.Text("acting_as");
  r.acting_until_ms = row.Int("acting_until");
  return r;
}

}  // namespace

Status LoginStateRepository::InsertSession(const auth::SessionRecord& r) {
  return sql::Exec(
      db_,
      "INSERT INTO sessions (id_hash, user_id, stage, created_at, last_seen, expires_at, source, "
      "user_agent, acting_as, acting_until) VALUES (:id_hash, :user_id, :stage, :created_at, "
      ":last_seen, :expires_at, :source, :user_agent, :acting_as, :acting_until)",
      {{"id_hash", r.id_hash},
       {"user_id", r.user_id},
       {"stage", std::string(r.stage == auth::SessionStage::kFull ? "full" : "second_factor")},
       {"created_at", r.created_at_ms},
       {"last_seen", r.last_seen_ms},
       {"expires_at", r.expires_at_ms},
       {"source", r.source},
       {"user_agent", r.user_agent},
       {"acting_as", r.acting_as},
       {"acting_until", r.acting_until_ms}});
}

Result<std::optional<auth::SessionRecord>> LoginStateRepository::FindSession(
    const std::string& id_hash) {
  return sql::One(db_, std::string(kSelectSession) + "WHERE id_hash = :id_hash",
                  {{"id_hash", id_hash}}, ReadSession);
}

Status LoginStateRepository::TouchSession(const std::string& id_hash, int64_t now_ms) {
  return sql::Exec(db_, "UPDATE sessions SET last_seen = :now WHERE id_hash = :id_hash",
                   {{"id_hash", id_hash}, {"now", now_ms}});
}

Result<bool> LoginStateRepository::RemoveSession(const std::string& id_hash) {
  HP_ASSIGN_OR_RETURN(auto found, FindSession(id_hash));
  if (!found) return false;
  HP_TRY(sql::Exec(db_, "DELETE FROM sessions WHERE id_hash = :id_hash", {{"id_hash", id_hash}}));
  return true;
}

Result<int> LoginStateRepository::RemoveSessionsOf(const std::string& user_id,
                                                   const std::optional<std::string>& keep) {
  const sql::Params params = {{"user_id", user_id}, {"keep", keep}};
  const std::string where =
      "WHERE user_id = :user_id AND (CAST(:keep AS TEXT) IS NULL OR id_hash != :keep)";
  HP_ASSIGN_OR_RETURN(int64_t n,
                      sql::Scalar(db_, "SELECT COUNT(*) AS n FROM sessions " + where, params, "n"));
  HP_TRY(sql::Exec(db_, "DELETE FROM sessions " + where, params));
  return static_cast<int>(n);
}

Result<std::vector<auth::SessionRecord>> LoginStateRepository::SessionsOf(
    const std::string& user_id) {
  return sql::Many(db_,
                   std::string(kSelectSession) + "WHERE user_id = :user_id ORDER BY created_at",
                   {{"user_id", user_id}}, ReadSession);
}

Status LoginStateRepository::AddFailure(const std::string& key, int64_t at_ms, int64_t keep) {
  HP_TRY(sql::Exec(db_, "INSERT INTO login_failures (key, at) VALUES (:key, :at)",
                   {{"key", key}, {"at", at_ms}}));
  return sql::Exec(db_,
                   "DELETE FROM login_failures WHERE key = :key AND id NOT IN (SELECT id FROM "
                   "login_failures WHERE key = :key ORDER BY at DESC, id DESC LIMIT :keep)",
                   {{"key", key}, {"keep", keep}});
}

Result<std::vector<int64_t>> LoginStateRepository::FailuresSince(const std::string& key,
                                                                 int64_t since_ms, int64_t limit) {
  std::vector<int64_t> out;
  HP_TRY(db_.Run(
      "SELECT at FROM login_failures WHERE key = :key AND at >= :since "
      "ORDER BY at DESC, id DESC LIMIT :limit",
      {{"key", key}, {"since", since_ms}, {"limit", limit}}, [&](const sql::Row& row) -> Status {
        out.push_back(row.Int("at"));
        return Ok();
      }));
  return out;
}

Status LoginStateRepository::ClearFailures(const std::string& key) {
  return sql::Exec(db_, "DELETE FROM login_failures WHERE key = :key", {{"key", key}});
}

Status LoginStateRepository::PruneFailures(int64_t before_ms) {
  return sql::Exec(db_, "DELETE FROM login_failures WHERE at < :before", {{"before", before_ms}});
}

}  // namespace hostplane::controller
