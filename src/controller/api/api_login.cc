// The login doors of the REST API (issue 14): a password login that answers with a session
// cookie (POST /sessions, the path of the panel's contract in web/src/api/session.ts) or an API
// token (POST /login/token, what `hostplane login` asks for),
// logout, the caller's own sessions, and the caller's own password. Every password hash runs on
// the LoginDoors' hashing gate; the request's worker is given back while it runs (the answer is
// a wait, woken when the gate's job is done), and a full gate answers 503 with Retry-After.
//
// No enumeration: an unknown name, a wrong password and a throttled pair get one body (401, or
// 429 with Retry-After when throttled). Each failure and each throttled attempt is in the audit
// log under the name as typed.

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/crypto.h"
#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/gate_wait.h"
#include "controller/api/request_body.h"
#include "controller/api/reset_mails.h"
#include "controller/auth/csrf.h"
#include "controller/auth/secret_token.h"
#include "controller/auth/token_scopes.h"
#include "controller/store/people_json.h"

namespace hostplane::controller {

using api::AnswerWhenDone;
using api::Busy;
using api::Pending;
using api::QueryReader;
using api::Reply;
using api::RequireBrowserSession;
using api::RequireNotActing;
using api::RequireScope;

namespace {

using api::kGateWait;
// The most of a typed login name the audit log keeps.
constexpr size_t kAuditNameBytes = 100;

const char* const kRefusedMessage =
    "The login name or password is not right, or there were too many attempts from here; wait "
    "and try again.";

// The one answer of an unknown name, a wrong password and a throttled pair: the same body, 401,
// or 429 with Retry-After when throttled.
ApiReply Refused(std::chrono::seconds retry_after) {
  ApiReply r =
      Reply(retry_after.count() > 0 ? 429 : 401, {{"error",
                                                   {{"code", "unauthorized"},
                                                    {"message", kRefusedMessage},
                                                    {"fields", {{"login", "login.refused"}}}}}});
  if (retry_after.count() > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  }
  return r;
}

std::string ForAudit(std::string_view typed) {
  return std::string(typed.substr(0, kAuditNameBytes));
}

json SessionJson(const auth::SessionRecord& s, bool current) {
  return {{"id", s.id_hash},
          {"created_at", FormatTimestamp(s.created_at_ms)},
          {"last_seen", FormatTimestamp(s.last_seen_ms)},
          {"expires_at", FormatTimestamp(s.expires_at_ms)},
          {"source", s.source},
          {"user_agent", s.user_agent},
          {"current", current}};
}

std::optional<std::string> HeaderOf(const http::HttpRequest& req, const char* name) {
  std::string v = req.get_header_value(name);
  if (v.empty()) return std::nullopt;
  return v;
}

}  // namespace

// The session of the panel's contract (web/src/api/session.ts): who is signed in, whom they act
// as (null, or {login, name, role, until}), the CSRF token to send back, and the session's handle
// and times (the same as in GET /sessions).
json ApiServer::SessionContractJson(const User& u, const std::string& csrf_token,
                                    const auth::SessionRecord& s, json acting_as) {
  json out = SessionJson(s, true);
  out["person"] = {{"login", u.login}, {"name", u.name}, {"role", u.role}};
  out["acting_as"] = std::move(acting_as);
  out["csrf_token"] = csrf_token;
  return out;
}

// What a password login asked for, kept for its answer.
struct ApiServer::LoginAsked {
  std::string login;  // as typed
  std::optional<std::string> totp;
  std::string source;  // the client's address
  std::string user_agent;
  bool want_token = false;
  std::string token_name;
};

Result<ApiReply> ApiServer::Login(const ApiCall& call) { return PasswordLoginReply(call, false); }

Result<ApiReply> ApiServer::LoginForToken(const ApiCall& call) {
  return PasswordLoginReply(call, true);
}

Result<ApiReply> ApiServer::PasswordLoginReply(const ApiCall& call, bool want_token) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto login = r.String("login", Presence::kRequired);
  auto password = r.String("password", Presence::kRequired);
  auto totp = r.String("totp", Presence::kOptional);
  std::optional<std::string> name;
  if (want_token) name = r.String("name", Presence::kOptional);
  HP_TRY(r.Finish());
  // A browser always states where a login comes from: only the configured origin may log in
  // (login CSRF). Clients that state nothing (the CLI, scripts) may.
  auto origin = HeaderOf(call.req, "Origin");
  auto referer = HeaderOf(call.req, "Referer");
  if (origin || referer) {
    HP_TRY(auth::CheckRequestOrigin(call.req.method, origin, referer,
                                    doors_->AllowedOrigins(options_.bind, port())));
  }
  auto asked = std::make_shared<LoginAsked>();
  asked->login = *login;
  asked->totp = totp;
  asked->source = call.req.remote_address;
  asked->user_agent = call.req.get_header_value("User-Agent").substr(0, 200);
  asked->want_token = want_token;
  asked->token_name = name.value_or("cli");
  if (asked->token_name.empty() || asked->token_name.size() > 64) {
    return Fail(Error::InvalidField("name", "token.name_invalid",
                                    "A token's name has 1 to 64 characters."));
  }

  auto pending = std::make_shared<Pending<Result<auth::LoginOutcome>>>();
  http::HttpServer* server = server_.get();
  doors_->login().Attempt(*login, std::move(*password), asked->source,
                          [pending, server](Result<auth::LoginOutcome> outcome) {
                            pending->Set(std::move(outcome));
                            server->Wake();
                          });
  return AnswerWhenDone(pending, clock_.Steady() + kGateWait,
                        [this, asked](Result<auth::LoginOutcome> outcome) {
                          return FinishLogin(*asked, std::move(outcome));
                        });
}

Result<ApiReply> ApiServer::FinishLogin(const LoginAsked& asked,
                                        Result<auth::LoginOutcome> outcome) {
  if (!outcome) {
    if (outcome.error().code == ErrorCode::kUnavailable) return Busy();
    return Fail(outcome.error());
  }
  const auth::LoginOutcome& o = *outcome;
  const std::string typed = "login:" + ForAudit(asked.login);
  switch (o.result) {
    case auth::LoginResult::kBusy:
      return Busy();
    case auth::LoginResult::kThrottled:
      AuditLogin(
          typed, "login.throttled", typed,
          {{"source", asked.source},
           {"retry_after_s", o.retry_after.count()},
           {"scope",
            o.throttle_scope == auth::ThrottleScope::kSource ? "source" : "name_from_source"}});
      return Refused(o.retry_after);
    case auth::LoginResult::kRefused:
      AuditLogin(typed, "login.failed", typed,
                 {{"source", asked.source},
                  {"throttle_began", o.throttle_scope != auth::ThrottleScope::kNone}});
      if (o.notify_owner) {
        // After the answer (its time tells nothing), on the doors' background queue.
        if (!doors_->background().TryPost([this, id = o.notify_user_id, source = asked.source] {
              if (auto s = SendLockoutNotice(id, source); !s) {
                spdlog::warn("login: the lockout notice to user id {} failed: {}", id,
                             s.error().message);
              }
            })) {
          spdlog::warn("login: no lockout notice to user id {}: the queue is full",
                       o.notify_user_id);
        }
      }
      return Refused(std::chrono::seconds(0));
    case auth::LoginResult::kAccepted:
      break;
  }
  auto id = protocol::CheckInteger(o.user_id, 1, INT64_MAX);
  if (!id) return Fail(Error::Internal("a credential with a malformed user id"));
  HP_ASSIGN_OR_RETURN(auto user,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(*id); }));
  if (!user) return Refused(std::chrono::seconds(0));  // deleted while its password was checked
  if (o.new_hash) {
    // Parameters changed since the hash was made: the new one, unless the password changed.
    const std::string old_hash = user->password_hash;
    auto rehashed = store_.Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(auto now, tx.users().FindById(*id));
      if (!now || now->password_hash != old_hash) return Ok();
      now->password_hash = *o.new_hash;
      return tx.users().Update(*now);
    });
    if (!rehashed) spdlog::warn("login: storing a rehash failed: {}", rehashed.error().message);
  }
  if (!user->totp_secret.empty()) {
    if (!asked.totp || asked.totp->empty()) {
      return Fail(Error{ErrorCode::kUnauthorized,
                        "This login has a second factor: give the current code of its "
                        "authenticator app, or one of its recovery codes, as \"totp\".",
                        {{"totp", "totp.required"}}});
    }
    Status second = CheckSecondFactor(*user, *asked.totp, "totp", asked.source);
    if (!second) {
      if (second.error().code == ErrorCode::kUnauthorized) {
        AuditLogin(typed, "login.failed", typed,
                   {{"source", asked.source}, {"second_factor", true}});
      }
      return Fail(second.error());
    }
  }
  const Actor actor = ActorOf(*user);
  if (asked.want_token) {
    const std::string secret = NewApiToken();
    ApiToken t;
    t.name = asked.token_name;
    t.role = user->role;
    t.user_id = user->id;
    t.scopes = {"admin"};  // everything its user may do, never more
    t.expires_at = clock_.NowMillis() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                            doors_->options().cli_token_lifetime)
                                            .count();
    HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
      HP_TRY(tx.tokens().Insert(t, HashApiToken(secret)));
      HP_TRY(
          tx.audit().Append({actor.AuditName(), "token.login", "user:" + user->login, nullptr,
                             json{{"name", t.name}, {"source", asked.source}}, user->customer_id}));
      return Ok();
    }));
    ApiReply r = Reply(201, {{"token", secret},
                             {"name", t.name},
                             {"expires_at", FormatTimestamp(*t.expires_at)},
                             {"user", ToJson(*user)}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  // Always a new id, made here (auth/sessions.h): a cookie the client brought is never adopted.
  HP_ASSIGN_OR_RETURN(auto started, doors_->sessions().Start(o.user_id, auth::SessionStage::kFull,
                                                             asked.source, asked.user_agent));
  AuditLogin(actor.AuditName(), "login", "user:" + user->login, {{"source", asked.source}});
  ApiReply r = Reply(
      201, {{"session", SessionContractJson(*user, started.csrf_token, started.record, nullptr)}});
  r.headers.emplace_back("Set-Cookie", doors_->sessions().SetCookie(started.token));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Status ApiServer::SendLockoutNotice(const std::string& user_id, const std::string& source) {
  auto id = protocol::CheckInteger(user_id, 1, INT64_MAX);
  if (!id) return Fail(Error::Internal("a lockout of a malformed user id"));
  const LoginOptions& o = doors_->options();
  const int64_t now = clock_.NowMillis();
  bool mailed = false;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto user, tx.users().FindById(*id));
    if (!user || user->email.empty()) return Ok();
    HP_ASSIGN_OR_RETURN(auto mail, LockoutNotice(o, *user, source, o.throttle.pair_failures,
                                                 o.throttle.window, now));
    HP_TRY(tx.outbox().Enqueue(mail));
    HP_TRY(tx.audit().Append({"controller", "login.lockout_notice", "user:" + user->login, nullptr,
                              json{{"source", source}}, user->customer_id}));
    mailed = true;
    return Ok();
  }));
  if (mailed && options_.mail_wake) options_.mail_wake();
  return Ok();
}

void ApiServer::AuditLogin(const std::string& actor, const std::string& action,
                           const std::string& object, const Json& after) {
  auto written = store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(tx.audit().Append({actor, action, object, nullptr, after, std::nullopt}));
    return Ok();
  });
  if (!written) spdlog::warn("login: writing the audit entry failed: {}", written.error().message);
}

Result<ApiReply> ApiServer::CurrentSession(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireBrowserSession(call));
  const Actor& person = call.actor.Person();
  if (!person.user_id) return Fail(Error::Unauthorized("The session has no login."));
  const int64_t user_id = *person.user_id;
  HP_ASSIGN_OR_RETURN(auto user,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(user_id); }));
  if (!user) return Fail(Error::Unauthorized("The login of this session no longer exists."));
  const std::string id = auth::HashSecret(call.session_token);
  HP_ASSIGN_OR_RETURN(auto sessions, doors_->sessions().List(std::to_string(user_id)));
  for (const auto& s : sessions) {
    if (s.id_hash != id) continue;
    HP_ASSIGN_OR_RETURN(json acting, ActingAsJson(call.actor));
    ApiReply r =
        Reply(200, {{"session", SessionContractJson(*user, auth::CsrfTokenFor(call.session_token),
                                                    s, std::move(acting))}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  return Fail(Error::Unauthorized("The session has ended."));
}

Result<ApiReply> ApiServer::EndCurrentSession(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireBrowserSession(call));
  HP_TRY(doors_->sessions().End(call.session_token));
  AuditLogin(call.actor.AuditName(), "logout", call.actor.name, nullptr);
  ApiReply r;
  r.status = 204;
  r.raw = "";
  r.headers.emplace_back("Set-Cookie", doors_->sessions().ClearCookie());
  return r;
}

Result<ApiReply> ApiServer::ListSessions(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireScope(call.actor, "tokens", auth::Access::kRead));
  json list = json::array();
  const Actor& person = call.actor.Person();  // one's own sessions, also while acting
  if (person.user_id) {                       // a company token has no login, hence no sessions
    HP_ASSIGN_OR_RETURN(auto sessions, doors_->sessions().List(std::to_string(*person.user_id)));
    const std::string current =
        call.session_token.empty() ? "" : auth::HashSecret(call.session_token);
    for (const auto& s : sessions) list.push_back(SessionJson(s, s.id_hash == current));
  }
  return Reply(200, {{"sessions", std::move(list)}});
}

Result<ApiReply> ApiServer::RevokeSession(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireScope(call.actor, "tokens", auth::Access::kWrite));
  const std::string& id = call.path.at("id");
  const Actor& person = call.actor.Person();
  if (!person.user_id) return Fail(Error::NotFound("No such session."));
  HP_TRY(doors_->sessions().Revoke(std::to_string(*person.user_id), id));
  AuditLogin(call.actor.AuditName(), "session.revoke", call.actor.name, nullptr);
  ApiReply r = Reply(200, {{"revoked", id}});
  if (!call.session_token.empty() && auth::HashSecret(call.session_token) == id) {
    r.headers.emplace_back("Set-Cookie", doors_->sessions().ClearCookie());
  }
  return r;
}

Result<ApiReply> ApiServer::ChangePassword(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto current = r.String("current_password", Presence::kRequired);
  auto next = r.String("new_password", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_TRY(RequireScope(call.actor, "users", auth::Access::kWrite));
  HP_TRY(RequireNotActing(call.actor));
  if (!call.actor.user_id) {
    return Fail(Error::InvalidField("user", "user.none",
                                    "A company token belongs to no login: it has no password."));
  }
  const int64_t user_id = *call.actor.user_id;
  HP_ASSIGN_OR_RETURN(auto user,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(user_id); }));
  if (!user) return Fail(Error::Unauthorized("The login of this request no longer exists."));
  // Guessing the current password through this route is throttled like a login.
  const std::string source = call.req.remote_address;
  HP_ASSIGN_OR_RETURN(auto decision, doors_->throttle().Check(user->login, source));
  if (decision.throttled()) return Refused(decision.retry_after);

  // On the gate: the current password checked, then the new one hashed (the policy applies).
  struct Checked {
    bool mismatch = false;
    Result<std::string> new_hash = Fail(Error::Internal("not run"));
  };
  auto pending = std::make_shared<Pending<Checked>>();
  http::HttpServer* server = server_.get();
  auth::HashingGate& gate = doors_->gate();
  auto run = [pending, server, &gate, stored = user->password_hash, now = *current,
              wanted = *next] {
    Checked out;
    auto check = stored.empty() ? Result<auth::PasswordCheck>(auth::PasswordCheck::kMismatch)
                                : gate.hasher().Verify(stored, now);
    if (!check) {
      out.new_hash = Fail(check.error());
    } else if (*check == auth::PasswordCheck::kMismatch) {
      out.mismatch = true;
    } else {
      out.new_hash = gate.hasher().Hash(wanted, "new_password");
    }
    pending->Set(std::move(out));
    server->Wake();
  };
  auto abandon = [pending, server] {
    Checked out;
    out.new_hash = Fail(Error::Unavailable("the hashing gate is stopping"));
    pending->Set(std::move(out));
    server->Wake();
  };
  if (!gate.Submit(std::move(run), std::move(abandon))) return Busy();

  const std::string keep = call.session_token;
  const Actor actor = call.actor;
  const std::string login = user->login;
  const std::string old_hash = user->password_hash;
  return AnswerWhenDone(
      pending, clock_.Steady() + kGateWait,
      [this, keep, actor, login, old_hash, source, user_id](Checked checked) -> Result<ApiReply> {
        if (checked.mismatch) {
          auto recorded = doors_->throttle().RecordFailure(login, source);
          if (!recorded)
            spdlog::warn("password: recording a failure: {}", recorded.error().message);
          AuditLogin(actor.AuditName(), "password.change_refused", "user:" + login,
                     {{"source", source}});
          return Fail(Error{ErrorCode::kForbidden,
                            "The current password is not right.",
                            {{"current_password", "password.mismatch"}}});
        }
        if (!checked.new_hash) {
          if (checked.new_hash.error().code == ErrorCode::kUnavailable) return Busy();
          return Fail(checked.new_hash.error());
        }
        HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
          HP_ASSIGN_OR_RETURN(auto now, tx.users().FindById(user_id));
          if (!now) return Fail(Error::Unauthorized("The login no longer exists."));
          if (now->password_hash != old_hash) {
            return Fail(Error::Conflict("The password changed meanwhile; try again."));
          }
          now->password_hash = *checked.new_hash;
          HP_TRY(tx.users().Update(*now));
          HP_TRY(tx.audit().Append({actor.AuditName(), "password.change", "user:" + login, nullptr,
                                    json{{"source", source}}, now->customer_id}));
          return Ok();
        }));
        // Every other session of the login ends; the one that made the change stays.
        std::optional<std::string_view> kept;
        if (!keep.empty()) kept = keep;
        HP_ASSIGN_OR_RETURN(int ended,
                            doors_->sessions().EndAllForUser(std::to_string(user_id), kept));
        return Reply(200, {{"password_changed", true}, {"sessions_ended", ended}});
      });
}

}  // namespace hostplane::controller
