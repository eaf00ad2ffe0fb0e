#include "protocol/ftp_spec.h"

#include <optional>
#include <tuple>
#include <utility>

#include "common/passwd/service_password.h"
#include "protocol/spec_reader.h"

namespace hostplane::protocol {
namespace {

tl::unexpected<Violation> Refuse(std::string code, std::string message) {
  return tl::unexpected(Violation{std::move(code), std::move(message)});
}

// Reads "account" and "user" (the user checked against the account when the account is valid,
// otherwise against its own prefix, so its characters and suffix are still checked).
std::pair<std::string, std::string> ReadNames(const SpecReader& r) {
  auto a = r.String("account");
  std::string account = a.value_or("");
  bool account_ok = false;
  if (a) {
    auto checked = CheckLoginGrammar(account);
    account_ok = checked && *checked == account;
    r.CheckCanonical("account", account, checked, "login");
  }
  auto u = r.String("user");
  std::string user = u.value_or("");
  if (u) {
    std::string prefix = account_ok ? account : user.substr(0, user.find('_'));
    r.CheckCanonical("user", user, CheckFtpUserName(prefix, user), "ftp");
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

Result<FtpUserSpec> FtpUserSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("FtpUserSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  FtpUserSpec s;
  std::tie(s.account, s.user) = ReadNames(r);
  // uid and gid: never root, never a system id.
  s.uid = r.Integer("uid", kMinFtpId, kMaxFtpId).value_or(0);
  s.gid = r.Integer("gid", kMinFtpId, kMaxFtpId).value_or(0);
  if (auto home = r.String("home")) {
    s.home = *home;
    // "" is the account home itself; anything else is a path beneath it.
    if (!s.home.empty()) r.CheckCanonical("home", s.home, CheckRelativePath(s.home), "path");
  }
  if (auto hash = r.String("password_hash")) {
    s.password_hash = *hash;
    if (!IsServicePasswordHash(s.password_hash)) {
      // Never quoted: it is a credential.
      errors.Add("password_hash", {"password_hash.invalid",
                                   "The password hash is not a \"$y$\" or \"$6$\" crypt hash."});
    }
  }
  if (auto status = r.ServiceStatus()) s.status = *status;
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const FtpUserRemoval& s) { return Json{{"user", s.user}, {"account", s.account}}; }

Result<FtpUserRemoval> FtpUserRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("FtpUserRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  FtpUserRemoval out;
  std::tie(out.account, out.user) = ReadNames(r);
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return out;
}

}  // namespace hostplane::protocol
