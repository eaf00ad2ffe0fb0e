#include "controller/store/repositories/user_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, login, email, name, password_hash, role, reseller_id, customer_id, full_access, "
    "totp_secret, created_at, updated_at FROM users ";
constexpr const char* kInsert =
    "INSERT INTO users (login, email, name, password_hash, role, reseller_id, customer_id, "
    "full_access, totp_secret, created_at, updated_at) VALUES (:login, :email, :name, "
    ":password_hash, :role, :reseller_id, :customer_id, :full_access, :totp_secret, :now, :now)";
constexpr const char* kUpdate =
    "UPDATE users SET email = :email, name = :name, password_hash = :password_hash, "
    "full_access = :full_access, totp_secret = :totp_secret, updated_at = :now WHERE id = :id";
std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

}  // namespace

Result<std::optional<User>> UserRepository::WithGrants(Result<std::optional<User>> found) {
  if (!found || !*found) return found;
  User& u = **found;
  HP_TRY(db_.Run("SELECT kind, name FROM user_grants WHERE user_id = :id ORDER BY kind, name",
                 {{"id", u.id}}, [&](const sql::Row& row) -> Status {
                   u.grants.push_back({row.Text("kind"), row.Text("name")});
                   return Ok();
                 }));
  return found;
}

Result<std::optional<User>> UserRepository::FindById(int64_t id) {
  return WithGrants(sql::One(db_, Select("WHERE id = :id"), {{"id", id}}, rows::ReadUser));
}

Result<std::optional<User>> UserRepository::FindByLogin(const std::string& login) {
  return WithGrants(
      sql::One(db_, Select("WHERE login = :login"), {{"login", login}}, rows::ReadUser));
}

Result<std::optional<User>> UserRepository::FindByLoginOrEmail(const std::string& name) {
  HP_ASSIGN_OR_RETURN(auto by_login, FindByLogin(name));
  if (by_login) return by_login;
  HP_ASSIGN_OR_RETURN(auto by_email, sql::Many(db_, Select("WHERE email = :email LIMIT 2"),
                                               {{"email", name}}, rows::ReadUser));
  if (by_email.size() != 1) return std::optional<User>();
  return WithGrants(std::optional<User>(std::move(by_email.front())));
}

Result<std::vector<User>> UserRepository::List(std::optional<int64_t> reseller_id,
                                               std::optional<int64_t> customer_id,
                                               const Page& page) {
  return sql::Many(db_,
                   Select("WHERE ((CAST(:reseller AS BIGINT) IS NULL AND reseller_id IS NULL) OR "
                          "reseller_id = :reseller) "
                          "AND ((CAST(:customer AS BIGINT) IS NULL AND customer_id IS NULL) OR "
                          "customer_id = :customer) "
                          "AND id > :after ORDER BY id LIMIT :limit"),
                   {{"reseller", reseller_id},
                    {"customer", customer_id},
                    {"after", page.after_id},
                    {"limit", rows::ClampLimit(page.limit)}},
                   rows::ReadUser);
}

Result<User> UserRepository::Insert(const User& u) {
  HP_ASSIGN_OR_RETURN(int64_t id,
                      sql::InsertReturningId(db_, kInsert,
                                             {{"login", u.login},
                                              {"email", u.email},
                                              {"name", u.name},
                                              {"password_hash", u.password_hash},
                                              {"role", u.role},
                                              {"reseller_id", u.reseller_id},
                                              {"customer_id", u.customer_id},
                                              {"full_access", int64_t{u.full_access ? 1 : 0}},
                                              {"totp_secret", u.totp_secret},
                                              {"now", clock_.NowMillis()}},
                                             "login '" + u.login + "'"));
  HP_TRY(WriteGrants(id, u.grants));
  HP_ASSIGN_OR_RETURN(auto stored, FindById(id));
  if (!stored) return Fail(Error::Internal("the user just written is gone"));
  return std::move(*stored);
}

Status UserRepository::Update(const User& u) {
  HP_ASSIGN_OR_RETURN(auto found, FindById(u.id));
  if (!found) return Fail(Error::NotFound("user '" + u.login + "' not found"));
  HP_TRY(sql::Exec(db_, kUpdate,
                   {{"id", u.id},
                    {"email", u.email},
                    {"name", u.name},
                    {"password_hash", u.password_hash},
                    {"full_access", int64_t{u.full_access ? 1 : 0}},
                    {"totp_secret", u.totp_secret},
                    {"now", clock_.NowMillis()}}));
  HP_TRY(sql::Exec(db_, "DELETE FROM user_grants WHERE user_id = :id", {{"id", u.id}}));
  return WriteGrants(u.id, u.grants);
}

Status UserRepository::Delete(int64_t id) {
  HP_TRY(sql::Exec(db_, "DELETE FROM user_grants WHERE user_id = :id", {{"id", id}}));
  HP_TRY(sql::Exec(db_, "DELETE FROM api_tokens WHERE user_id = :id", {{"id", id}}));
  return sql::Exec(db_, "DELETE FROM users WHERE id = :id", {{"id", id}});
}

Result<std::optional<User>> UserRepository::FindCustomerLogin(int64_t customer_id) {
  return WithGrants(sql::One(db_, Select("WHERE customer_id = :id AND role = 'customer'"),
                             {{"id", customer_id}}, rows::ReadUser));
}

Status UserRepository::WriteGrants(int64_t user_id, const std::vector<UserGrant>& grants) {
  for (const UserGrant& g : grants) {
    HP_TRY(sql::Exec(db_,
                     "INSERT INTO user_grants (user_id, kind, name) VALUES (:id, :kind, :name) "
                     "ON CONFLICT DO NOTHING",
                     {{"id", user_id}, {"kind", g.kind}, {"name", g.name}}));
  }
  return Ok();
}

}  // namespace hostplane::controller
