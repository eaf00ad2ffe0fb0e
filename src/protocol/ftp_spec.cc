#include "protocol/ftp_spec.h"

#include <optional>
#include <tuple>
#include <utility>

#include "common/passwd/service_password.h"

namespace hostplane::protocol {
namespace {

// The shape codes of messages.h, for members read here.
constexpr const char* kFieldMissing = "field.missing";
constexpr const char* kFieldType = "field.type";

tl::unexpected<Violation> Refuse(std::string code, std::string message) {
  return tl::unexpected(Violation{std::move(code), std::move(message)});
}

const Json* Find(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// A string member; absent takes fallback, or is field.missing without one.
std::optional<std::string> ReadString(const Json& j, FieldErrors& errors, const char* key,
                                      std::optional<std::string> fallback = std::nullopt) {
  const Json* v = Find(j, key);
  if (v == nullptr) {
    if (!fallback) {
      errors.Add(key, {kFieldMissing, std::string("required field \"") + key + "\" is missing"});
    }
    return fallback;
  }
  if (!v->is_string()) {
    errors.Add(key, {kFieldType, std::string("field \"") + key + "\" must be a string"});
    return std::nullopt;
  }
  return v->get<std::string>();
}

// A uid or gid: a JSON integer in [kMinFtpId, kMaxFtpId]. Floats and strings are wrong types.
int64_t ReadId(const Json& j, FieldErrors& errors, const char* key) {
  const Json* v = Find(j, key);
  if (v == nullptr) {
    errors.Add(key, {kFieldMissing, std::string("required field \"") + key + "\" is missing"});
    return 0;
  }
  if (!v->is_number_integer()) {
    errors.Add(key, {kFieldType, std::string("field \"") + key + "\" must be an integer"});
    return 0;
  }
  bool in_range = false;
  int64_t value = 0;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    in_range = u >= static_cast<uint64_t>(kMinFtpId) && u <= static_cast<uint64_t>(kMaxFtpId);
    value = in_range ? static_cast<int64_t>(u) : 0;
  } else {
    value = v->get<int64_t>();
    in_range = value >= kMinFtpId && value <= kMaxFtpId;
  }
  if (!in_range) {
    errors.Add(key, {"number.out_of_range", std::string("The ") + key + " must be from " +
                                                std::to_string(kMinFtpId) + " to " +
                                                std::to_string(kMaxFtpId) + "."});
    return 0;
  }
  return value;
}

// Records a violation unless value passes its grammar already in canonical form.
void Canonical(FieldErrors& errors, const char* field, const std::string& value,
               const Checked<std::string>& checked, const char* grammar) {
  if (!checked) {
    errors.Add(field, checked.error());
  } else if (*checked != value) {
    errors.Add(field, {std::string(grammar) + ".not_canonical",
                       "The value " + QuoteForMessage(value) + " is not in canonical form (" +
                           QuoteForMessage(*checked) + ")."});
  }
}

// Reads "account" and "user" (the user checked against the account when the account is valid,
// otherwise against its own prefix, so its characters and suffix are still checked).
std::pair<std::string, std::string> ReadNames(const Json& j, FieldErrors& errors) {
  std::string account = ReadString(j, errors, "account").value_or("");
  bool account_ok = Find(j, "account") != nullptr && Find(j, "account")->is_string();
  if (account_ok) {
    auto checked = CheckLoginGrammar(account);
    account_ok = checked && *checked == account;
    Canonical(errors, "account", account, checked, "login");
  }
  std::string user = ReadString(j, errors, "user").value_or("");
  if (Find(j, "user") != nullptr && Find(j, "user")->is_string()) {
    std::string prefix = account_ok ? account : user.substr(0, user.find('_'));
    Canonical(errors, "user", user, CheckFtpUserName(prefix, user), "ftp");
  }
  return {std::move(account), std::move(user)};
}

}  // namespace

Checked<std::string> CheckFtpUserName(std::string_view account, std::string_view input) {
  std::string quoted = QuoteForMessage(input);
  if (input.empty()) return Refuse("ftp.invalid", "The FTP user name is empty.");
  std::string name;
  name.reserve(input.size());
  for (char c : input) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_';
    if (!ok) {
      return Refuse("ftp.invalid", "The FTP user name " + quoted +
                                       " may contain only letters, digits and one '_'.");
    }
    name += l;
  }
  std::string prefix = std::string(account) + "_";
  if (account.empty() || !name.starts_with(prefix)) {
    return Refuse("ftp.prefix", "The FTP user name " + quoted + " must start with " +
                                    QuoteForMessage(prefix) + ".");
  }
  std::string_view suffix = std::string_view(name).substr(prefix.size());
  if (suffix.empty() || suffix.find('_') != std::string_view::npos) {
    return Refuse("ftp.invalid", "The FTP user name " + quoted + " needs a suffix of letters and " +
                                     "digits after " + QuoteForMessage(prefix) + ".");
  }
  if (suffix.size() > kMaxFtpSuffix) {
    return Refuse("ftp.too_long", "The part after " + QuoteForMessage(prefix) + " of " + quoted +
                                      " is longer than " + std::to_string(kMaxFtpSuffix) +
                                      " characters.");
  }
  return name;
}

Json ToJson(const FtpUserSpec& s) {
  return Json{{"user", s.user},    {"account", s.account}, {"uid", s.uid},
              {"gid", s.gid},      {"home", s.home},       {"password_hash", s.password_hash},
              {"status", s.status}};
}

Result<FtpUserSpec> FtpUserSpecFromJson(const Json& j) {
  if (!j.is_object()) return Fail(Error::Invalid("FtpUserSpec: the spec must be a JSON object"));
  FieldErrors errors;
  FtpUserSpec s;
  std::tie(s.account, s.user) = ReadNames(j, errors);
  s.uid = ReadId(j, errors, "uid");
  s.gid = ReadId(j, errors, "gid");
  if (auto home = ReadString(j, errors, "home")) {
    s.home = *home;
    // "" is the account home itself; anything else is a path beneath it.
    if (!s.home.empty()) Canonical(errors, "home", s.home, CheckRelativePath(s.home), "path");
  }
  if (auto hash = ReadString(j, errors, "password_hash")) {
    s.password_hash = *hash;
    if (!IsServicePasswordHash(s.password_hash)) {
      // Never quoted: it is a credential.
      errors.Add("password_hash", {"password_hash.invalid",
                                   "The password hash is not a \"$y$\" or \"$6$\" crypt hash."});
    }
  }
  if (auto status = ReadString(j, errors, "status", std::string("active"))) {
    s.status = *status;
    if (s.status != "active" && s.status != "suspended") {
      errors.Add("status",
                 {"status.invalid", "The status must be \"active\" or \"suspended\", not " +
                                        QuoteForMessage(s.status) + "."});
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const FtpUserRemoval& s) { return Json{{"user", s.user}, {"account", s.account}}; }

Result<FtpUserRemoval> FtpUserRemovalFromJson(const Json& j) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("FtpUserRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  FtpUserRemoval r;
  std::tie(r.account, r.user) = ReadNames(j, errors);
  if (!errors.empty()) return Fail(errors.ToError());
  return r;
}

}  // namespace hostplane::protocol
