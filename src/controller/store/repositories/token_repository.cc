#include "controller/store/repositories/token_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, name, role, created_at, last_used_at, user_id, scopes, expires_at "
    "FROM api_tokens ";
constexpr const char* kInsertOfUser =
    "INSERT INTO api_tokens (name, token_hash, role, created_at, user_id, scopes, expires_at) "
    "VALUES (:name, :hash, :role, :now, :user_id, :scopes, :expires_at)";
constexpr const char* kWhereUser =
    "WHERE ((CAST(:user AS BIGINT) IS NULL AND user_id IS NULL) OR user_id = :user) ";
constexpr const char* kInsert =
    "INSERT INTO api_tokens (name, token_hash, role, created_at) "
    "VALUES (:name, :hash, :role, :now)";
constexpr const char* kTouch = "UPDATE api_tokens SET last_used_at = :now WHERE id = :id";

}  // namespace

Result<ApiToken> TokenRepository::Insert(const std::string& name, const std::string& token_hash,
                                         const std::string& role) {
  auto id = sql::InsertReturningId(
      db_, kInsert,
      {{"name", name}, {"hash", token_hash}, {"role", role}, {"now", clock_.NowMillis()}},
      "token '" + name + "'");
  if (!id) return Fail(id.error());
  HP_ASSIGN_OR_RETURN(auto stored, sql::One(db_, std::string(kSelect) + "WHERE id = :id",
                                            {{"id", *id}}, rows::ReadToken));
  if (!stored) return Fail(Error::Internal("the token just written is gone"));
  return std::move(*stored);
}

Result<ApiToken> TokenRepository::Insert(const ApiToken& t, const std::string& token_hash) {
  HP_ASSIGN_OR_RETURN(int64_t id, sql::InsertReturningId(db_, kInsertOfUser,
                                                         {{"name", t.name},
                                                          {"hash", token_hash},
                                                          {"role", t.role},
                                                          {"now", clock_.NowMillis()},
                                                          {"user_id", t.user_id},
                                                          {"scopes", Json(t.scopes).dump()},
                                                          {"expires_at", t.expires_at}},
                                                         "token '" + t.name + "'"));
  HP_ASSIGN_OR_RETURN(auto stored, sql::One(db_, std::string(kSelect) + "WHERE id = :id",
                                            {{"id", id}}, rows::ReadToken));
  if (!stored) return Fail(Error::Internal("the token just written is gone"));
  return std::move(*stored);
}

Result<std::vector<ApiToken>> TokenRepository::ListOfUser(std::optional<int64_t> user_id) {
  return sql::Many(db_, std::string(kSelect) + kWhereUser + "ORDER BY id", {{"user", user_id}},
                   rows::ReadToken);
}

Status TokenRepository::Delete(std::optional<int64_t> user_id, int64_t id) {
  HP_ASSIGN_OR_RETURN(auto found, sql::One(db_, std::string(kSelect) + kWhereUser + "AND id = :id",
                                           {{"user", user_id}, {"id", id}}, rows::ReadToken));
  if (!found) return Fail(Error::NotFound("token " + std::to_string(id) + " not found"));
  return sql::Exec(db_, "DELETE FROM api_tokens WHERE id = :id", {{"id", id}});
}

Result<std::optional<ApiToken>> TokenRepository::FindByHash(const std::string& token_hash) {
  return sql::One(db_, std::string(kSelect) + "WHERE token_hash = :hash", {{"hash", token_hash}},
                  rows::ReadToken);
}

Status TokenRepository::Touch(int64_t id, int64_t now) {
  return sql::Exec(db_, kTouch, {{"id", id}, {"now", now}});
}

}  // namespace hostplane::controller
