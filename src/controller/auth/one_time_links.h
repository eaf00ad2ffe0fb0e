#pragma once

// One-time links: password reset, e-mail confirmation, and later order links. A link is the
// configured base URL + a path + "?token=<secret>" (BaseUrl: never the Host header); the secret
// is an opaque secret of its purpose's kind (secret_token.h), stored only as its hash with the
// purpose, the subject it acts for (a user id, an address, an order id), and an expiry.
// Redeeming takes the row out of the store in one atomic step, so a link works once even when
// two requests race; an expired link is refused (and gone). Issuing a new link for a subject and
// purpose voids the earlier ones (only the newest reset mail works).
//
// A link's page should send `Referrer-Policy: no-referrer` so the token does not leak to other
// sites. Any thread, if the store is thread-safe. Clock injected.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "controller/auth/base_url.h"

namespace hostplane::auth {

enum class LinkPurpose { kPasswordReset, kEmailConfirmation, kOrder };

struct OneTimeRecord {
  std::string hash;  // HashSecret(token)
  LinkPurpose purpose = LinkPurpose::kPasswordReset;
  std::string subject;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
};

// The storage seam.
class OneTimeTokenStore {
 public:
  virtual ~OneTimeTokenStore() = default;
  // Errors: the backend's.
  [[nodiscard]] virtual Status Insert(const OneTimeRecord& record) = 0;
  // The record with this hash and purpose, left in place (a page that shows a form before the
  // link is used). Errors: the backend's.
  [[nodiscard]] virtual Result<std::optional<OneTimeRecord>> Find(std::string_view hash,
                                                                  LinkPurpose purpose) = 0;
  // Atomically removes and returns the record with this hash and purpose; nullopt when there is
  // none (never issued, used, or voided). Errors: the backend's.
  [[nodiscard]] virtual Result<std::optional<OneTimeRecord>> Take(std::string_view hash,
                                                                  LinkPurpose purpose) = 0;
  // Removes every record of this subject and purpose. Errors: the backend's.
  [[nodiscard]] virtual Status RemoveSubject(std::string_view subject, LinkPurpose purpose) = 0;
  // Removes records that expired before now_ms (housekeeping). Errors: the backend's.
  [[nodiscard]] virtual Status RemoveExpired(int64_t now_ms) = 0;
};

struct IssuedLink {
  std::string url;    // put it in the mail; never log it
  std::string token;  // the secret inside url
  int64_t expires_at_ms = 0;
};

class OneTimeLinks {
 public:
  // All three must outlive this object.
  OneTimeLinks(OneTimeTokenStore& store, const Clock& clock, const BaseUrl& base);

  // A new link to base + path for subject, valid for ttl; earlier links of the subject and
  // purpose stop working. Errors: kInvalid (a bad path, a ttl that is not positive, an empty
  // subject), the store's.
  [[nodiscard]] Result<IssuedLink> Issue(LinkPurpose purpose, std::string_view subject,
                                         std::string_view path, std::chrono::seconds ttl);
  // The link's record if it would redeem now, without using it. Errors as Redeem.
  [[nodiscard]] Result<OneTimeRecord> Peek(std::string_view token, LinkPurpose purpose);
  // Uses the link: its record, once. Errors: kNotFound with field "token" and link.invalid
  // (malformed, unknown, already used, voided, or for another purpose: one answer for all) or
  // link.expired; the store's.
  [[nodiscard]] Result<OneTimeRecord> Redeem(std::string_view token, LinkPurpose purpose);

 private:
  OneTimeTokenStore& store_;
  const Clock& clock_;
  const BaseUrl& base_;
};

}  // namespace hostplane::auth
