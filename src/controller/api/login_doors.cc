#include "controller/api/login_doors.h"

namespace hostplane::controller {
namespace {

bool IsLoopback(const std::string& bind) {
  return bind.rfind("127.", 0) == 0 || bind == "::1" || bind == "localhost";
}

}  // namespace

bool SecondFactorPolicy::Requires(Role role) const {
  switch (role) {
    case Role::kAdmin:
    case Role::kSupport:
      return staff;
    case Role::kReseller:
      return resellers;
    case Role::kCustomer:
    case Role::kCustomerUser:
      return customers;
    case Role::kNone:
      return false;
  }
  return false;
}

Result<std::unique_ptr<LoginDoors>> LoginDoors::Create(Store& store, const Clock& clock,
                                                       const LoginOptions& options) {
  HP_TRY(options.throttle.Check());
  HP_TRY(options.resets_per_login.Check());
  HP_TRY(options.resets_per_source.Check());
  std::optional<auth::BaseUrl> base;
  if (!options.base_url.empty()) {
    HP_ASSIGN_OR_RETURN(auto parsed, auth::BaseUrl::Parse(options.base_url));
    base = std::move(parsed);
  }
  HP_ASSIGN_OR_RETURN(auto hasher, auth::PasswordHasher::Create(options.argon2));
  LoginOptions effective = options;
  // Without a base URL the API is reached over plain HTTP on its own address.
  effective.sessions.secure_cookie = base ? base->secure() : false;
  std::unique_ptr<LoginDoors> doors(
      new LoginDoors(store, clock, std::move(effective), std::move(hasher)));
  doors->base_url_ = std::move(base);
  return doors;
}

LoginDoors::LoginDoors(Store& store, const Clock& clock, LoginOptions options,
                       auth::PasswordHasher hasher)
    : options_(std::move(options)),
      hasher_(std::move(hasher)),
      failures_(store),
      session_rows_(store),
      accounts_(store),
      totp_guard_(store),
      recovery_rows_(store),
      one_time_rows_(store) {
  gate_ = std::make_unique<auth::HashingGate>(hasher_, options_.gate);
  throttle_ = std::make_unique<auth::LoginThrottle>(failures_, clock, options_.throttle);
  sessions_ = std::make_unique<auth::Sessions>(session_rows_, clock, options_.sessions);
  login_ = std::make_unique<auth::PasswordLogin>(accounts_, *gate_, *throttle_);
  totp_ = std::make_unique<auth::TotpVerifier>(totp_guard_, clock);
  recovery_codes_ = std::make_unique<auth::RecoveryCodes>(recovery_rows_);
  resets_per_login_ = std::make_unique<auth::RateLimiter>(clock, options_.resets_per_login);
  resets_per_source_ = std::make_unique<auth::RateLimiter>(clock, options_.resets_per_source);
  background_ = std::make_unique<http::WorkerPool>(1, options_.background_queue);
}

// The background queue goes first (what waits in it still runs, with every member), then the
// gate: its abandoned jobs still find the throttle and sessions they call.
LoginDoors::~LoginDoors() {
  background_.reset();
  gate_.reset();
}

std::vector<std::string> LoginDoors::AllowedOrigins(const std::string& bind, int port) const {
  if (base_url_) return {base_url_->origin()};
  const std::string p = std::to_string(port);
  std::vector<std::string> out;
  if (bind.find(':') != std::string::npos) {
    out.push_back("http://[" + bind + "]:" + p);
  } else {
    out.push_back("http://" + bind + ":" + p);
  }
  if (IsLoopback(bind)) out.push_back("http://localhost:" + p);
  return out;
}

Result<auth::BaseUrl> LoginDoors::LinkBase(const std::string& bind, int port) const {
  if (base_url_) return *base_url_;
  // No base URL configured: the API's own address, plain HTTP as it is served.
  return auth::BaseUrl::Parse(AllowedOrigins(bind, port).front(), /*allow_http=*/true);
}

}  // namespace hostplane::controller
