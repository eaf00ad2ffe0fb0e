#include "controller/store/repositories/resource_repository.h"

#include "controller/store/repositories/name_claim_repository.h"
#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT r.id, r.customer_id, c.login AS customer_login, c.reseller_id, r.kind, r.name, "
    "r.parent, r.node_id, COALESCE(n.name, '') AS node_name, r.data, r.status, r.created_at, "
    "r.updated_at FROM resources r JOIN customers c ON c.id = r.customer_id "
    "LEFT JOIN nodes n ON n.id = r.node_id ";
constexpr const char* kInsert =
    "INSERT INTO resources (customer_id, kind, name, parent, node_id, data, status, created_at, "
    "updated_at, name_key) VALUES (:customer_id, :kind, :name, :parent, :node_id, :data, :status, "
    ":now, :now, :name_key)";
constexpr const char* kUpdate =
    "UPDATE resources SET parent = :parent, node_id = :node_id, data = :data, status = :status, "
    "updated_at = :now WHERE id = :id";
constexpr const char* kDelete = "DELETE FROM resources WHERE id = :id";
constexpr const char* kCount =
    "SELECT COUNT(*) AS n FROM resources WHERE kind = :kind AND customer_id = :customer";
constexpr const char* kCountByNode =
    "SELECT node_id, COUNT(*) AS n FROM resources WHERE kind = :kind GROUP BY node_id";

std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

}  // namespace

Result<std::optional<Resource>> ResourceRepository::Find(const std::string& kind,
                                                         const std::string& name) {
  return sql::One(db_, Select("WHERE r.kind = :kind AND r.name = :name"),
                  {{"kind", kind}, {"name", name}}, rows::ReadResource);
}

Result<std::optional<Resource>> ResourceRepository::FindById(int64_t id) {
  return sql::One(db_, Select("WHERE r.id = :id"), {{"id", id}}, rows::ReadResource);
}

Result<std::vector<Resource>> ResourceRepository::List(const Scope& scope,
                                                       const ResourceFilter& f) {
  const Page page = f.page.value_or(Page{});
  sql::Params params = {{"kind", f.kind}, {"after", page.after_id}};
  rows::AddScopeOf(params, scope);
  rows::AddGrantScope(params, scope);
  rows::AddSearch(params, page);
  // A limited user sees a mail domain, its mailboxes and forwarders when the domain is granted;
  // no other kind. Each filter only when it applies, so the page is a range of one index.
  static const std::string kGrant = rows::GrantCondition(
      "(CASE r.kind WHEN 'maildomain' THEN r.name WHEN 'mailbox' THEN r.parent "
      "WHEN 'forwarder' THEN r.parent END)",
      "maildomain");
  std::string where = "WHERE r.kind = :kind AND " +
                      rows::ScopeConditionOf(scope, "r.customer_id", "c.reseller_id") + " AND " +
                      kGrant + " AND " + rows::SearchCondition("r.name");
  if (f.customer_id) {
    where += " AND r.customer_id = :customer";
    params.push_back({"customer", *f.customer_id});
  }
  if (f.parent) {
    where += " AND r.parent = :parent";
    params.push_back({"parent", *f.parent});
  }
  if (f.node_id) {
    where += " AND r.node_id = :node";
    params.push_back({"node", *f.node_id});
  }
  where += " AND r.id > :after ORDER BY r.id";
  // A page (the API's lists) or every match (the services' own reads, which need them all).
  if (f.page) {
    where += " LIMIT :limit";
    params.push_back({"limit", rows::ClampLimit(page.limit)});
  }
  return sql::Many(db_, Select(where), params, rows::ReadResource);
}

Result<int64_t> ResourceRepository::Count(const std::string& kind, int64_t customer_id) {
  return sql::Scalar(db_, kCount, {{"kind", kind}, {"customer", customer_id}}, "n");
}

Result<std::map<int64_t, int64_t>> ResourceRepository::CountByNode(const std::string& kind) {
  std::map<int64_t, int64_t> out;
  HP_TRY(db_.Run(kCountByNode, {{"kind", kind}}, [&](const sql::Row& row) {
    out[row.Int("node_id")] = row.Int("n");
    return Ok();
  }));
  return out;
}

Result<Resource> ResourceRepository::Insert(const Resource& r) {
  HP_ASSIGN_OR_RETURN(
      int64_t id,
      sql::InsertReturningId(
          db_, kInsert,
          {{"customer_id", r.customer_id},
           {"kind", r.kind},
           {"name", r.name},
           {"parent", r.parent},
           {"node_id", r.node_id},
           {"data", r.data.dump()},
           {"status", Name(r.status)},
           {"now", clock_.NowMillis()},
           {"name_key",
            IsNameClaimKind(r.kind) ? std::optional<std::string>(NameKey(r.name)) : std::nullopt}},
          r.kind + " '" + r.name + "'"));
  return sql::ReadBack(FindById(id), "resource");
}

Status ResourceRepository::Update(const Resource& r) {
  return sql::ExecOne(db_, kUpdate,
                      {{"id", r.id},
                       {"parent", r.parent},
                       {"node_id", r.node_id},
                       {"data", r.data.dump()},
                       {"status", Name(r.status)},
                       {"now", clock_.NowMillis()}},
                      Error::NotFound(r.kind + " '" + r.name + "' not found"));
}

Status ResourceRepository::Delete(int64_t id) {
  return sql::ExecOne(db_, kDelete, {{"id", id}},
                      Error::NotFound("resource " + std::to_string(id) + " not found"));
}

}  // namespace hostplane::controller
