#include "controller/secrets/secret_vault.h"

#include <sodium.h>

#include "common/sealed_box.h"

namespace hostplane::controller {

Status SecretVault::Put(StoreTxn& tx, const std::string& name, std::string_view value) const {
  HP_ASSIGN_OR_RETURN(std::string sealed, key_->Seal(name, value));
  return tx.secrets().Put(name, sealed);
}

Result<std::string> SecretVault::Get(StoreTxn& tx, const std::string& name) const {
  HP_ASSIGN_OR_RETURN(auto sealed, tx.secrets().Find(name));
  if (!sealed) return Fail(Error::NotFound("no secret '" + name + "' in the store"));
  return key_->Open(name, *sealed);
}

Result<bool> SecretVault::Has(StoreTxn& tx, const std::string& name) const {
  HP_ASSIGN_OR_RETURN(auto sealed, tx.secrets().Find(name));
  return sealed.has_value();
}

Result<bool> SecretVault::Remove(StoreTxn& tx, const std::string& name) const {
  return tx.secrets().Remove(name);
}

Result<std::string> SecretVault::SealTo(StoreTxn& tx, const std::string& name,
                                        const Node& node) const {
  if (node.box_key.empty()) {
    return Fail(Error::Unavailable(
        "node '" + node.name + "' has announced no box key yet (its agent has not said hello)"));
  }
  HP_ASSIGN_OR_RETURN(BoxPublicKey to, BoxPublicKey::Parse(node.box_key));
  HP_ASSIGN_OR_RETURN(std::string plain, Get(tx, name));
  auto sealed = to.Seal(plain);
  sodium_memzero(plain.data(), plain.size());
  return sealed;
}

}  // namespace hostplane::controller
