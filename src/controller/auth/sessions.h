#pragma once

// Browser sessions. The session id is an opaque secret ("hps_...", secret_token.h) in a cookie
// that is HttpOnly, SameSite=Strict, Path=/, and Secure with the __Host- name prefix whenever the
// base URL is https; the store keeps only its hash. A session ends after `idle` without a request
// or `absolute` after it began, whichever comes first; either is checked on every Resume.
//
// Session fixation: ids are only ever made here, never taken from a client, and a session that
// gains rights (a second factor passed, "log in as" begun or ended) gets a new id through
// Elevate, which ends the old one. A password change ends every session of the user
// (EndAllForUser), except, if the caller wishes, the one that made the change.
//
// Any thread, if the store is thread-safe. Clock injected.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace hostplane::auth {

enum class SessionStage {
  kSecondFactorPending,  // the password was right; only the second-factor routes are open
  kFull,
};

struct SessionRecord {
  std::string id_hash;  // HashSecret(token); also the handle by which a user lists and revokes
  std::string user_id;
  SessionStage stage = SessionStage::kFull;
  int64_t created_at_ms = 0;
  int64_t last_seen_ms = 0;
  int64_t expires_at_ms = 0;  // the absolute expiry
  std::string source;         // client address at start (shown in the list, escaped)
  std::string user_agent;     // at start, truncated to 200 bytes
  // "Log in as": the user id (decimal) the session acts as, and until when (ms since the epoch);
  // empty and 0 when it acts as its own user. Past acting_until_ms it is its own user again.
  std::string acting_as;
  int64_t acting_until_ms = 0;
};

// The storage seam.
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // Errors for every method: the backend's.
  [[nodiscard]] virtual Status Insert(const SessionRecord& record) = 0;
  [[nodiscard]] virtual Result<std::optional<SessionRecord>> Find(std::string_view id_hash) = 0;
  [[nodiscard]] virtual Status Touch(std::string_view id_hash, int64_t now_ms) = 0;
  // False when there was no such session.
  [[nodiscard]] virtual Result<bool> Remove(std::string_view id_hash) = 0;
  // Removes the user's sessions but `keep` (a hash, or none); returns how many went.
  [[nodiscard]] virtual Result<int> RemoveForUser(std::string_view user_id,
                                                  std::optional<std::string_view> keep) = 0;
  [[nodiscard]] virtual Result<std::vector<SessionRecord>> ListForUser(
      std::string_view user_id) = 0;
};

struct SessionPolicy {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds absolute{12 * 60 * 60};
  std::chrono::seconds second_factor_window{5 * 60};  // a pending session lives this long
  std::chrono::seconds touch_interval{60};            // last_seen is written at most once per this
  bool secure_cookie = true;  // BaseUrl::secure(): Secure and the __Host- prefix
};

struct StartedSession {
  std::string token;       // the cookie's value: send it once in Set-Cookie, never log it
  std::string csrf_token;  // CsrfTokenFor(token): give it to the page in the login answer
  SessionRecord record;
};

class Sessions {
 public:
  Sessions(SessionStore& store, const Clock& clock, SessionPolicy policy = {});

  // A new session for user_id. Errors: kInvalid for an empty user id; the store's.
  [[nodiscard]] Result<StartedSession> Start(std::string_view user_id, SessionStage stage,
                                             std::string_view source, std::string_view user_agent);
  // The session of a cookie value, and marks it used. Errors: kUnauthorized with field
  // "session" and session.invalid (malformed, unknown, ended) or session.expired (idle or
  // absolute; the row is removed); the store's.
  [[nodiscard]] Result<SessionRecord> Resume(std::string_view token);
  // Ends the session of `token` and starts one for the same user at `stage` with a new id.
  // Errors: Resume's, Start's.
  [[nodiscard]] Result<StartedSession> Elevate(std::string_view token, SessionStage stage);
  // "Log in as" begun (acting_as a user id, until acting_until_ms) or ended (acting_as empty):
  // the session of `token` ends and one with a new id takes its place, for the same user, with
  // the same start, absolute expiry, source and user agent; acting ends with the session at the
  // latest (acting_until_ms is clamped to the absolute expiry). Errors: Resume's; kInvalid for a
  // session that is not kFull; the store's.
  [[nodiscard]] Result<StartedSession> ChangeActing(std::string_view token,
                                                    std::string_view acting_as,
                                                    int64_t acting_until_ms);
  // Logout. Ending an unknown session is not an error. Errors: the store's.
  [[nodiscard]] Status End(std::string_view token);
  // Logout everywhere (password change, reset, second factor reset); `keep_token` stays.
  // Returns the number ended. Errors: the store's.
  [[nodiscard]] Result<int> EndAllForUser(std::string_view user_id,
                                          std::optional<std::string_view> keep_token = {});
  // The user's live sessions. Errors: the store's.
  [[nodiscard]] Result<std::vector<SessionRecord>> List(std::string_view user_id);
  // Ends one of the user's sessions by its handle. Errors: kNotFound when the handle is not a
  // session of this user (someone else's looks the same as none); the store's.
  [[nodiscard]] Status Revoke(std::string_view user_id, std::string_view id_hash);

  // "__Host-hp_session" with a secure cookie, else "hp_session".
  std::string CookieName() const;
  // Set-Cookie value: name=token; Path=/; HttpOnly; SameSite=Strict[; Secure]. No Max-Age: the
  // browser drops it when closed, the server's expiry holds in any case.
  std::string SetCookie(std::string_view token) const;
  // Set-Cookie value that deletes the cookie (Max-Age=0).
  std::string ClearCookie() const;

  const SessionPolicy& policy() const { return policy_; }

 private:
  bool Expired(const SessionRecord& r, int64_t now) const;

  SessionStore& store_;
  const Clock& clock_;
  SessionPolicy policy_;
};

}  // namespace hostplane::auth
