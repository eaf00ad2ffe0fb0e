#include "controller/store/repositories/customer_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, login, name, email, password_hash, status, plan_id, created_at, updated_at, uid, "
    "reseller_id FROM customers ";
constexpr const char* kInsert =
    "INSERT INTO customers (login, name, email, password_hash, status, plan_id, created_at, "
    "updated_at, uid, reseller_id) VALUES (:login, :name, :email, :password_hash, :status, "
    ":plan_id, :now, :now, :uid, :reseller_id)";
constexpr const char* kUpdate =
    "UPDATE customers SET name = :name, email = :email, password_hash = :password_hash, "
    "status = :status, plan_id = :plan_id, updated_at = :now WHERE id = :id";
constexpr const char* kDelete = "DELETE FROM customers WHERE id = :id";
std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

}  // namespace

Result<std::optional<Customer>> CustomerRepository::FindByLogin(const std::string& login) {
  return sql::One(db_, Select("WHERE login = :login"), {{"login", login}}, rows::ReadCustomer);
}

Result<std::optional<Customer>> CustomerRepository::FindById(int64_t id) {
  return sql::One(db_, Select("WHERE id = :id"), {{"id", id}}, rows::ReadCustomer);
}

Status CustomerRepository::LockForUsage(int64_t id) {
  return sql::Exec(
      db_, "SELECT id FROM customers WHERE id = :id" + std::string(db_.dialect().LockRows()),
      {{"id", id}});
}

Result<std::vector<Customer>> CustomerRepository::List(const Scope& scope, const Page& page) {
  sql::Params params = {{"after", page.after_id}, {"limit", rows::ClampLimit(page.limit)}};
  rows::AddScopeOf(params, scope);
  rows::AddSearch(params, page);
  return sql::Many(
      db_,
      Select("WHERE " + rows::ScopeConditionOf(scope, "id", "reseller_id") + " AND " +
             rows::SearchCondition("login") + " AND id > :after ORDER BY id LIMIT :limit"),
      params, rows::ReadCustomer);
}

Result<Customer> CustomerRepository::Insert(const Customer& c) {
  HP_ASSIGN_OR_RETURN(int64_t id, sql::InsertReturningId(db_, kInsert,
                                                         {{"login", c.login},
                                                          {"name", c.name},
                                                          {"email", c.email},
                                                          {"password_hash", c.password_hash},
                                                          {"status", Name(c.status)},
                                                          {"plan_id", c.plan_id},
                                                          {"now", clock_.NowMillis()},
                                                          {"uid", c.uid},
                                                          {"reseller_id", c.reseller_id}},
                                                         "customer '" + c.login + "'"));
  return sql::ReadBack(FindById(id), "customer");
}

Status CustomerRepository::Update(const Customer& c) {
  return sql::ExecOne(db_, kUpdate,
                      {{"id", c.id},
                       {"name", c.name},
                       {"email", c.email},
                       {"password_hash", c.password_hash},
                       {"status", Name(c.status)},
                       {"plan_id", c.plan_id},
                       {"now", clock_.NowMillis()}},
                      Error::NotFound("customer " + std::to_string(c.id) + " not found"));
}

Status CustomerRepository::Delete(int64_t id) {
  return sql::ExecOne(db_, kDelete, {{"id", id}},
                      Error::NotFound("customer " + std::to_string(id) + " not found"));
}

}  // namespace hostplane::controller
