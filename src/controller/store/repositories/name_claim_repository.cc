#include "controller/store/repositories/name_claim_repository.h"

namespace hostplane::controller {
namespace {

// :low <= name_key <= :high, held by a customer other than :customer.
constexpr const char* kForeignSiteClaim =
    "SELECT sn.name AS name, 'site' AS kind, s.customer_id AS customer_id FROM site_names sn "
    "JOIN sites s ON s.id = sn.site_id WHERE sn.name_key >= :low AND sn.name_key <= :high "
    "AND s.customer_id != :customer ORDER BY sn.name_key LIMIT 1";
constexpr const char* kForeignResourceClaim =
    "SELECT name, kind, customer_id FROM resources WHERE name_key >= :low AND name_key <= :high "
    "AND customer_id != :customer ORDER BY name_key LIMIT 1";

Result<NameClaim> ReadClaim(const sql::Row& row) {
  return NameClaim{row.Text("name"), row.Text("kind"), row.Int("customer_id")};
}

}  // namespace

std::string NameKey(const std::string& name) {
  std::string key;
  size_t end = name.size();
  for (;;) {
    size_t dot = end == 0 ? std::string::npos : name.rfind('.', end - 1);
    size_t start = dot == std::string::npos ? 0 : dot + 1;
    key.append(name, start, end - start);
    key += '.';
    if (dot == std::string::npos) return key;
    end = dot;
  }
}

bool IsNameClaimKind(std::string_view kind) { return kind == "zone" || kind == "maildomain"; }

Result<std::optional<NameClaim>> NameClaimRepository::ForeignClaim(const std::string& name,
                                                                   int64_t customer_id,
                                                                   bool below) {
  const std::string low = NameKey(name);
  // Exactly the key, or with below every key that starts with it: up to the key with its last
  // '.' turned into '/', the next character, which no name holds.
  const std::string high = below ? low.substr(0, low.size() - 1) + "/" : low;
  for (const char* sql : {kForeignSiteClaim, kForeignResourceClaim}) {
    HP_ASSIGN_OR_RETURN(
        auto claim,
        sql::One(db_, sql, {{"low", low}, {"high", high}, {"customer", customer_id}}, ReadClaim));
    if (claim) return claim;
  }
  return std::optional<NameClaim>();
}

}  // namespace hostplane::controller
