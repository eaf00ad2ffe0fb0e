#include "protocol/account_spec.h"

#include <algorithm>
#include <set>

#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

bool IsPhpVersion(const std::string& v) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() < 3 || v.size() > 4 || !digit(v[0]) || v[1] != '.') return false;
  return std::all_of(v.begin() + 2, v.end(), digit);
}

Json ToJson(const AccountSpec& s) {
  Json out{
      {"login", s.login}, {"uid", s.uid}, {"gid", s.gid}, {"status", s.status}, {"php", s.php}};
  if (s.mail_submission) out["mail_submission"] = ToJson(*s.mail_submission);
  return out;
}

Result<AccountSpec> AccountSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("AccountSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader f(j, errors, "", unknown);
  AccountSpec s;
  s.login = f.Canonical("login", CheckLoginGrammar, "login");
  s.uid = f.Integer("uid", kMinAccountId, kMaxAccountId).value_or(0);
  s.gid = f.Integer("gid", kMinAccountId, kMaxAccountId).value_or(0);
  if (auto status = f.ServiceStatus()) s.status = *status;
  if (auto php = f.Strings("php", std::vector<std::string>{})) {
    std::set<std::string> seen;
    for (size_t i = 0; i < php->size(); ++i) {
      const std::string& v = (*php)[i];
      std::string field = "php[" + std::to_string(i) + "]";
      if (!IsPhpVersion(v)) {
        errors.Add(field, {"php.invalid",
                           "The PHP version " + QuoteForMessage(v) + " is not of the form 8.2."});
      } else if (!seen.insert(v).second) {
        errors.Add(field, {"php.duplicate",
                           "The PHP version " + QuoteForMessage(v) + " is listed twice."});
      }
    }
    s.php = std::vector<std::string>(seen.begin(), seen.end());
  }
  if (f.Has("mail_submission")) {
    if (const Json* m = f.Object("mail_submission")) {
      s.mail_submission = DecodeMailSubmission(f.Nested(*m, "mail_submission"));
    }
  }
  f.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const AccountRemoval& r) {
  return Json{{"login", r.login}, {"uid", r.uid}, {"gid", r.gid}, {"remove_home", r.remove_home}};
}

Result<AccountRemoval> AccountRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("AccountRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader f(j, errors, "", unknown);
  AccountRemoval r;
  r.login = f.Canonical("login", CheckLoginGrammar, "login");
  r.uid = f.Integer("uid", kMinAccountId, kMaxAccountId).value_or(0);
  r.gid = f.Integer("gid", kMinAccountId, kMaxAccountId).value_or(0);
  r.remove_home = f.Bool("remove_home", false).value_or(false);
  f.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return r;
}

}  // namespace hostplane::protocol
