// "Log in as" (issue 14): POST /sessions/current/acting-as {login} makes the browser session act
// as another login (services/acting_as.h says who may act for whom), DELETE ends it. Both give
// the session a new id (auth/sessions.h: a session whose rights change is never the old one) and
// answer the session of the panel's contract with its new CSRF token. The acting ends on its own
// after LoginOptions::acting_as_lifetime, or with the session. While it lasts every request of
// the session is the target's (ApiServer::AuthenticateSession), never more than the person may
// do, and the audit log names both ("user:ann as user:bob"); beginning and ending are audited
// under the person's name.

#include <chrono>
#include <string>

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"
#include "controller/auth/csrf.h"
#include "controller/auth/secret_token.h"
#include "controller/services/acting_as.h"

namespace hostplane::controller {

using api::QueryReader;
using api::Reply;
using api::RequireBrowserSession;

Result<nlohmann::json> ApiServer::ActingAsJson(const Actor& actor) {
  if (!actor.acting_person || !actor.user_id) return json(nullptr);
  const int64_t id = *actor.user_id;
  HP_ASSIGN_OR_RETURN(auto target,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(id); }));
  if (!target) return json(nullptr);
  return json{{"login", target->login},
              {"name", target->name},
              {"role", target->role},
              {"until", FormatTimestamp(actor.acting_until.value_or(0))}};
}

Result<ApiReply> ApiServer::StartActingAs(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto login = r.String("login", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_TRY(RequireBrowserSession(call));
  const Actor& person = call.actor;
  if (person.acting_person) {
    return Fail(Error{ErrorCode::kConflict,
                      "You already act as " + person.name + ": stop acting first.",
                      {{"session", "acting_as.active"}}});
  }
  std::optional<User> target;
  Owner owner;
  HP_TRY(store_.Read([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(target, tx.users().FindByLogin(*login));
    if (target) {
      HP_ASSIGN_OR_RETURN(owner, LoginOwnerChain(tx, *target));
    }
    return Ok();
  }));
  if (!target) {
    // Asked before the rules, and answered as they answer a login out of reach.
    if (Status allowed = MayActAs(person, User{}, Owner{});
        !allowed && allowed.error().code == ErrorCode::kForbidden) {
      return Fail(allowed.error());
    }
    return Fail(Error{ErrorCode::kNotFound,
                      "There is no login '" + *login + "'.",
                      {{"login", "user.not_found"}}});
  }
  HP_TRY(MayActAs(person, *target, owner));
  const int64_t until = clock_.NowMillis() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 doors_->options().acting_as_lifetime)
                                                 .count();
  HP_ASSIGN_OR_RETURN(auto started, doors_->sessions().ChangeActing(
                                        call.session_token, std::to_string(target->id), until));
  AuditLogin(person.AuditName(), "acting_as.start", "user:" + target->login,
             {{"until", FormatTimestamp(started.record.acting_until_ms)},
              {"source", call.req.remote_address}});
  const Actor acting = ActingActor(person, *target, started.record.acting_until_ms);
  HP_ASSIGN_OR_RETURN(json acting_json, ActingAsJson(acting));
  HP_ASSIGN_OR_RETURN(auto self, store_.Read([&](StoreTxn& tx) {
    return tx.users().FindById(person.user_id.value_or(0));
  }));
  if (!self) return Fail(Error::Unauthorized("The login of this session no longer exists."));
  ApiReply reply = Reply(
      200,
      {{"session", SessionContractJson(*self, started.csrf_token, started.record, acting_json)}});
  reply.headers.emplace_back("Set-Cookie", doors_->sessions().SetCookie(started.token));
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

Result<ApiReply> ApiServer::StopActingAs(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireBrowserSession(call));
  const Actor& person = call.actor.Person();
  if (!person.user_id) return Fail(Error::Unauthorized("The session has no login."));
  HP_ASSIGN_OR_RETURN(
      auto self, store_.Read([&](StoreTxn& tx) { return tx.users().FindById(*person.user_id); }));
  if (!self) return Fail(Error::Unauthorized("The login of this session no longer exists."));
  // Also when the acting already ended on its own: the session is made plainly one's own.
  HP_ASSIGN_OR_RETURN(auto started, doors_->sessions().ChangeActing(call.session_token, "", 0));
  if (call.actor.acting_person) {
    AuditLogin(person.AuditName(), "acting_as.stop", call.actor.name, nullptr);
  }
  ApiReply reply = Reply(
      200, {{"session", SessionContractJson(*self, started.csrf_token, started.record, nullptr)}});
  reply.headers.emplace_back("Set-Cookie", doors_->sessions().SetCookie(started.token));
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

}  // namespace hostplane::controller
