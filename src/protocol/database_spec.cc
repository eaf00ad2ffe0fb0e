#include "protocol/database_spec.h"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "protocol/spec_reader.h"

namespace hostplane::protocol {
namespace {

tl::unexpected<Violation> Refuse(std::string code, std::string message) {
  return tl::unexpected(Violation{std::move(code), std::move(message)});
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// account and name, shared by both specs. The name is only checked against a valid account:
// its prefix rule cannot be judged otherwise.
void ReadNameAndAccount(const SpecReader& r, std::string& name, std::string& account) {
  auto a = r.String("account");
  auto n = r.String("name");
  bool account_ok = false;
  if (a) {
    account = *a;
    auto checked = CheckLoginGrammar(*a);
    r.CheckCanonical("account", *a, checked, "login");
    account_ok = checked && *checked == *a;
  }
  if (n) {
    name = *n;
    if (account_ok) r.CheckCanonical("name", *n, CheckDatabaseName(account, *n), "db");
  }
}

}  // namespace

Checked<std::string> CheckDatabaseName(std::string_view account, std::string_view input) {
  if (input.empty()) return Refuse("db.invalid", "The database name is empty.");
  const std::string quoted = QuoteForMessage(input);
  auto login = CheckLoginGrammar(account);
  if (!login || *login != account) {
    return Refuse("db.prefix", "The database name " + quoted +
                                   " cannot be checked against an invalid account name.");
  }
  std::string name(input);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  const std::string prefix = std::string(account) + "_";
  if (!name.starts_with(prefix)) {
    return Refuse("db.prefix", "The database name " + quoted + " must start with \"" + prefix +
                                   "\", the account's prefix.");
  }
  std::string_view suffix = std::string_view(name).substr(prefix.size());
  if (suffix.empty()) {
    return Refuse("db.invalid",
                  "The database name " + quoted + " has nothing after \"" + prefix + "\".");
  }
  if (!std::all_of(suffix.begin(), suffix.end(), IsLowerAlnum)) {
    return Refuse("db.invalid", "After \"" + prefix + "\", the database name " + quoted +
                                    " may only contain letters a-z and digits.");
  }
  if (suffix.size() > kMaxDatabaseSuffix || name.size() > kMaxDatabaseName) {
    return Refuse("db.too_long", "The database name " + quoted + " is too long (at most " +
                                     std::to_string(kMaxDatabaseSuffix) + " characters after \"" +
                                     prefix + "\").");
  }
  return name;
}

Checked<std::string> CheckMysqlPasswordHash(std::string_view input) {
  if (input.size() != 41 || input.front() != '*' ||
      !std::all_of(input.begin() + 1, input.end(), IsUpperHex)) {
    // Never quote the value: it is a password equivalent.
    return Refuse("password_hash.invalid",
                  "The database password hash must be \"*\" followed by 40 uppercase hex digits.");
  }
  return std::string(input);
}

Result<std::string> MysqlNativePasswordHash(std::string_view password) {
  unsigned char first[EVP_MAX_MD_SIZE];
  unsigned char second[EVP_MAX_MD_SIZE];
  unsigned int first_len = 0;
  unsigned int second_len = 0;
  if (EVP_Digest(password.data(), password.size(), first, &first_len, EVP_sha1(), nullptr) != 1 ||
      EVP_Digest(first, first_len, second, &second_len, EVP_sha1(), nullptr) != 1 ||
      second_len != 20) {
    return Fail(Error::Internal("OpenSSL could not compute SHA-1"));
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "*";
  for (unsigned int i = 0; i < second_len; ++i) {
    out += kHex[second[i] >> 4];
    out += kHex[second[i] & 0x0f];
  }
  return out;
}

std::string DatabaseObjectKey(const std::string& name) { return "database:" + name; }

Json ToJson(const DatabaseSpec& s) {
  return Json{{"name", s.name},
              {"account", s.account},
              {"password_hash", s.password_hash},
              {"status", s.status}};
}

Result<DatabaseSpec> DatabaseSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("DatabaseSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  DatabaseSpec s;
  ReadNameAndAccount(r, s.name, s.account);
  if (auto h = r.String("password_hash")) {
    s.password_hash = *h;
    if (auto checked = CheckMysqlPasswordHash(*h); !checked) {
      errors.Add("password_hash", checked.error());
    }
  }
  if (auto status = r.ServiceStatus()) s.status = *status;
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const DatabaseRemoval& s) { return Json{{"name", s.name}, {"account", s.account}}; }

Result<DatabaseRemoval> DatabaseRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("DatabaseRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  DatabaseRemoval s;
  ReadNameAndAccount(r, s.name, s.account);
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
