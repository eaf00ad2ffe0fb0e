#include "controller/store/repositories/audit_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kInsert =
    "INSERT INTO audit (actor, action, object, before, after, at, customer_id) "
    "VALUES (:actor, :action, :object, :before, :after, :now, :customer_id)";

}  // namespace

Result<int64_t> AuditRepository::Append(const NewAuditEntry& e) {
  return sql::InsertReturningId(db_, kInsert,
                                {{"actor", e.actor},
                                 {"action", e.action},
                                 {"object", e.object},
                                 {"before", e.before.dump()},
                                 {"after", e.after.dump()},
                                 {"now", clock_.NowMillis()},
                                 {"customer_id", e.customer_id}},
                                "audit entry " + e.action);
}

Result<std::vector<AuditEntry>> AuditRepository::List(const Scope& scope, const Page& page,
                                                      const std::optional<std::string>& object) {
  sql::Params params = {
      {"after", page.after_id}, {"object", object}, {"limit", rows::ClampLimit(page.limit)}};
  std::string sql =
      "SELECT id, actor, action, object, before, after, at, customer_id FROM audit "
      "WHERE id > :after AND (CAST(:object AS TEXT) IS NULL OR object = :object) ";
  if (scope.kind != Scope::Kind::kAll) {
    sql += "AND " + rows::ScopeConditionByCustomer("customer_id") + " ";
    rows::AddScope(params, scope);
  }
  sql += "ORDER BY id LIMIT :limit";
  return sql::Many(db_, sql, params, rows::ReadAudit);
}

}  // namespace hostplane::controller
