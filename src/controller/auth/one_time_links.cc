#include "controller/auth/one_time_links.h"

#include "controller/auth/secret_token.h"

namespace hostplane::auth {
namespace {

SecretKind KindOf(LinkPurpose p) {
  switch (p) {
    case LinkPurpose::kPasswordReset:
      return SecretKind::kPasswordReset;
    case LinkPurpose::kEmailConfirmation:
      return SecretKind::kEmailConfirmation;
    case LinkPurpose::kOrder:
      return SecretKind::kOrderLink;
  }
  return SecretKind::kPasswordReset;
}

Error InvalidLink() {
  return Error{ErrorCode::kNotFound,
               "This link is not valid or was used already.",
               {{"token", "link.invalid"}}};
}

Error ExpiredLink() {
  return Error{ErrorCode::kNotFound,
               "This link has expired; ask for a new one.",
               {{"token", "link.expired"}}};
}

}  // namespace

OneTimeLinks::OneTimeLinks(OneTimeTokenStore& store, const Clock& clock, const BaseUrl& base)
    : store_(store), clock_(clock), base_(base) {}

Result<IssuedLink> OneTimeLinks::Issue(LinkPurpose purpose, std::string_view subject,
                                       std::string_view path, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return Fail(Error::Invalid("a link's lifetime must be positive"));
  if (subject.empty()) return Fail(Error::Invalid("a link needs a subject"));
  IssuedSecret secret = IssueSecret(KindOf(purpose));
  auto url = base_.Link(path, {{"token", secret.token}});
  if (!url) return Fail(url.error());
  OneTimeRecord rec;
  rec.hash = secret.hash;
  rec.purpose = purpose;
  rec.subject = std::string(subject);
  rec.created_at_ms = clock_.NowMillis();
  rec.expires_at_ms = rec.created_at_ms + std::chrono::milliseconds(ttl).count();
  HP_TRY(store_.RemoveSubject(subject, purpose));
  HP_TRY(store_.Insert(rec));
  return IssuedLink{std::move(*url), std::move(secret.token), rec.expires_at_ms};
}

Result<OneTimeRecord> OneTimeLinks::Peek(std::string_view token, LinkPurpose purpose) {
  if (!CheckSecretShape(token, KindOf(purpose))) return Fail(InvalidLink());
  auto found = store_.Find(HashSecret(token), purpose);
  if (!found) return Fail(found.error());
  if (!*found) return Fail(InvalidLink());
  if ((*found)->expires_at_ms <= clock_.NowMillis()) return Fail(ExpiredLink());
  return std::move(**found);
}

Result<OneTimeRecord> OneTimeLinks::Redeem(std::string_view token, LinkPurpose purpose) {
  if (!CheckSecretShape(token, KindOf(purpose))) return Fail(InvalidLink());
  auto taken = store_.Take(HashSecret(token), purpose);
  if (!taken) return Fail(taken.error());
  if (!*taken) return Fail(InvalidLink());
  if ((*taken)->expires_at_ms <= clock_.NowMillis()) return Fail(ExpiredLink());
  return std::move(**taken);
}

}  // namespace hostplane::auth
