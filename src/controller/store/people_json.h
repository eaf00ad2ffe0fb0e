#pragma once

// The JSON form of the people entities (issue 14: resellers, users), as the REST API returns them
// and the audit log records them, beside entity_json.h's encoders and in the same conventions: one
// encoder per entity, no secrets (a login's password hash never), ISO 8601 UTC timestamps,
// limits as a number or {"unlimited": true}. Pure functions; any thread.

#include "controller/store/entities.h"

namespace hostplane::controller {

// {"id", "login", "name", "email", "status", "limits": {"customers", "sites"}, "overselling",
// "created_at", "updated_at"}: the names POST /api/v1/resellers takes.
Json ToJson(const Reseller& r);
// {"id", "login", "name", "email", "role", "customer_id", "reseller_id", "full_access", "sites",
// "mail_domains" (a limited user's grants), "second_factor" (whether TOTP is enrolled),
// "created_at", "updated_at"}; never the password hash or the TOTP secret.
Json ToJson(const User& u);

}  // namespace hostplane::controller
