#pragma once

// What the API's login routes stand on (issue 14), assembled once per ApiServer from the store
// and LoginOptions: the Argon2id hasher and its bounded HashingGate (every hash of the API runs
// there, never on a request thread), the throttle over the store's failure log, browser sessions
// in the store, the password login, the TOTP verifier (its replay guard in the store) and the
// recovery codes, the configured base URL (the one origin a cookie-authenticated change may come
// from, and whether cookies are Secure), and the background queue of the work a door does after
// it answered (a password reset's lookup, link and mail: the answer takes the same time whether
// the login exists or not).
//
// Thread-safe: every member is. Owned by the ApiServer; must not outlive the Store.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "controller/auth/base_url.h"
#include "controller/auth/hashing_gate.h"
#include "controller/auth/login_throttle.h"
#include "controller/auth/one_time_links.h"
#include "controller/auth/password_hasher.h"
#include "controller/auth/password_login.h"
#include "controller/auth/rate_limiter.h"
#include "controller/auth/recovery_codes.h"
#include "controller/auth/sessions.h"
#include "controller/auth/totp.h"
#include "controller/http/worker_pool.h"
#include "controller/services/actor.h"
#include "controller/store/auth_stores.h"
#include "controller/store/store.h"
#include "controller/store/store_one_time_tokens.h"

namespace hostplane::controller {

// Who must have a second factor (an administrator's policy for the installation, per group of
// roles): a login of such a role without one may only enrol (ApiServer answers every other route
// 403 second_factor.required) until it has one. Company tokens (no login) are not concerned.
struct SecondFactorPolicy {
  bool staff = false;      // admin, support
  bool resellers = false;  // reseller
  bool customers = false;  // customer, customer_user
  bool Requires(Role role) const;
  bool any() const { return staff || resellers || customers; }
};

struct LoginOptions {
  // Where people reach the controller ("https://panel.example.com"): the origin every
  // cookie-authenticated change must come from, and Secure cookies when it is https. Empty: the
  // API's own address (http://<bind>:<port>, and http://localhost:<port> on loopback).
  std::string base_url;
  // Argon2id cost; Argon2Params::Cheapest() only in tests.
  auth::Argon2Params argon2 = auth::Argon2Params::Default();
  auth::HashingGateOptions gate;
  // Failures per (name, source) and per source before 429 (default 5 and 50 in 15 minutes).
  auth::ThrottlePolicy throttle;
  // Idle and absolute expiry; secure_cookie is set from the base URL.
  auth::SessionPolicy sessions;
  // A token asked for with a password (`hostplane login`) expires after this.
  std::chrono::seconds cli_token_lifetime{90LL * 24 * 3600};
  // Password resets by mail (POST /password-resets): the link's page on the base URL (the same
  // page the orders' welcome mail links to), how long a link works, the mails' sender, and the
  // requests allowed per typed login and per client address (/32, /64).
  std::string reset_path = "/set-password";
  std::chrono::seconds reset_link_ttl{3600};
  std::string mail_from = "noreply@hostplane.example";
  std::string company = "hostplane";
  auth::BucketPolicy resets_per_login{3, 3.0 / 3600};
  auth::BucketPolicy resets_per_source{10, 10.0 / 3600};
  // Password resets asked for and not yet looked up and mailed (LoginDoors::background).
  size_t background_queue = 256;
  // Whose logins need a second factor before anything but enrolling it.
  SecondFactorPolicy second_factor_required;
  // "Log in as" ends on its own after this (or with the session, if sooner).
  std::chrono::seconds acting_as_lifetime{3600};
};

class LoginDoors {
 public:
  // Errors: kInvalid with field "base_url" (BaseUrl::Parse), a throttle or reset rate policy
  // that does not hold; PasswordHasher::Create's.
  [[nodiscard]] static Result<std::unique_ptr<LoginDoors>> Create(Store& store, const Clock& clock,
                                                                  const LoginOptions& options);
  ~LoginDoors();

  auth::HashingGate& gate() { return *gate_; }
  auth::LoginThrottle& throttle() { return *throttle_; }
  auth::Sessions& sessions() { return *sessions_; }
  auth::PasswordLogin& login() { return *login_; }
  auth::TotpVerifier& totp() { return *totp_; }
  auth::RecoveryCodes& recovery_codes() { return *recovery_codes_; }
  auth::OneTimeTokenStore& one_time_tokens() { return one_time_rows_; }
  auth::RateLimiter& resets_per_login() { return *resets_per_login_; }
  auth::RateLimiter& resets_per_source() { return *resets_per_source_; }
  // Work after the answer: one thread, at most LoginOptions::background_queue jobs waiting
  // (TryPost false beyond: the door answers 503). Stopped first when the doors go (what is
  // queued still runs).
  http::WorkerPool& background() { return *background_; }
  const LoginOptions& options() const { return options_; }
  // The configured base URL's origin ("https://panel.example.com"), or "" when none is.
  std::string origin() const { return base_url_ ? base_url_->origin() : ""; }
  // The origins a cookie-authenticated change may come from; `port` is the API's bound port (for
  // the default when no base URL is configured), `bind` its address.
  std::vector<std::string> AllowedOrigins(const std::string& bind, int port) const;
  // The base of the links mailed to people: the configured base URL, else the API's own
  // address (AllowedOrigins' first); never a request's Host header. Errors: BaseUrl::Parse's.
  [[nodiscard]] Result<auth::BaseUrl> LinkBase(const std::string& bind, int port) const;

 private:
  LoginDoors(Store& store, const Clock& clock, LoginOptions options, auth::PasswordHasher hasher);

  LoginOptions options_;
  std::optional<auth::BaseUrl> base_url_;
  auth::PasswordHasher hasher_;
  std::unique_ptr<auth::HashingGate> gate_;
  StoreFailureLog failures_;
  std::unique_ptr<auth::LoginThrottle> throttle_;
  StoreSessionStore session_rows_;
  std::unique_ptr<auth::Sessions> sessions_;
  StoreCredentialLookup accounts_;
  std::unique_ptr<auth::PasswordLogin> login_;
  StoreTotpGuard totp_guard_;
  std::unique_ptr<auth::TotpVerifier> totp_;
  StoreRecoveryCodeStore recovery_rows_;
  std::unique_ptr<auth::RecoveryCodes> recovery_codes_;
  StoreOneTimeTokens one_time_rows_;
  std::unique_ptr<auth::RateLimiter> resets_per_login_;
  std::unique_ptr<auth::RateLimiter> resets_per_source_;
  std::unique_ptr<http::WorkerPool> background_;
};

}  // namespace hostplane::controller
