#pragma once

// "Log in as" (issue 14): who may act for whom, and the actor a request gets while it does.
// Staff act for anyone below them (admin > support > reseller > customer > customer's user), a
// reseller for its own customers and their users; never upward, never sideways (one's own rank),
// never oneself, and a customer or a customer's user for nobody. A target the person may not see
// answers exactly as an unknown login (404 user.not_found). The check is asked when acting begins
// and again on every request of the session (the rights as they are now: a customer moved to
// another owner ends its old reseller's acting at once).
//
// While acting, the actor is the target's (ActorOf) with the person attached
// (Actor::acting_person): the Authorizer allows only what both may, and the audit log names both
// ("user:ann as user:bob"). Stateless.

#include <cstdint>

#include "common/result.h"
#include "controller/services/actor.h"
#include "controller/services/authorizer.h"
#include "controller/store/entities.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// The owner chain a login is judged by: a customer's login or user by its customer (and the
// customer's reseller, read now), a reseller's login by its reseller, staff by none.
// Errors: the store's; kInternal when the customer of a customer's login is gone.
Result<Owner> LoginOwnerChain(StoreTxn& tx, const User& u);

// Ok when `person` may act as `target`, whose owner chain is `owner` (LoginOwnerChain). Errors,
// each on field "login": kForbidden acting_as.not_allowed (a customer, a customer's user, a company
// token, an actor already acting), kNotFound user.not_found (a login the person may not see),
// kInvalid acting_as.self, kForbidden acting_as.upward / acting_as.sideways.
[[nodiscard]] Status MayActAs(const Actor& person, const User& target, const Owner& owner);

// The actor of a request that `person` makes as `target` until `until_ms`.
Actor ActingActor(const Actor& person, const User& target, int64_t until_ms);

}  // namespace hostplane::controller
