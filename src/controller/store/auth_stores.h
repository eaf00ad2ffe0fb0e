#pragma once

// The storage seams of controller/auth implemented by the store: sessions, the failed-login
// log and the accounts a login name designates, each call one transaction of its own (Write, or one
// snapshot for reads), so they survive a restart and are shared by every controller on one store.
// Thread-safe (the Store is); owned by whoever wires the login routes, and must not outlive the
// Store. Errors: the store's (kIo, kUnavailable), kInternal for a row it cannot read.

#include "controller/auth/failure_log.h"
#include "controller/auth/password_login.h"
#include "controller/auth/sessions.h"
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

}  // namespace hostplane::controller
