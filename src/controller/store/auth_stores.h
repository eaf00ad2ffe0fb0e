#pragma once

// The storage seams of controller/auth implemented by the store: sessions, the failed-login
// log and the accounts a login name designates, each call one transaction of its own (Write, or one
// snapshot for reads), so they survive a restart and are shared by every controller on one store.
// Thread-safe (the Store is); owned by whoever wires the login routes, and must not outlive the
// Store. Errors: the store's (kIo, kUnavailable), kInternal for a row it cannot read.

#include "controller/auth/failure_log.h"
#include "controller/auth/password_login.h"
#include "controller/auth/recovery_codes.h"
#include "controller/auth/sessions.h"
#include "controller/auth/totp.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class StoreSessionStore final : public auth::SessionStore {
 public:
  explicit StoreSessionStore(Store& store) : store_(store) {}
  [[nodiscard]] Status Insert(const auth::SessionRecord& record) override;
  [[nodiscard]] Result<std::optional<auth::SessionRecord>> Find(std::string_view id_hash) override;
  [[nodiscard]] Status Touch(std::string_view id_hash, int64_t now_ms) override;
  [[nodiscard]] Result<bool> Remove(std::string_view id_hash) override;
  [[nodiscard]] Result<int> RemoveForUser(std::string_view user_id,
                                          std::optional<std::string_view> keep) override;
  [[nodiscard]] Result<std::vector<auth::SessionRecord>> ListForUser(
      std::string_view user_id) override;

 private:
  Store& store_;
};

class StoreFailureLog final : public auth::FailureLog {
 public:
  explicit StoreFailureLog(Store& store) : store_(store) {}
  [[nodiscard]] Status Add(std::string_view key, int64_t at_ms, size_t keep) override;
  [[nodiscard]] Result<std::vector<int64_t>> Since(std::string_view key, int64_t since_ms,
                                                   size_t limit) override;
  [[nodiscard]] Status Clear(std::string_view key) override;
  [[nodiscard]] Status Prune(int64_t before_ms) override;

 private:
  Store& store_;
};

// A login name or e-mail address -> the user's id (as a decimal string) and password hash
// (UserRepository::FindByLoginOrEmail). A user without a password hash has no credential.
class StoreCredentialLookup final : public auth::CredentialLookup {
 public:
  explicit StoreCredentialLookup(Store& store) : store_(store) {}
  [[nodiscard]] Result<std::optional<auth::Credential>> Find(std::string_view login) override;

 private:
  Store& store_;
};

// The last TOTP step accepted per user (SecondFactorRepository::ClaimStep): a code is accepted
// once, across restarts and by every controller on the store. user_key is the user id in decimal.
class StoreTotpGuard final : public auth::TotpReplayGuard {
 public:
  explicit StoreTotpGuard(Store& store) : store_(store) {}
  [[nodiscard]] Result<bool> Claim(std::string_view user_key, int64_t step) override;

 private:
  Store& store_;
};

// The hashes of a user's unused recovery codes (the user id in decimal).
class StoreRecoveryCodeStore final : public auth::RecoveryCodeStore {
 public:
  explicit StoreRecoveryCodeStore(Store& store) : store_(store) {}
  [[nodiscard]] Status Replace(std::string_view user_id,
                               const std::vector<std::string>& hashes) override;
  [[nodiscard]] Result<bool> Consume(std::string_view user_id, std::string_view hash) override;
  [[nodiscard]] Result<int> Remaining(std::string_view user_id) override;

 private:
  Store& store_;
};

}  // namespace hostplane::controller
