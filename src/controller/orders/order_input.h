#pragma once

// The order form's fields, checked on the server (issue 21): every field with its grammar
// (protocol/validate.h for domain, login, e-mail, names and free text; ICU's list for the
// country), all violations at once, each with a code per field path and a sentence, so the form
// can mark every wrong field in one answer. Nothing is stored before this passes.
//
// Fields (JSON strings): plan, contact.name, contact.email, contact.phone (optional, E.164),
// login, domain, billing.name, billing.street, billing.postcode, billing.city, billing.country,
// tos_version (must be the configured current version), payment.token, and the honeypot
// "website" (a field people never see; its value is not an error here but a screening reason,
// so a bot learns nothing from the answer). Unknown fields are refused (field.unknown), a
// non-string is field.type, a missing required one field.required.
// Pure functions; any thread.

#include <string>

#include "common/result.h"
#include "controller/orders/order.h"

namespace hostplane::controller {

struct CheckedOrder {
  OrderRequest request;
  bool honeypot_filled = false;
};

// Errors: kInvalid with every field's code ("domain": "domain.label_too_long",
// "billing.country": "country.unknown", "tos_version": "tos.outdated", ...).
Result<CheckedOrder> CheckOrderRequest(const nlohmann::json& body,
                                       const std::string& current_tos_version);

}  // namespace hostplane::controller
