#pragma once

// Customer MariaDB databases: the task specs of database.ensure / database.remove (the contract's
// "database:<name>" objects on db nodes), the database-name grammar of shared/SECURITY.md
// ("<account>_<suffix>") used by the API and again by the agent, and the mysql_native_password
// hash the controller computes from a customer's password.
//
// The DB user has the database's name, so one grammar covers both. The decoders follow
// SiteSpecFromJson (messages.h): every field re-validated, values must already be canonical,
// every violation reported at once as kInvalid with fields {path: code}; unknown members are
// ignored. Codes: field.missing, field.type, the login.* codes of CheckLoginGrammar for
// "account", the db.* codes below for "name" (plus db.not_canonical), password_hash.invalid,
// status.invalid.

#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

inline constexpr const char* kDatabaseEnsure = "database.ensure";
inline constexpr const char* kDatabaseRemove = "database.remove";

// The longest suffix after "<account>_" and the longest whole name (MariaDB's limit for database
// names; MariaDB 10.11 allows 80 characters in user names, so 64 fits both).
inline constexpr size_t kMaxDatabaseSuffix = 32;
inline constexpr size_t kMaxDatabaseName = 64;

// Database (and DB user) name of `account`: "<account>_<suffix>", suffix ^[a-z0-9]{1,32}$,
// total <= 64. ASCII letters are lowercased (the canonical form); `account` must be a valid login
// (CheckLoginGrammar), else every name is refused with db.prefix. Codes: db.invalid (empty, a
// character outside [a-z0-9] in the suffix, empty suffix), db.prefix (does not start with
// "<account>_"), db.too_long.
Checked<std::string> CheckDatabaseName(std::string_view account, std::string_view input);

// A mysql_native_password hash as MariaDB stores it: "*" followed by 40 uppercase hex digits.
// Codes: password_hash.invalid.
Checked<std::string> CheckMysqlPasswordHash(std::string_view input);

// "*" + uppercase hex of SHA1(SHA1(password)): what MariaDB's PASSWORD() gives and what
// "IDENTIFIED BY PASSWORD '<hash>'" takes, so the agent never sees the password. The caller has
// checked the password with CheckPassword. Errors: kInternal (OpenSSL refused to digest).
[[nodiscard]] Result<std::string> MysqlNativePasswordHash(std::string_view password);

// kind database.ensure: the database and its user (same name) exist, the user logs in with the
// hash's password on the configured hosts and has every privilege on exactly this database.
// status "suspended": the account is locked and its sessions are killed; the data stays.
struct DatabaseSpec {
  std::string name;               // CheckDatabaseName(account, name), canonical
  std::string account;            // the customer's login (CheckLoginGrammar)
  std::string password_hash;      // CheckMysqlPasswordHash
  std::string status = "active";  // active | suspended (optional)
  bool operator==(const DatabaseSpec&) const = default;
};
Json ToJson(const DatabaseSpec& s);
[[nodiscard]] Result<DatabaseSpec> DatabaseSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// kind database.remove: the user and the database (with its data) no longer exist.
struct DatabaseRemoval {
  std::string name;
  std::string account;
  bool operator==(const DatabaseRemoval&) const = default;
};
Json ToJson(const DatabaseRemoval& s);
[[nodiscard]] Result<DatabaseRemoval> DatabaseRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// The task's object key: "database:<name>".
std::string DatabaseObjectKey(const std::string& name);

}  // namespace hostplane::protocol
