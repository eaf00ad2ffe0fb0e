#pragma once

// Scopes of API tokens: "admin", or "<area>:read" / "<area>:write" for one area of the API
// (sites, mail, dns, ...). A write scope includes reading the same area; "admin" includes every
// scope. A scope only narrows what a token may do: can(actor, action, object) still decides for
// the token's user, so a token never has more rights than its user. Pure functions; any thread.
//
// The list of areas is here (kScopeAreas) until the integration step ties each route of
// api/openapi.json to the scope it requires.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::auth {

enum class Access { kRead, kWrite };

// The areas a scope may name.
const std::vector<std::string>& ScopeAreas();

// Checks and canonicalises a scope list (sorted, no duplicates). Errors: kInvalid with field
// "scopes[i]" and scope.invalid (not admin or area:read|write), scope.unknown_area,
// scope.duplicate; field "scopes" and scope.empty when the list is empty.
[[nodiscard]] Result<std::vector<std::string>> CheckScopes(const std::vector<std::string>& scopes);

// Whether a (checked) scope list allows `access` to `area`.
bool ScopesAllow(const std::vector<std::string>& scopes, std::string_view area, Access access);

}  // namespace hostplane::auth
