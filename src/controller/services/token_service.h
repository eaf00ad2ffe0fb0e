#pragma once

// A login's own API tokens, self-service (issue 14): list, create (the secret shown once, only
// its hash stored) and revoke. A token belongs to the person who asks (Actor::Person(): while
// acting for someone, one's own, never the target's); a company token (no user) manages the
// company's tokens. Scopes are never wider than the caller's: a token may only mint a token
// whose every scope its own scopes and its user's role allow (the Authorizer decides, with the
// token's scopes). Someone else's token answers exactly as a missing one (404).
//
// Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/services/change_runner.h"

namespace hostplane::controller {

struct TokenInput {
  std::string name;                 // 1-64 bytes of printable UTF-8
  std::vector<std::string> scopes;  // "admin", "<area>:read", "<area>:write"
  int64_t expires_in_days = 90;     // 1 .. kMaxTokenDays
};

struct CreatedToken {
  std::string secret;  // "hp_...": shown once
  ApiToken token;
};

inline constexpr int64_t kMaxTokenDays = 5 * 366;

class TokenService {
 public:
  TokenService(Store& store, ChangeRunner& runner, const Clock& clock)
      : store_(store), runner_(runner), clock_(clock) {}

  // The caller's own tokens, oldest first, a page. Errors: kForbidden (token.list not allowed:
  // a token without tokens:read).
  Result<std::vector<ApiToken>> List(const Actor& actor, const Page& page);
  // Errors: kInvalid with "name" name.invalid, "scopes" scopes.empty, "scopes[i]"
  // scopes.unknown / scopes.duplicate / scopes.too_wide (more than the caller may do),
  // "expires_in_days" expires_in_days.out_of_range; kForbidden (token.create not allowed).
  Result<Change<CreatedToken>> Create(const Actor& actor, const TokenInput& in);
  // Errors: kNotFound {"id": "token.not_found"} for a token that is not the caller's.
  Result<Change<ApiToken>> Revoke(const Actor& actor, int64_t id);

  // Whether actor (with its scopes) may do anything a token scope grants: "admin" needs the
  // caller's own rights unnarrowed (a session) or a token with "admin"; "<area>:<access>" needs
  // at least one action of that area and access that the actor may do on its own objects.
  static bool MayGrant(const Authorizer& authz, const Actor& actor, const std::string& scope);

 private:
  Store& store_;
  ChangeRunner& runner_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
