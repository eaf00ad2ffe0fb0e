#pragma once

// The controller's secrets (DKIM private keys; names like "dkim/acme.example/hp1"), kept in the
// store's secrets table sealed with the master key (master_key.h), never in clear; and handed to
// a node only sealed to the box key its agent announced in its hello (common/sealed_box.h), so
// a task spec carries nothing but that node can read.
//
// Every call runs inside the caller's transaction. Immutable; safe to share between threads.
// What Get returns is a secret: wipe it when done, never log it or put it in an error.

#include <memory>
#include <string>
#include <string_view>

#include "controller/secrets/master_key.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class SecretVault {
 public:
  explicit SecretVault(std::shared_ptr<const MasterKey> key) : key_(std::move(key)) {}

  // Stores value under name (replacing one there). Errors: kInvalid (empty value), the store's.
  [[nodiscard]] Status Put(StoreTxn& tx, const std::string& name, std::string_view value) const;
  // Errors: kNotFound; kInvalid when the stored value does not open with this master key.
  [[nodiscard]] Result<std::string> Get(StoreTxn& tx, const std::string& name) const;
  [[nodiscard]] Result<bool> Has(StoreTxn& tx, const std::string& name) const;
  // Whether there was one.
  [[nodiscard]] Result<bool> Remove(StoreTxn& tx, const std::string& name) const;

  // The secret called name sealed to node ("sealed:<base64>"). Errors: those of Get;
  // kUnavailable when the node has not announced a box key yet (its agent has not said hello).
  [[nodiscard]] Result<std::string> SealTo(StoreTxn& tx, const std::string& name,
                                           const Node& node) const;

 private:
  std::shared_ptr<const MasterKey> key_;
};

}  // namespace hostplane::controller
