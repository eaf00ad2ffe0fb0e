#pragma once

// The secrets table: values already sealed with the master key (controller/secrets/
// secret_vault.h is the only caller; nothing here sees a plaintext). Lives inside one StoreTxn;
// not thread-safe.

#include <optional>
#include <string>

#include "common/clock.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class SecretRepository {
 public:
  SecretRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Stores (or replaces) the sealed value of name.
  [[nodiscard]] Status Put(const std::string& name, const std::string& sealed);
  Result<std::optional<std::string>> Find(const std::string& name);
  // Whether there was one to remove.
  Result<bool> Remove(const std::string& name);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
