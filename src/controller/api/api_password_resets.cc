// Password resets by mail (issue 14): POST /password-resets {login} mails a one-time link to the
// login's address, POST /password-resets/redeem {token, password} sets the password with it.
// The link is the one the orders' welcome mail sends for a new account's first password (purpose
// kPasswordReset, subject the user id, page LoginOptions::reset_path), so both end here.
//
// No enumeration: the request is answered 202 with one body whatever the login (unknown, without
// an address, real), after the same steps (the body, the rate limits, a job queued); the lookup,
// the link, the mail and the audit entry come after the answer, on the login doors' background
// queue (LoginDoors::background), so the answer's time does not depend on the login either.
// There too an unknown login takes the same steps (a link issued, a mail rendered, one
// transaction with an audit entry); only a real login's link can be used and only its
// transaction also holds the mail. The request is
// rate-limited per typed login and per client address (429 with Retry-After, the same for every
// login). The token travels in the body, never in a path, so it is in no access log.
//
// Setting the password: the link is checked first (a refused password does not use it up), the
// password is hashed on the hashing gate (the policy's codes on "password"), then the link is
// taken (once: a second use is 404 link.invalid, an expired one link.expired), the hash, the
// audit entry and the owner's notice mail commit together, and every session of the login ends.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "controller/api/api_call.h"
#include "controller/api/api_error.h"
#include "controller/api/api_server.h"
#include "controller/api/gate_wait.h"
#include "controller/api/request_body.h"
#include "controller/api/reset_mails.h"
#include "controller/auth/one_time_links.h"
#include "controller/auth/source_address.h"

namespace hostplane::controller {

using api::AnswerWhenDone;
using api::Pending;
using api::Reply;

namespace {

// The subject of the link issued when there is no login to mail (no user has this id).
const char* const kNoSubject = "0";
// The longest login name or address a request may type.
constexpr size_t kMaxLogin = 254;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

ApiReply TooMany(const char* field, std::chrono::milliseconds retry_after) {
  const auto seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(retry_after).count());
  ApiReply r = Reply(429, ErrorJson(Error{ErrorCode::kLimit,
                                          "Too many password resets were asked for; wait and try "
                                          "again.",
                                          {{field, "rate.limited"}}}));
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

ApiReply Accepted() {
  ApiReply r = Reply(202, {{"message",
                            "If this login exists and has an e-mail address, a link to set a new "
                            "password is on its way there."}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

Result<ApiReply> ApiServer::RequestPasswordReset(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto login = r.String("login", Presence::kRequired);
  HP_TRY(r.Finish());
  if (login->empty() || login->size() > kMaxLogin) {
    return Fail(Error::InvalidField(
        "login", "login.invalid", "Give the login name or e-mail address (1 to 254 characters)."));
  }
  const std::string source = call.req.remote_address;
  HP_ASSIGN_OR_RETURN(std::string prefix, auth::SourcePrefix(source));
  auto by_source = doors_->resets_per_source().Take("reset-source:" + prefix);
  if (!by_source.allowed) return TooMany("source", by_source.retry_after);
  auto by_login = doors_->resets_per_login().Take("reset-login:" + Lower(*login));
  if (!by_login.allowed) return TooMany("login", by_login.retry_after);

  // Everything that depends on the login happens after the answer, on the doors' background
  // queue: the answer's time cannot tell whether the login exists. A full queue (a flood) is
  // refused, and that too whatever the login.
  if (!doors_->background().TryPost(
          [this, typed = *login, source] { SendPasswordReset(typed, source); })) {
    return Fail(Error::Unavailable(
        "Too many password resets are waiting to be sent; try again in a minute."));
  }
  return Accepted();
}

void ApiServer::SendPasswordReset(const std::string& typed, const std::string& source) {
  auto sent = [&]() -> Status {
    HP_ASSIGN_OR_RETURN(
        auto user, store_.Read([&](StoreTxn& tx) { return tx.users().FindByLoginOrEmail(typed); }));
    const int64_t now = clock_.NowMillis();
    // The same steps whatever the login (so its existence does not show in the time the queue
    // takes either): a link is issued and its mail rendered either way. Without a login to mail,
    // the link's subject is kNoSubject (no user has id 0, so it never redeems; the next such
    // request replaces it) and the mail is dropped.
    const bool mailable = user && !user->email.empty();
    User to;
    if (mailable) {
      to = *user;
    } else {
      to.login = "nobody";
      to.email = "nobody@example.invalid";
    }
    HP_ASSIGN_OR_RETURN(auth::BaseUrl base, doors_->LinkBase(options_.bind, port()));
    auth::OneTimeLinks links(doors_->one_time_tokens(), clock_, base);
    const LoginOptions& o = doors_->options();
    HP_ASSIGN_OR_RETURN(auth::IssuedLink link,
                        links.Issue(auth::LinkPurpose::kPasswordReset,
                                    mailable ? std::to_string(user->id) : kNoSubject, o.reset_path,
                                    o.reset_link_ttl));
    std::optional<mail::OutboxEntry> mail;
    auto rendered = ResetLinkMail(o, to, link.url, now);
    if (!rendered) {
      // An address the mail cannot carry: said in the log and the audit, not to the asker.
      spdlog::warn("password reset: no mail for user id {}: {}", to.id, rendered.error().message);
    } else if (mailable) {
      mail = std::move(*rendered);
    }
    const std::string object = user ? "user:" + user->login : "login:" + typed.substr(0, 100);
    HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
      if (mail) HP_TRY(tx.outbox().Enqueue(*mail));
      HP_TRY(tx.audit().Append({object, "password.reset_requested", object, nullptr,
                                json{{"source", source}, {"mailed", mail.has_value()}},
                                user ? user->customer_id : std::nullopt}));
      return Ok();
    }));
    if (mail && options_.mail_wake) options_.mail_wake();
    return Ok();
  }();
  if (!sent) spdlog::warn("password reset: asked for and not sent: {}", sent.error().message);
}

Result<ApiReply> ApiServer::RedeemPasswordReset(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto token = r.String("token", Presence::kRequired);
  auto password = r.String("password", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auth::BaseUrl base, doors_->LinkBase(options_.bind, port()));
  {
    // Checked before the hash: a link that does not work is said at once, and a password the
    // policy refuses does not use the link up.
    auth::OneTimeLinks links(doors_->one_time_tokens(), clock_, base);
    HP_TRY(links.Peek(*token, auth::LinkPurpose::kPasswordReset));
  }
  auto pending = std::make_shared<Pending<Result<std::string>>>();
  http::HttpServer* server = server_.get();
  auth::HashingGate& gate = doors_->gate();
  auto run = [pending, server, &gate, wanted = *password] {
    pending->Set(gate.hasher().Hash(wanted, "password"));
    server->Wake();
  };
  auto abandon = [pending, server] {
    pending->Set(Fail(Error::Unavailable("the hashing gate is stopping")));
    server->Wake();
  };
  if (!gate.Submit(std::move(run), std::move(abandon))) return api::Busy();
  const std::string source = call.req.remote_address;
  auto finish = [this, token = *token, source, base](Result<std::string> hash) -> Result<ApiReply> {
    if (!hash) {
      if (hash.error().code == ErrorCode::kUnavailable) return api::Busy();
      return Fail(hash.error());
    }
    auth::OneTimeLinks links(doors_->one_time_tokens(), clock_, base);
    HP_ASSIGN_OR_RETURN(auth::OneTimeRecord link,
                        links.Redeem(token, auth::LinkPurpose::kPasswordReset));
    auto id = protocol::CheckInteger(link.subject, 1, INT64_MAX);
    const Error gone{ErrorCode::kNotFound,
                     "This link does not work (it was used, replaced by a newer one, or its "
                     "login is gone); ask for a new one.",
                     {{"token", "link.invalid"}}};
    if (!id) return Fail(gone);
    std::optional<User> changed;
    HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(auto u, tx.users().FindById(*id));
      if (!u) return Fail(gone);
      u->password_hash = *hash;
      HP_TRY(tx.users().Update(*u));
      HP_TRY(tx.audit().Append({"user:" + u->login, "password.reset", "user:" + u->login, nullptr,
                                json{{"source", source}}, u->customer_id}));
      if (!u->email.empty()) {
        auto notice = PasswordSetNotice(doors_->options(), *u, source, clock_.NowMillis());
        if (notice) {
          HP_TRY(tx.outbox().Enqueue(*notice));
        } else {
          spdlog::warn("password reset: no notice for user id {}: {}", u->id,
                       notice.error().message);
        }
      }
      changed = std::move(*u);
      return Ok();
    }));
    if (options_.mail_wake) options_.mail_wake();
    // Every session of the login ends: whoever held one must log in with the new password.
    HP_ASSIGN_OR_RETURN(int ended, doors_->sessions().EndAllForUser(std::to_string(*id)));
    ApiReply r =
        Reply(200, {{"password_set", true}, {"login", changed->login}, {"sessions_ended", ended}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  };
  return AnswerWhenDone(pending, clock_.Steady() + api::kGateWait, finish);
}

}  // namespace hostplane::controller
