#include "controller/services/service_support.h"

#include <utility>

#include "controller/services/usage_lock.h"
#include "controller/store/entity_json.h"

namespace hostplane::controller {

using namespace kinds;

Error FieldError(ErrorCode code, std::map<std::string, std::string> fields, std::string message) {
  return Error{code, std::move(message), std::move(fields)};
}

std::string NotFoundMessage(std::string_view what, const std::string& name) {
  return std::string(what) + " '" + name + "' not found";
}

Error NotFound(std::string_view what, const std::string& name) {
  return Error::NotFound(NotFoundMessage(what, name));
}

Error NotFoundField(const std::string& field, std::string_view what, const std::string& name) {
  return FieldError(ErrorCode::kNotFound, {{field, std::string(what) + ".not_found"}},
                    NotFoundMessage(what, name));
}

Result<Customer> LoadCustomer(ChangeContext& change, const std::string& login, Action action,
                              const Error& not_found) {
  HP_ASSIGN_OR_RETURN(auto found, change.tx().customers().FindByLogin(login));
  if (!found) return Fail(not_found);
  HP_TRY(change.Allow(action, {"customer", found->login, OwnerOf(*found)}, not_found));
  return std::move(*found);
}

Result<Customer> LoadOwnerFor(ChangeContext& change, const std::string& login, Action action) {
  return LoadCustomer(change, login, action, NotFoundField("customer", "customer", login));
}

Result<Resource> LoadResource(ChangeContext& change, const char* kind, const std::string& name,
                              Action action, const Error& not_found, const char* object_kind) {
  HP_ASSIGN_OR_RETURN(auto found, change.tx().resources().Find(kind, name));
  if (!found) return Fail(not_found);
  HP_TRY(
      change.Allow(action, {object_kind ? object_kind : kind, name, OwnerOf(*found)}, not_found));
  return std::move(*found);
}

Result<Customer> OwnerOf(StoreTxn& tx, const Resource& r) {
  HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(r.customer_id));
  if (!c) return Fail(Error::Internal("the owner of " + r.kind + " '" + r.name + "' vanished"));
  return std::move(*c);
}

Result<Customer> OwnerOf(StoreTxn& tx, const Site& s) {
  HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(s.customer_id));
  if (!c) return Fail(Error::Internal("the owner of '" + s.domain + "' vanished"));
  return std::move(*c);
}

Result<Plan> PlanOf(StoreTxn& tx, const Customer& c) {
  HP_ASSIGN_OR_RETURN(auto p, tx.plans().FindById(c.plan_id));
  if (!p) return Fail(Error::Internal("the plan of '" + c.login + "' vanished"));
  return std::move(*p);
}

Result<std::vector<Resource>> OfCustomer(StoreTxn& tx, const char* kind, int64_t customer_id) {
  ResourceFilter f;
  f.kind = kind;
  f.customer_id = customer_id;
  return tx.resources().List(Scope::All(), f);
}

Result<std::vector<Resource>> Children(StoreTxn& tx, const char* kind, const std::string& parent) {
  ResourceFilter f;
  f.kind = kind;
  f.parent = parent;
  return tx.resources().List(Scope::All(), f);
}

Status CheckLimit(StoreTxn& tx, const Customer& c, const char* kind, const Limit& limit,
                  const std::string& field, const char* code, const char* what) {
  if (!limit) return Ok();
  HP_TRY(HoldUsage(tx, c));
  HP_ASSIGN_OR_RETURN(int64_t count, tx.resources().Count(kind, c.id));
  if (count < *limit) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{field, code}},
                         "the plan allows " + std::to_string(*limit) + " " + what));
}

Result<Resource> InsertAudited(ChangeContext& change, std::string_view action,
                               const std::string& object, const Resource& r) {
  HP_ASSIGN_OR_RETURN(Resource stored, change.tx().resources().Insert(r));
  HP_TRY(change.Audit(action, object, nullptr, ToJson(stored), stored.customer_id));
  return stored;
}

}  // namespace hostplane::controller
