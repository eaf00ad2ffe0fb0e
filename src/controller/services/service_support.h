#pragma once

// What the services share: the kinds of Resource rows, the object keys of tasks and audit entries,
// the errors every service answers with, and the loads every operation starts with. Not part of
// the controller's interface.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "controller/services/change_context.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// The kinds of Resource rows (entities.h).
namespace kinds {
inline constexpr const char* kMailDomain = "maildomain";
inline constexpr const char* kMailbox = "mailbox";
inline constexpr const char* kForwarder = "forwarder";
inline constexpr const char* kZone = "zone";
inline constexpr const char* kRecord = "record";
inline constexpr const char* kFtpUser = "ftpuser";
inline constexpr const char* kDatabase = "database";
inline constexpr const char* kCert = "cert";
}  // namespace kinds

// A task's object key and an audit object: "<kind>:<name>".
inline std::string ObjectKey(std::string_view kind, const std::string& name) {
  return std::string(kind) + ":" + name;
}
inline std::string SiteObject(const std::string& domain) { return "site:" + domain; }
inline std::string CustomerObject(const std::string& login) { return "customer:" + login; }
inline std::string AccountObject(const std::string& login) { return "account:" + login; }
inline std::string NodeObject(const std::string& name) { return "node:" + name; }
inline std::string PlanObject(const std::string& name) { return "plan:" + name; }

// An error about named fields with a code other than kInvalid (taken, over a limit, ...).
Error FieldError(ErrorCode code, std::map<std::string, std::string> fields, std::string message);
// "<what> '<name>' not found"
std::string NotFoundMessage(std::string_view what, const std::string& name);
Error NotFound(std::string_view what, const std::string& name);
// kNotFound with {field: "<what>.not_found"}.
Error NotFoundField(const std::string& field, std::string_view what, const std::string& name);

// Loads the customer and checks that the change's actor may do action on it. not_found answers
// both a missing customer and one the actor may not see.
Result<Customer> LoadCustomer(ChangeContext& change, const std::string& login, Action action,
                              const Error& not_found);
// The same for the customer a new object is made for: kNotFound {"customer": "customer.not_found"}.
Result<Customer> LoadOwnerFor(ChangeContext& change, const std::string& login, Action action);
// Loads the resource row of kind and name and checks that the change's actor may do action on it
// (asked as object_kind, the kind the actor knows it by). not_found answers both a missing row and
// one the actor may not see.
Result<Resource> LoadResource(ChangeContext& change, const char* kind, const std::string& name,
                              Action action, const Error& not_found,
                              const char* object_kind = nullptr);

// Reads inside a transaction; a row the caller needs that is gone is kInternal.
Result<Customer> OwnerOf(StoreTxn& tx, const Resource& r);
Result<Customer> OwnerOf(StoreTxn& tx, const Site& s);
Result<Plan> PlanOf(StoreTxn& tx, const Customer& c);
// The customer's resources of one kind, oldest first.
Result<std::vector<Resource>> OfCustomer(StoreTxn& tx, const char* kind, int64_t customer_id);
// The rows of kind under parent (a mail domain's addresses, a zone's records).
Result<std::vector<Resource>> Children(StoreTxn& tx, const char* kind, const std::string& parent);

// kLimit {field: code} when the customer already has `limit` or more rows of kind.
[[nodiscard]] Status CheckLimit(StoreTxn& tx, const Customer& c, const char* kind,
                                const Limit& limit, const std::string& field, const char* code,
                                const char* what);
// Inserts r and the audit entry of action on object; the change's tasks are the caller's to add.
Result<Resource> InsertAudited(ChangeContext& change, std::string_view action,
                               const std::string& object, const Resource& r);

}  // namespace hostplane::controller
