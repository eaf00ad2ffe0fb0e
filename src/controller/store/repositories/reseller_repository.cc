#include "controller/store/repositories/reseller_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, login, name, email, status, max_customers, max_sites, overselling, created_at, "
    "updated_at FROM resellers ";
constexpr const char* kInsert =
    "INSERT INTO resellers (login, name, email, status, max_customers, max_sites, overselling, "
    "created_at, updated_at) VALUES (:login, :name, :email, :status, :max_customers, :max_sites, "
    ":overselling, :now, :now)";
constexpr const char* kUpdate =
    "UPDATE resellers SET name = :name, email = :email, status = :status, "
    "max_customers = :max_customers, max_sites = :max_sites, overselling = :overselling, "
    "updated_at = :now WHERE id = :id";
constexpr const char* kCountCustomers =
    "SELECT COUNT(*) AS n FROM customers WHERE reseller_id = :id";
constexpr const char* kCountSites =
    "SELECT COUNT(*) AS n FROM sites s JOIN customers c ON c.id = s.customer_id "
    "WHERE c.reseller_id = :id";
constexpr const char* kPromised =
    "SELECT COUNT(*) AS customers, COUNT(p.max_sites) AS limited, "
    "COALESCE(SUM(p.max_sites), 0) AS promised FROM customers c JOIN plans p ON p.id = c.plan_id "
    "WHERE c.reseller_id = :id AND (CAST(:except AS BIGINT) IS NULL OR c.id != :except)";
std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

}  // namespace

Result<std::optional<Reseller>> ResellerRepository::FindByLogin(const std::string& login) {
  return sql::One(db_, Select("WHERE login = :login"), {{"login", login}}, rows::ReadReseller);
}

Result<std::optional<Reseller>> ResellerRepository::FindById(int64_t id) {
  return sql::One(db_, Select("WHERE id = :id"), {{"id", id}}, rows::ReadReseller);
}

Result<std::vector<Reseller>> ResellerRepository::List(const Page& page) {
  return sql::Many(db_, Select("WHERE id > :after ORDER BY id LIMIT :limit"),
                   {{"after", page.after_id}, {"limit", rows::ClampLimit(page.limit)}},
                   rows::ReadReseller);
}

Result<Reseller> ResellerRepository::Insert(const Reseller& r) {
  HP_ASSIGN_OR_RETURN(int64_t id,
                      sql::InsertReturningId(db_, kInsert,
                                             {{"login", r.login},
                                              {"name", r.name},
                                              {"email", r.email},
                                              {"status", std::string(Name(r.status))},
                                              {"max_customers", r.max_customers},
                                              {"max_sites", r.max_sites},
                                              {"overselling", int64_t{r.overselling ? 1 : 0}},
                                              {"now", clock_.NowMillis()}},
                                             "reseller '" + r.login + "'"));
  return sql::ReadBack(FindById(id), "reseller");
}

Status ResellerRepository::Update(const Reseller& r) {
  HP_ASSIGN_OR_RETURN(auto found, FindById(r.id));
  if (!found) return Fail(Error::NotFound("reseller '" + r.login + "' not found"));
  return sql::Exec(db_, kUpdate,
                   {{"id", r.id},
                    {"name", r.name},
                    {"email", r.email},
                    {"status", std::string(Name(r.status))},
                    {"max_customers", r.max_customers},
                    {"max_sites", r.max_sites},
                    {"overselling", int64_t{r.overselling ? 1 : 0}},
                    {"now", clock_.NowMillis()}});
}

Status ResellerRepository::Delete(int64_t id) {
  HP_ASSIGN_OR_RETURN(int64_t customers, CountCustomers(id));
  if (customers > 0) {
    return Fail(
        Error::Conflict("the reseller still has " + std::to_string(customers) + " customers"));
  }
  HP_TRY(sql::Exec(db_, "DELETE FROM users WHERE reseller_id = :id", {{"id", id}}));
  HP_TRY(sql::Exec(db_, "DELETE FROM plans WHERE reseller_id = :id", {{"id", id}}));
  return sql::Exec(db_, "DELETE FROM resellers WHERE id = :id", {{"id", id}});
}

Status ResellerRepository::LockForUsage(int64_t id) {
  return sql::Exec(
      db_, "SELECT id FROM resellers WHERE id = :id" + std::string(db_.dialect().LockRows()),
      {{"id", id}});
}

Result<int64_t> ResellerRepository::CountCustomers(int64_t reseller_id) {
  return sql::Scalar(db_, kCountCustomers, {{"id", reseller_id}}, "n");
}

Result<int64_t> ResellerRepository::CountSites(int64_t reseller_id) {
  return sql::Scalar(db_, kCountSites, {{"id", reseller_id}}, "n");
}

Result<std::optional<int64_t>> ResellerRepository::PromisedSites(
    int64_t reseller_id, std::optional<int64_t> except_customer) {
  std::optional<std::optional<int64_t>> out;
  HP_TRY(db_.Run(kPromised, {{"id", reseller_id}, {"except", except_customer}},
                 [&](const sql::Row& row) -> Status {
                   if (row.Int("limited") < row.Int("customers")) {
                     out.emplace(std::nullopt);  // an unlimited plan among them
                   } else {
                     out.emplace(row.Int("promised"));
                   }
                   return Ok();
                 }));
  if (!out) return std::optional<int64_t>(0);
  return *out;
}

}  // namespace hostplane::controller
