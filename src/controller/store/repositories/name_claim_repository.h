#pragma once

// The domain names customers hold — a site's domain and aliases (kind "site"), zones and mail
// domains — each stored with a key of its labels reversed ("shop.acme.example" ->
// "example.acme.shop.", migration 6), so every name at or below another is one index range. The
// name-ownership rule (services/name_ownership.h) asks it; the site and resource repositories
// write the keys. Lives inside one StoreTxn; not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class NameClaimRepository {
 public:
  explicit NameClaimRepository(sql::Connection& db) : db_(db) {}

  // A claim of a customer other than customer_id on name itself or, with below, on a name under
  // it ("shop.acme.example" is under "acme.example"); nullopt when there is none. One index range
  // per kind of claim, however many names there are.
  Result<std::optional<NameClaim>> ForeignClaim(const std::string& name, int64_t customer_id,
                                                bool below);

 private:
  sql::Connection& db_;
};

// A name's key in the name_key columns: its labels in reverse order, each followed by a dot
// ("shop.acme.example" -> "example.acme.shop."), as migration 6 computes it for older rows.
std::string NameKey(const std::string& name);
// The kinds of resources whose name is a domain a customer holds (zone, maildomain).
bool IsNameClaimKind(std::string_view kind);

}  // namespace hostplane::controller
