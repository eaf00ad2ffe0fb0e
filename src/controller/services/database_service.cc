#include "controller/services/database_service.h"

#include <utility>

#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/services/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/database_spec.h"
#include "protocol/validate.h"

namespace hostplane::controller {

using namespace kinds;

Result<NewDatabase> DatabaseService::Check(const DatabaseInput& in) {
  protocol::FieldErrors errors;
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  std::string name;
  if (login) {
    auto n = protocol::CheckDatabaseName(*login, in.name);
    if (n) {
      name = *n;
    } else {
      errors.Add("name", n.error());
    }
  }
  auto password = protocol::CheckPassword(in.password, {in.name, name, in.customer});
  if (!password) errors.Add("password", password.error());
  if (!errors.empty()) return Fail(errors.ToError());
  HP_ASSIGN_OR_RETURN(std::string hash, protocol::MysqlNativePasswordHash(*password));
  return NewDatabase{name, *login, std::move(hash)};
}

Result<Change<Resource>> DatabaseService::Add(const Actor& actor, const DatabaseInput& in) {
  HP_ASSIGN_OR_RETURN(NewDatabase db, Check(in));
  return runner_.Run(actor, "database.create",
                     [&](ChangeContext& change) { return Add(change, db); });
}

Result<Change<Resource>> DatabaseService::Remove(const Actor& actor, const std::string& name) {
  return runner_.Run(actor, "database.remove",
                     [&](ChangeContext& change) { return Remove(change, name); });
}

Result<Resource> DatabaseService::Add(ChangeContext& change, const NewDatabase& in) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Customer owner, LoadOwnerFor(change, in.customer, Action::kDatabaseCreate));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, owner));
  HP_ASSIGN_OR_RETURN(auto taken, tx.resources().Find(kDatabase, in.name));
  if (taken) {
    return Fail(FieldError(ErrorCode::kConflict, {{"name", "db.taken"}},
                           "the database '" + in.name + "' exists"));
  }
  HP_TRY(CheckLimit(tx, owner, kDatabase, plan.max_databases, "name", "plan.databases_limit",
                    "databases"));
  HP_ASSIGN_OR_RETURN(auto counts, tx.resources().CountByNode(kDatabase));
  PlaceOptions place = PlacementFor(plan, options_);
  // With the customer's other databases while that node has room: db.<zone> names them all.
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> others, OfCustomer(tx, kDatabase, owner.id));
  if (!others.empty()) place.prefer = others.front().node_id;
  HP_ASSIGN_OR_RETURN(Node node, PlaceOnRole(tx, "db", counts, "name", place));
  Resource r;
  r.customer_id = owner.id;
  r.kind = kDatabase;
  r.name = in.name;
  r.node_id = node.id;
  r.data = Json{{"password_hash", in.password_hash}};
  // The first database puts db.<zone> into each of the customer's zones.
  HP_ASSIGN_OR_RETURN(const ZoneValidity zones, ZoneValidity::Before(tx, owner, options_));
  HP_ASSIGN_OR_RETURN(Resource stored,
                      InsertAudited(change, "database.create", ObjectKey(kDatabase, in.name), r));
  HP_TRY(zones.After(tx, {}, "name"));
  HP_TRY(change.Append({node.id, ObjectKey(kDatabase, in.name), protocol::kDatabaseEnsure,
                        DatabaseSpec(stored, owner), owner.id}));
  HP_TRY(dns_.SyncZonesOf(change, owner));
  return stored;
}

Result<Resource> DatabaseService::Remove(ChangeContext& change, const std::string& name) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(auto found, LoadResource(change, kDatabase, name, Action::kDatabaseRemove,
                                               NotFound(kDatabase, name)));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, found));
  HP_TRY(tx.resources().Delete(found.id));
  HP_TRY(change.Audit("database.remove", ObjectKey(kDatabase, name), ToJson(found), nullptr,
                      owner.id));
  HP_TRY(change.Append({found.node_id, ObjectKey(kDatabase, name), protocol::kDatabaseRemove,
                        RemovalSpecOf(found, owner), owner.id}));
  // db.<zone> goes with the customer's last database.
  HP_TRY(dns_.SyncZonesOf(change, owner));
  return found;
}

Status DatabaseService::Resend(ChangeContext& change, const Customer& c) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> dbs, OfCustomer(change.tx(), kDatabase, c.id));
  for (const auto& d : dbs) {
    HP_TRY(change.Append({d.node_id, ObjectKey(kDatabase, d.name), protocol::kDatabaseEnsure,
                          DatabaseSpec(d, c), c.id}));
  }
  return Ok();
}

}  // namespace hostplane::controller
