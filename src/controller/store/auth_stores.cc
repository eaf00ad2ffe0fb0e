#include "controller/store/auth_stores.h"

#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

Result<int64_t> UserIdOf(std::string_view key) {
  auto id = protocol::CheckInteger(key, 1, INT64_MAX);
  if (!id) return Fail(Error::Internal("a second-factor key that is not a user id"));
  return *id;
}

}  // namespace

Status StoreSessionStore::Insert(const auth::SessionRecord& record) {
  return store_.Write([&](StoreTxn& tx) { return tx.logins().InsertSession(record); });
}

Result<std::optional<auth::SessionRecord>> StoreSessionStore::Find(std::string_view id_hash) {
  const std::string key(id_hash);
  return store_.Read([&](StoreTxn& tx) { return tx.logins().FindSession(key); });
}

Status StoreSessionStore::Touch(std::string_view id_hash, int64_t now_ms) {
  const std::string key(id_hash);
  return store_.Write([&](StoreTxn& tx) { return tx.logins().TouchSession(key, now_ms); });
}

Result<bool> StoreSessionStore::Remove(std::string_view id_hash) {
  const std::string key(id_hash);
  bool removed = false;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(removed, tx.logins().RemoveSession(key));
    return Ok();
  }));
  return removed;
}

Result<int> StoreSessionStore::RemoveForUser(std::string_view user_id,
                                             std::optional<std::string_view> keep) {
  const std::string user(user_id);
  std::optional<std::string> kept;
  if (keep) kept = std::string(*keep);
  int n = 0;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(n, tx.logins().RemoveSessionsOf(user, kept));
    return Ok();
  }));
  return n;
}

Result<std::vector<auth::SessionRecord>> StoreSessionStore::ListForUser(std::string_view user_id) {
  const std::string user(user_id);
  return store_.Read([&](StoreTxn& tx) { return tx.logins().SessionsOf(user); });
}

Status StoreFailureLog::Add(std::string_view key, int64_t at_ms, size_t keep) {
  const std::string k(key);
  return store_.Write(
      [&](StoreTxn& tx) { return tx.logins().AddFailure(k, at_ms, static_cast<int64_t>(keep)); });
}

Result<std::vector<int64_t>> StoreFailureLog::Since(std::string_view key, int64_t since_ms,
                                                    size_t limit) {
  const std::string k(key);
  return store_.Read([&](StoreTxn& tx) {
    return tx.logins().FailuresSince(k, since_ms, static_cast<int64_t>(limit));
  });
}

Status StoreFailureLog::Clear(std::string_view key) {
  const std::string k(key);
  return store_.Write([&](StoreTxn& tx) { return tx.logins().ClearFailures(k); });
}

Status StoreFailureLog::Prune(int64_t before_ms) {
  return store_.Write([&](StoreTxn& tx) { return tx.logins().PruneFailures(before_ms); });
}

Result<std::optional<auth::Credential>> StoreCredentialLookup::Find(std::string_view login) {
  const std::string name(login);
  HP_ASSIGN_OR_RETURN(
      auto user, store_.Read([&](StoreTxn& tx) { return tx.users().FindByLoginOrEmail(name); }));
  if (!user || user->password_hash.empty()) return std::optional<auth::Credential>();
  return std::optional<auth::Credential>(
      auth::Credential{std::to_string(user->id), user->password_hash});
}

Result<bool> StoreTotpGuard::Claim(std::string_view user_key, int64_t step) {
  HP_ASSIGN_OR_RETURN(int64_t id, UserIdOf(user_key));
  bool claimed = false;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(claimed, tx.second_factors().ClaimStep(id, step));
    return Ok();
  }));
  return claimed;
}

Status StoreRecoveryCodeStore::Replace(std::string_view user_id,
                                       const std::vector<std::string>& hashes) {
  HP_ASSIGN_OR_RETURN(int64_t id, UserIdOf(user_id));
  return store_.Write(
      [&](StoreTxn& tx) { return tx.second_factors().ReplaceRecoveryCodes(id, hashes); });
}

Result<bool> StoreRecoveryCodeStore::Consume(std::string_view user_id, std::string_view hash) {
  HP_ASSIGN_OR_RETURN(int64_t id, UserIdOf(user_id));
  const std::string h(hash);
  bool consumed = false;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(consumed, tx.second_factors().ConsumeRecoveryCode(id, h));
    return Ok();
  }));
  return consumed;
}

Result<int> StoreRecoveryCodeStore::Remaining(std::string_view user_id) {
  HP_ASSIGN_OR_RETURN(int64_t id, UserIdOf(user_id));
  return store_.Read([&](StoreTxn& tx) { return tx.second_factors().RecoveryCodesLeft(id); });
}

}  // namespace hostplane::controller
