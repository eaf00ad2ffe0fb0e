#pragma once

// The JSON form of each store entity, as the REST API returns it and the audit log records it.
// One encoder per entity. Secrets (password hashes, token hashes) are never included.
// Timestamps are ISO 8601 UTC strings (FormatTimestamp); absent optionals are null; limits are
// {"unlimited": true} or a number.

#include "controller/store/entities.h"

namespace hostplane::controller {

Json ToJson(const Plan& p);
Json ToJson(const Customer& c);
Json ToJson(const Site& s);
Json ToJson(const Node& n);
// Kind-specific data is flattened in; password hashes are never shown.
Json ToJson(const Resource& r);
Json ToJson(const TaskRecord& t);
Json ToJson(const AuditEntry& a);
Json ToJson(const ApiToken& t);

}  // namespace hostplane::controller
