#include "controller/auth/sessions.h"

#include <algorithm>

#include "controller/auth/csrf.h"
#include "controller/auth/secret_token.h"

namespace hostplane::auth {
namespace {

Error Invalid() {
  return Error{
      ErrorCode::kUnauthorized, "You are not signed in.", {{"session", "session.invalid"}}};
}

Error ExpiredError() {
  return Error{ErrorCode::kUnauthorized,
               "Your session has ended; sign in again.",
               {{"session", "session.expired"}}};
}

int64_t Millis(std::chrono::seconds s) { return std::chrono::milliseconds(s).count(); }

}  // namespace

Sessions::Sessions(SessionStore& store, const Clock& clock, SessionPolicy policy)
    : store_(store), clock_(clock), policy_(policy) {}

bool Sessions::Expired(const SessionRecord& r, int64_t now) const {
  return now >= r.expires_at_ms || now - r.last_seen_ms >= Millis(policy_.idle);
}

Result<StartedSession> Sessions::Start(std::string_view user_id, SessionStage stage,
                                       std::string_view source, std::string_view user_agent) {
  if (user_id.empty()) return Fail(Error::Invalid("a session needs a user"));
  IssuedSecret secret = IssueSecret(SecretKind::kSession);
  int64_t now = clock_.NowMillis();
  SessionRecord r;
  r.id_hash = secret.hash;
  r.user_id = std::string(user_id);
  r.stage = stage;
  r.created_at_ms = now;
  r.last_seen_ms = now;
  r.expires_at_ms =
      now + Millis(stage == SessionStage::kFull ? policy_.absolute : policy_.second_factor_window);
  r.source = std::string(source.substr(0, 64));
  r.user_agent = std::string(user_agent.substr(0, 200));
  HP_TRY(store_.Insert(r));
  StartedSession s;
  s.csrf_token = CsrfTokenFor(secret.token);
  s.token = std::move(secret.token);
  s.record = std::move(r);
  return s;
}

Result<SessionRecord> Sessions::Resume(std::string_view token) {
  if (!CheckSecretShape(token, SecretKind::kSession)) return Fail(Invalid());
  std::string hash = HashSecret(token);
  auto found = store_.Find(hash);
  if (!found) return Fail(found.error());
  if (!*found) return Fail(Invalid());
  SessionRecord r = std::move(**found);
  int64_t now = clock_.NowMillis();
  if (Expired(r, now)) {
    auto removed = store_.Remove(hash);
    if (!removed) return Fail(removed.error());
    return Fail(ExpiredError());
  }
  if (now - r.last_seen_ms >= Millis(policy_.touch_interval)) {
    HP_TRY(store_.Touch(hash, now));
    r.last_seen_ms = now;
  }
  return r;
}

Result<StartedSession> Sessions::Elevate(std::string_view token, SessionStage stage) {
  auto current = Resume(token);
  if (!current) return Fail(current.error());
  auto removed = store_.Remove(current->id_hash);
  if (!removed) return Fail(removed.error());
  if (!*removed) return Fail(Invalid());  // ended meanwhile (a racing logout)
  return Start(current->user_id, stage, current->source, current->user_agent);
}

Result<StartedSession> Sessions::ChangeActing(std::string_view token, std::string_view acting_as,
                                              int64_t acting_until_ms) {
  auto current = Resume(token);
  if (!current) return Fail(current.error());
  if (current->stage != SessionStage::kFull) {
    return Fail(Error::Invalid("only a complete login may act for someone"));
  }
  auto removed = store_.Remove(current->id_hash);
  if (!removed) return Fail(removed.error());
  if (!*removed) return Fail(Invalid());  // ended meanwhile (a racing logout)
  IssuedSecret secret = IssueSecret(SecretKind::kSession);
  SessionRecord r = std::move(*current);
  r.id_hash = secret.hash;
  r.last_seen_ms = clock_.NowMillis();
  r.acting_as = std::string(acting_as);
  r.acting_until_ms = acting_as.empty() ? 0 : std::min(acting_until_ms, r.expires_at_ms);
  HP_TRY(store_.Insert(r));
  StartedSession s;
  s.csrf_token = CsrfTokenFor(secret.token);
  s.token = std::move(secret.token);
  s.record = std::move(r);
  return s;
}

Status Sessions::End(std::string_view token) {
  if (!CheckSecretShape(token, SecretKind::kSession)) return Ok();
  auto removed = store_.Remove(HashSecret(token));
  if (!removed) return Fail(removed.error());
  return Ok();
}

Result<int> Sessions::EndAllForUser(std::string_view user_id,
                                    std::optional<std::string_view> keep_token) {
  std::optional<std::string> keep;
  if (keep_token) keep = HashSecret(*keep_token);
  return store_.RemoveForUser(
      user_id, keep ? std::optional<std::string_view>(*keep) : std::optional<std::string_view>());
}

Result<std::vector<SessionRecord>> Sessions::List(std::string_view user_id) {
  auto all = store_.ListForUser(user_id);
  if (!all) return Fail(all.error());
  int64_t now = clock_.NowMillis();
  std::vector<SessionRecord> live;
  for (auto& r : *all) {
    if (!Expired(r, now)) live.push_back(std::move(r));
  }
  return live;
}

Status Sessions::Revoke(std::string_view user_id, std::string_view id_hash) {
  auto found = store_.Find(id_hash);
  if (!found) return Fail(found.error());
  if (!*found || (*found)->user_id != user_id) {
    return Fail(Error::NotFound("no such session"));
  }
  auto removed = store_.Remove(id_hash);
  if (!removed) return Fail(removed.error());
  return Ok();
}

std::string Sessions::CookieName() const {
  return policy_.secure_cookie ? "__Host-hp_session" : "hp_session";
}

std::string Sessions::SetCookie(std::string_view token) const {
  return CookieName() + "=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict" +
         (policy_.secure_cookie ? "; Secure" : "");
}

std::string Sessions::ClearCookie() const {
  return CookieName() + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
         (policy_.secure_cookie ? "; Secure" : "");
}

}  // namespace hostplane::auth
