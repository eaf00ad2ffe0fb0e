#include "controller/services/token_service.h"

#include <algorithm>
#include <utility>

#include "common/crypto.h"
#include "controller/auth/token_scopes.h"
#include "controller/services/service_support.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

std::string TokenObject(int64_t id) { return "token:" + std::to_string(id); }

// A token's owner chain is its user's: the person's own.
Owner OwnerOfPerson(const Actor& person) { return {person.customer_id, person.reseller_id}; }

Error MissingToken(int64_t id) { return NotFoundField("id", "token", std::to_string(id)); }

}  // namespace

bool TokenService::MayGrant(const Authorizer& authz, const Actor& actor, const std::string& scope) {
  if (scope == "admin") {
    return !actor.scopes ||
           std::find(actor.scopes->begin(), actor.scopes->end(), "admin") != actor.scopes->end();
  }
  const size_t colon = scope.find(':');
  if (colon == std::string::npos) return false;
  const std::string_view area(scope.data(), colon);
  const bool write = scope.compare(colon + 1, std::string::npos, "write") == 0;
  const Owner own = OwnerOfPerson(actor);
  std::vector<AuthTarget> targets = {{"collection", "", {}}, {"thing", "x", own}};
  // A limited user acts only on what it was granted.
  for (const UserGrant& g : actor.grants) {
    targets.push_back({g.kind == "site" ? "site" : "maildomain", g.name, own});
  }
  for (int i = 0; i <= static_cast<int>(kLastState<Action>); ++i) {
    const auto action = static_cast<Action>(i);
    const ScopeNeed need = ScopeNeeded(action);
    if (need.area != area || need.write != write) continue;
    for (const AuthTarget& t : targets) {
      if (authz.Can(actor, action, t)) return true;
    }
  }
  return false;
}

Result<std::vector<ApiToken>> TokenService::List(const Actor& actor, const Page& page) {
  const Actor& person = actor.Person();
  HP_TRY(runner_.authorizer().AllowCollection(person, Action::kTokenList, "tokens"));
  // The query is scoped to the login's own tokens (a few); the page is cut from them.
  HP_ASSIGN_OR_RETURN(
      auto own, store_.Read([&](StoreTxn& tx) { return tx.tokens().ListOfUser(person.user_id); }));
  std::vector<ApiToken> out;
  for (ApiToken& t : own) {
    if (t.id <= page.after_id) continue;
    if (static_cast<int>(out.size()) >= page.limit) break;
    out.push_back(std::move(t));
  }
  return out;
}

Result<Change<CreatedToken>> TokenService::Create(const Actor& actor, const TokenInput& in) {
  const Actor& person = actor.Person();
  const Authorizer& authz = runner_.authorizer();
  HP_TRY(authz.AllowCollection(person, Action::kTokenCreate, "tokens"));
  protocol::FieldErrors errors;
  auto name = protocol::CheckText(in.name, 64, false, "name");
  if (!name) {
    errors.Add("name", {"name.invalid", "A token's name is 1-64 bytes of printable text."});
  }
  if (in.scopes.empty()) {
    errors.Add("scopes", {"scopes.empty", "A token needs at least one scope."});
  }
  std::vector<std::string> scopes;
  for (size_t i = 0; i < in.scopes.size(); ++i) {
    const std::string& s = in.scopes[i];
    const std::string field = "scopes[" + std::to_string(i) + "]";
    if (!auth::CheckScopes({s})) {
      errors.Add(field, {"scopes.unknown",
                         "A scope is \"admin\" or \"<area>:read\" / \"<area>:write\" for an area "
                         "of the API."});
    } else if (std::find(scopes.begin(), scopes.end(), s) != scopes.end()) {
      errors.Add(field, {"scopes.duplicate", "The scope is listed twice."});
    } else if (!MayGrant(authz, person, s)) {
      errors.Add(field, {"scopes.too_wide",
                         "A token never has more rights than whoever makes it: you may not do "
                         "what this scope allows."});
    } else {
      scopes.push_back(s);
    }
  }
  if (in.expires_in_days < 1 || in.expires_in_days > kMaxTokenDays) {
    errors.Add("expires_in_days",
               {"expires_in_days.out_of_range",
                "A token expires after 1 to " + std::to_string(kMaxTokenDays) + " days."});
  }
  if (!errors.empty()) return Fail(errors.ToError());
  std::sort(scopes.begin(), scopes.end());
  ApiToken t;
  t.name = *name;
  t.role = person.user_id ? std::string(Name(person.role)) : std::string("admin");
  t.user_id = person.user_id;
  t.scopes = std::move(scopes);
  t.expires_at = clock_.NowMillis() + in.expires_in_days * kDayMs;
  const std::string secret = NewApiToken();
  return runner_.Run(actor, "token.create", [&](ChangeContext& change) -> Result<CreatedToken> {
    HP_ASSIGN_OR_RETURN(ApiToken stored, change.tx().tokens().Insert(t, HashApiToken(secret)));
    HP_TRY(change.Audit("token.create", TokenObject(stored.id), nullptr, ToJson(stored),
                        person.customer_id));
    return CreatedToken{secret, std::move(stored)};
  });
}

Result<Change<ApiToken>> TokenService::Revoke(const Actor& actor, int64_t id) {
  const Actor& person = actor.Person();
  return runner_.Run(actor, "token.revoke", [&](ChangeContext& change) -> Result<ApiToken> {
    StoreTxn& tx = change.tx();
    HP_ASSIGN_OR_RETURN(auto own, tx.tokens().ListOfUser(person.user_id));
    auto found =
        std::find_if(own.begin(), own.end(), [&](const ApiToken& t) { return t.id == id; });
    if (found == own.end()) return Fail(MissingToken(id));
    HP_TRY(runner_.authorizer().Allow(person, Action::kTokenRevoke,
                                      {"token", TokenObject(id), OwnerOfPerson(person)},
                                      MissingToken(id)));
    HP_TRY(tx.tokens().Delete(person.user_id, id));
    HP_TRY(
        change.Audit("token.revoke", TokenObject(id), ToJson(*found), nullptr, person.customer_id));
    return std::move(*found);
  });
}

}  // namespace hostplane::controller
