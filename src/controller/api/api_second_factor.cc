// The second factor of one's own login (issue 14): enrolment with a QR code (POST
// /second-factor → a pending secret; POST /second-factor/confirm with a code made from it → on,
// and ten recovery codes shown once), new recovery codes, turning it off with a code, and its
// state; and the reset of someone else's lost second factor (DELETE /users/{login}/second-factor,
// UserService::ResetSecondFactor: staff, a reseller for its customers, a customer for its users).
//
// A code is a TOTP code of the authenticator app or one of the recovery codes (either is accepted
// wherever a code is asked for, the login included): a TOTP step is accepted once per login
// (StoreTotpGuard, in the store), a recovery code once. Wrong codes count as login failures of
// the login (LoginThrottle), so six digits cannot be guessed through these routes either.

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"
#include "controller/auth/qr_code.h"
#include "controller/auth/recovery_codes.h"
#include "controller/auth/totp.h"
#include "controller/store/people_json.h"

namespace hostplane::controller {

using api::QueryReader;
using api::Reply;
using api::RequireScope;

namespace {

// How long an enrolment waits for its first code.
constexpr std::chrono::minutes kEnrolmentWindow{15};

const char* const kWrongCode =
    "The code is not right: give the current code of the authenticator app, or one of the "
    "recovery codes.";

Error WrongCode(const std::string& field) {
  return Error{ErrorCode::kUnauthorized, kWrongCode, {{field, "totp.invalid"}}};
}

// The login of the request (a company token has none: no second factor either).
Result<int64_t> OwnLogin(const Actor& actor) {
  HP_TRY(api::RequireNotActing(actor));
  if (actor.user_id) return *actor.user_id;
  return Fail(Error::InvalidField("user", "user.none",
                                  "A company token belongs to no login: it has no second factor."));
}

// The authenticator app's label: the base URL's host when one is configured.
std::string IssuerOf(const std::string& origin) {
  if (origin.empty()) return "hostplane";
  const size_t scheme = origin.find("://");
  return scheme == std::string::npos ? origin : origin.substr(scheme + 3);
}

}  // namespace

Status ApiServer::CheckSecondFactor(const User& u, const std::string& typed,
                                    const std::string& field, const std::string& source) {
  const std::string key = std::to_string(u.id);
  Status checked = Ok();
  bool recovery = !auth::NormaliseRecoveryCode(typed).empty();
  if (recovery) {
    checked = doors_->recovery_codes().Redeem(key, typed);
  } else {
    auto secret = auth::TotpSecretFromBase32(u.totp_secret);
    checked = secret ? doors_->totp().Verify(key, *secret, typed) : Status(Fail(secret.error()));
  }
  if (!checked) {
    const ErrorCode code = checked.error().code;
    if (code != ErrorCode::kUnauthorized && code != ErrorCode::kInvalid) return checked;
    auto recorded = doors_->throttle().RecordFailure(u.login, source);
    if (!recorded) spdlog::warn("second factor: recording a failure: {}", recorded.error().message);
    return Fail(WrongCode(field));
  }
  if (recovery) {
    auto left = doors_->recovery_codes().Remaining(key);
    AuditLogin("user:" + u.login, "second_factor.recovery_code_used", "user:" + u.login,
               {{"source", source}, {"left", left ? *left : -1}});
  }
  return Ok();
}

Result<ApiReply> ApiServer::SecondFactorState(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireScope(call.actor, "users", auth::Access::kRead));
  HP_ASSIGN_OR_RETURN(const int64_t id, OwnLogin(call.actor));
  struct State {
    bool enabled = false;
    std::optional<PendingSecondFactor> pending;
    int left = 0;
  };
  HP_ASSIGN_OR_RETURN(auto state, store_.Read([&](StoreTxn& tx) -> Result<State> {
    State s;
    HP_ASSIGN_OR_RETURN(auto u, tx.users().FindById(id));
    if (!u) return Fail(Error::Unauthorized("The login of this request no longer exists."));
    s.enabled = !u->totp_secret.empty();
    HP_ASSIGN_OR_RETURN(s.pending, tx.second_factors().Pending(id));
    HP_ASSIGN_OR_RETURN(s.left, tx.second_factors().RecoveryCodesLeft(id));
    return s;
  }));
  const int64_t window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(kEnrolmentWindow).count();
  const bool enrolling =
      state.pending && state.pending->started_at + window_ms > clock_.NowMillis();
  return Reply(200, {{"enabled", state.enabled},
                     {"enrolling", enrolling},
                     {"recovery_codes_left", state.enabled ? state.left : 0}});
}

Result<ApiReply> ApiServer::StartSecondFactor(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_TRY(RequireScope(call.actor, "users", auth::Access::kWrite));
  HP_ASSIGN_OR_RETURN(const int64_t id, OwnLogin(call.actor));
  const std::string secret = auth::NewTotpSecret();
  const std::string base32 = auth::TotpSecretBase32(secret);
  std::string login;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto u, tx.users().FindById(id));
    if (!u) return Fail(Error::Unauthorized("The login of this request no longer exists."));
    if (!u->totp_secret.empty()) {
      return Fail(Error{ErrorCode::kConflict,
                        "This login has a second factor already; turn it off first (POST "
                        "/api/v1/second-factor/disable with a code) to enrol another device.",
                        {{"second_factor", "second_factor.enabled"}}});
    }
    login = u->login;
    return tx.second_factors().SetPending(id, base32);
  }));
  HP_ASSIGN_OR_RETURN(auto uri, auth::OtpauthUri(IssuerOf(doors_->origin()), login, secret,
                                                 doors_->totp().params()));
  HP_ASSIGN_OR_RETURN(auto qr, auth::EncodeQr(uri));
  const int64_t expires =
      clock_.NowMillis() +
      std::chrono::duration_cast<std::chrono::milliseconds>(kEnrolmentWindow).count();
  ApiReply r = Reply(201, {{"secret", base32},
                           {"otpauth_uri", uri},
                           {"qr_svg", auth::ToSvg(qr)},
                           {"confirm_before", FormatTimestamp(expires)}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<ApiReply> ApiServer::ConfirmSecondFactor(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto code = r.String("code", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_TRY(RequireScope(call.actor, "users", auth::Access::kWrite));
  HP_ASSIGN_OR_RETURN(const int64_t id, OwnLogin(call.actor));
  HP_ASSIGN_OR_RETURN(auto pending,
                      store_.Read([&](StoreTxn& tx) { return tx.second_factors().Pending(id); }));
  const int64_t window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(kEnrolmentWindow).count();
  if (!pending || pending->started_at + window_ms <= clock_.NowMillis()) {
    return Fail(Error::InvalidField(
        "code", "second_factor.not_enrolling",
        "No enrolment is waiting for a code (none was started, or it is older than 15 minutes): "
        "start again with POST /api/v1/second-factor."));
  }
  HP_ASSIGN_OR_RETURN(auto secret, auth::TotpSecretFromBase32(pending->secret_base32));
  const std::string key = std::to_string(id);
  Status verified = doors_->totp().Verify(key, secret, *code);
  if (!verified) {
    const ErrorCode c = verified.error().code;
    if (c != ErrorCode::kUnauthorized && c != ErrorCode::kInvalid) return Fail(verified.error());
    return Fail(Error{ErrorCode::kInvalid,
                      "The code does not match the new secret: check the device's clock, and give "
                      "the code the app shows now.",
                      {{"code", "totp.invalid"}}});
  }
  HP_ASSIGN_OR_RETURN(auto codes, doors_->recovery_codes().Regenerate(key));
  const std::string source = call.req.remote_address;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto u, tx.users().FindById(id));
    if (!u) return Fail(Error::Unauthorized("The login of this request no longer exists."));
    HP_ASSIGN_OR_RETURN(auto still, tx.second_factors().Pending(id));
    if (!still || still->secret_base32 != pending->secret_base32) {
      return Fail(Error::Conflict("Another enrolment began meanwhile; confirm that one."));
    }
    u->totp_secret = pending->secret_base32;
    HP_TRY(tx.users().Update(*u));
    HP_TRY(tx.second_factors().ClearPending(id));
    HP_TRY(tx.audit().Append({call.actor.AuditName(), "second_factor.enable", "user:" + u->login,
                              nullptr, json{{"source", source}}, u->customer_id}));
    return Ok();
  }));
  ApiReply reply = Reply(200, {{"enabled", true}, {"recovery_codes", codes}});
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

Result<User> ApiServer::OwnLoginProved(const ApiCall& call, const char* none_message) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto code = r.String("code", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_TRY(RequireScope(call.actor, "users", auth::Access::kWrite));
  HP_ASSIGN_OR_RETURN(const int64_t id, OwnLogin(call.actor));
  HP_ASSIGN_OR_RETURN(auto u, store_.Read([&](StoreTxn& tx) { return tx.users().FindById(id); }));
  if (!u) return Fail(Error::Unauthorized("The login of this request no longer exists."));
  if (u->totp_secret.empty()) {
    return Fail(Error::InvalidField("second_factor", "second_factor.none", none_message));
  }
  HP_TRY(CheckSecondFactor(*u, *code, "code", call.req.remote_address));
  return std::move(*u);
}

Result<ApiReply> ApiServer::NewRecoveryCodes(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(const User u,
                      OwnLoginProved(call, "This login has no second factor: enrol one first."));
  const int64_t id = u.id;
  HP_ASSIGN_OR_RETURN(auto codes, doors_->recovery_codes().Regenerate(std::to_string(id)));
  AuditLogin(call.actor.AuditName(), "second_factor.recovery_codes", "user:" + u.login,
             {{"source", call.req.remote_address}});
  ApiReply reply = Reply(200, {{"recovery_codes", codes}});
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

Result<ApiReply> ApiServer::DisableSecondFactor(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(const User u,
                      OwnLoginProved(call, "This login has no second factor to turn off."));
  const int64_t id = u.id;
  const std::string source = call.req.remote_address;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto now, tx.users().FindById(id));
    if (!now) return Fail(Error::Unauthorized("The login of this request no longer exists."));
    now->totp_secret.clear();
    HP_TRY(tx.users().Update(*now));
    HP_TRY(tx.second_factors().Forget(id));
    HP_TRY(tx.audit().Append({call.actor.AuditName(), "second_factor.disable", "user:" + now->login,
                              nullptr, json{{"source", source}}, now->customer_id}));
    return Ok();
  }));
  return Reply(200, {{"enabled", false}});
}

Result<ApiReply> ApiServer::ResetSecondFactor(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.users().ResetSecondFactor(call.actor, call.path.at("login")));
  return Reply(200, api::ChangeJson("user", change));
}

}  // namespace hostplane::controller
