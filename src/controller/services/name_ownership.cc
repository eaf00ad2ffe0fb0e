#include "controller/services/name_ownership.h"

#include <map>
#include <optional>
#include <utility>

#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

// "shop.acme.example" -> {"acme.example"}: the parents a customer could hold (two labels or
// more), nearest first.
std::vector<std::string> Parents(const std::string& name) {
  std::vector<std::string> out;
  for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    std::string parent = name.substr(dot + 1);
    if (parent.find('.') == std::string::npos) break;
    out.push_back(std::move(parent));
  }
  return out;
}

// The first claim of another customer that conflicts with name, or nullopt.
Result<std::optional<NameClaim>> Conflict(StoreTxn& tx, int64_t customer_id,
                                          const std::string& name, ClaimReach reach) {
  auto here = tx.names().ForeignClaim(name, customer_id, /*below=*/reach == ClaimReach::kTree);
  if (!here || *here) return here;
  for (const std::string& parent : Parents(name)) {
    auto above = tx.names().ForeignClaim(parent, customer_id, /*below=*/false);
    if (!above || *above) return above;
  }
  return std::optional<NameClaim>();
}

Error FieldsError(ErrorCode code, std::map<std::string, std::string> fields, std::string message) {
  return Error{code, std::move(message), std::move(fields)};
}

}  // namespace

Status CheckNamesOwnable(StoreTxn& tx, int64_t customer_id, const std::vector<ClaimedName>& names,
                         const std::vector<std::string>& reserved, ClaimReach reach) {
  std::map<std::string, std::string> reserved_fields, owned_fields;
  std::string reserved_message, owned_message;
  for (const ClaimedName& claimed : names) {
    if (auto v = protocol::CheckReservedName(claimed.name, reserved)) {
      reserved_fields.emplace(claimed.field, v->code);
      if (reserved_message.empty()) reserved_message = v->message;
      continue;
    }
    HP_ASSIGN_OR_RETURN(auto conflict, Conflict(tx, customer_id, claimed.name, reach));
    if (!conflict) continue;
    owned_fields.emplace(claimed.field, "domain.owned_by_other_customer");
    if (owned_message.empty()) {
      // Only the conflicting name is said, never whose it is: another customer's identity is not
      // this caller's to learn.
      const std::string& other = (conflict)->name;
      if (other == claimed.name) {
        owned_message = "'" + claimed.name + "' belongs to another customer";
      } else {
        bool under = claimed.name.ends_with("." + other);
        owned_message = "'" + claimed.name + "' lies " + (under ? "under" : "above") + " '" +
                        other + "', which belongs to another customer";
      }
    }
  }
  if (!reserved_fields.empty()) {
    return Fail(FieldsError(ErrorCode::kInvalid, std::move(reserved_fields), reserved_message));
  }
  if (!owned_fields.empty()) {
    return Fail(FieldsError(ErrorCode::kConflict, std::move(owned_fields), owned_message));
  }
  return Ok();
}

}  // namespace hostplane::controller
