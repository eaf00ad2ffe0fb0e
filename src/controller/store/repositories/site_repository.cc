#include "controller/store/repositories/site_repository.h"

#include "controller/store/repositories/name_claim_repository.h"
#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT s.id, s.customer_id, c.login AS customer_login, c.reseller_id, s.domain, s.aliases, "
    "s.docroot, s.status, s.node_id, n.name AS node_name, s.created_at, s.updated_at, s.php, "
    "s.https, s.settings FROM sites s JOIN customers c ON c.id = s.customer_id "
    "JOIN nodes n ON n.id = s.node_id ";
constexpr const char* kInsert =
    "INSERT INTO sites (customer_id, domain, aliases, docroot, status, node_id, created_at, "
    "updated_at, php, https, settings) VALUES (:customer_id, :domain, :aliases, :docroot, "
    ":status, :node_id, :now, :now, :php, :https, :settings)";
constexpr const char* kUpdate =
    "UPDATE sites SET aliases = :aliases, docroot = :docroot, status = :status, "
    "node_id = :node_id, updated_at = :now, php = :php, https = :https, settings = :settings "
    "WHERE id = :id";
constexpr const char* kDelete = "DELETE FROM sites WHERE id = :id";
constexpr const char* kInsertName =
    "INSERT INTO site_names (name, site_id, name_key) VALUES (:name, :site, :key)";
constexpr const char* kDeleteNames = "DELETE FROM site_names WHERE site_id = :site";
constexpr const char* kCount = "SELECT COUNT(*) AS n FROM sites WHERE customer_id = :customer";
constexpr const char* kCountByNode = "SELECT node_id, COUNT(*) AS n FROM sites GROUP BY node_id";

std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

// What an insert and an update both write.
sql::Params SiteParams(const Site& s, int64_t now) {
  return {{"aliases", rows::ListText(s.aliases)},
          {"docroot", s.docroot},
          {"status", Name(s.status)},
          {"node_id", s.node_id},
          {"now", now},
          {"php", s.php},
          {"https", s.https},
          {"settings", protocol::ToJson(s.settings).dump()}};
}

}  // namespace

Result<std::optional<Site>> SiteRepository::FindByDomain(const std::string& domain) {
  return sql::One(db_, Select("WHERE s.domain = :domain"), {{"domain", domain}}, rows::ReadSite);
}

Result<std::optional<Site>> SiteRepository::FindById(int64_t id) {
  return sql::One(db_, Select("WHERE s.id = :id"), {{"id", id}}, rows::ReadSite);
}

Result<std::optional<Site>> SiteRepository::FindByName(const std::string& name) {
  return sql::One(db_, Select("JOIN site_names sn ON sn.site_id = s.id WHERE sn.name = :name"),
                  {{"name", name}}, rows::ReadSite);
}

Result<std::vector<Site>> SiteRepository::OfCustomer(int64_t customer_id) {
  return sql::Many(db_, Select("WHERE s.customer_id = :customer ORDER BY s.id"),
                   {{"customer", customer_id}}, rows::ReadSite);
}

Result<std::vector<Site>> SiteRepository::OnNode(int64_t node_id) {
  return sql::Many(db_, Select("WHERE s.node_id = :node ORDER BY s.id"), {{"node", node_id}},
                   rows::ReadSite);
}

Result<std::vector<Site>> SiteRepository::List(const Scope& scope,
                                               const std::optional<std::string>& customer,
                                               const Page& page) {
  sql::Params params = {{"after", page.after_id}, {"limit", rows::ClampLimit(page.limit)}};
  rows::AddScopeOf(params, scope);
  rows::AddGrantScope(params, scope);
  rows::AddSearch(params, page);
  // Each condition only when it applies, so a customer's page is a range of sites_by_customer.
  std::string where = "WHERE " + rows::ScopeConditionOf(scope, "s.customer_id", "c.reseller_id") +
                      " AND " + rows::GrantCondition("s.domain", "site") + " AND " +
                      rows::SearchCondition("s.domain");
  if (customer) {
    where += " AND s.customer_id = (SELECT id FROM customers WHERE login = :customer)";
    params.push_back({"customer", *customer});
  }
  return sql::Many(db_, Select(where + " AND s.id > :after ORDER BY s.id LIMIT :limit"), params,
                   rows::ReadSite);
}

Result<int64_t> SiteRepository::CountOfCustomer(int64_t customer_id) {
  return sql::Scalar(db_, kCount, {{"customer", customer_id}}, "n");
}

Result<std::map<int64_t, int64_t>> SiteRepository::CountByNode() {
  std::map<int64_t, int64_t> out;
  HP_TRY(db_.Run(kCountByNode, {}, [&](const sql::Row& row) {
    out[row.Int("node_id")] = row.Int("n");
    return Ok();
  }));
  return out;
}

Result<Site> SiteRepository::Insert(const Site& s) {
  sql::Params params = SiteParams(s, clock_.NowMillis());
  params.push_back({"customer_id", s.customer_id});
  params.push_back({"domain", s.domain});
  HP_ASSIGN_OR_RETURN(int64_t id,
                      sql::InsertReturningId(db_, kInsert, params, "site '" + s.domain + "'"));
  HP_TRY(ClaimNames(id, s));
  return sql::ReadBack(FindById(id), "site");
}

Status SiteRepository::Update(const Site& s) {
  sql::Params params = SiteParams(s, clock_.NowMillis());
  params.push_back({"id", s.id});
  HP_TRY(sql::ExecOne(db_, kUpdate, params, Error::NotFound("site '" + s.domain + "' not found")));
  HP_TRY(ReleaseNames(s.id));
  return ClaimNames(s.id, s);
}

Status SiteRepository::Delete(int64_t id) {
  HP_TRY(ReleaseNames(id));
  return sql::ExecOne(db_, kDelete, {{"id", id}},
                      Error::NotFound("site " + std::to_string(id) + " not found"));
}

Status SiteRepository::ClaimNames(int64_t site_id, const Site& s) {
  std::vector<std::string> names = s.aliases;
  names.insert(names.begin(), s.domain);
  for (const auto& name : names) {
    if (auto r = sql::Exec(db_, kInsertName,
                           {{"name", name}, {"site", site_id}, {"key", NameKey(name)}});
        !r) {
      if (r.error().code == ErrorCode::kConflict) {
        return Fail(Error::Conflict("the name '" + name + "' belongs to another site"));
      }
      return r;
    }
  }
  return Ok();
}

Status SiteRepository::ReleaseNames(int64_t site_id) {
  return sql::Exec(db_, kDeleteNames, {{"site", site_id}});
}

}  // namespace hostplane::controller
