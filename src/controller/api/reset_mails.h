#pragma once

// The mails of a password reset (api_password_resets.cc): the one-time link to the login's
// address, and afterwards the notice that its password was set (so an owner who did not ask
// learns of it); and the owner's notice that failed logins throttled the login from an address
// (api_login.cc, once per LoginOptions::throttle.notice_interval). Plain text, auto-generated (RFC
// 3834), each with a fresh Message-ID on the domain of LoginOptions::mail_from, ready for the
// outbox (tx.outbox().Enqueue in the change that needs them). Pure functions.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/mail/outbox_store.h"
#include "common/result.h"
#include "controller/api/login_doors.h"
#include "controller/store/entities.h"

namespace hostplane::controller {

// Errors: mail::RenderMessage's (an address that is not one: to[0].address mail.address_invalid).
[[nodiscard]] Result<mail::OutboxEntry> ResetLinkMail(const LoginOptions& options, const User& u,
                                                      const std::string& url, int64_t now_ms);
[[nodiscard]] Result<mail::OutboxEntry> PasswordSetNotice(const LoginOptions& options,
                                                          const User& u, const std::string& source,
                                                          int64_t now_ms);
// `failures` wrong passwords for u's login from `source` within `window`: that address is refused
// for the login for a while; other addresses are not.
[[nodiscard]] Result<mail::OutboxEntry> LockoutNotice(const LoginOptions& options, const User& u,
                                                      const std::string& source, int failures,
                                                      std::chrono::seconds window, int64_t now_ms);

}  // namespace hostplane::controller
