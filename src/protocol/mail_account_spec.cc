#include "protocol/mail_account_spec.h"

#include <algorithm>
#include <set>

#include "common/passwd/service_password.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

Json ToJson(const MailAccountSpec& s) {
  Json out{{"account", s.account},
           {"status", s.status},
           {"unlimited_sending", s.unlimited_sending},
           {"submission_password_hash", s.submission_password_hash},
           {"sender_domains", s.sender_domains}};
  if (!s.unlimited_sending) out["messages_per_hour"] = s.messages_per_hour;
  return out;
}

Result<MailAccountSpec> MailAccountSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailAccountSpec: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  MailAccountSpec s;
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  if (auto status = r.ServiceStatus()) s.status = *status;
  if (auto unlimited = r.Bool("unlimited_sending", false)) s.unlimited_sending = *unlimited;
  if (!s.unlimited_sending) {
    if (auto limit = r.Integer("messages_per_hour", 1, kMaxMessagesPerHour, std::nullopt,
                               "sending_limit.out_of_range")) {
      s.messages_per_hour = *limit;
    }
  }
  if (auto hash = r.String("submission_password_hash", std::string())) {
    s.submission_password_hash = *hash;
    if (!s.submission_password_hash.empty() && !IsServicePasswordHash(*hash)) {
      // Never quote the value: it is a password hash.
      r.Add("submission_password_hash",
            {"password_hash.invalid",
             "The submission password hash is not a \"$y$\" or \"$6$\" crypt hash."});
    }
  }
  if (const Json* list = r.Array("sender_domains", /*optional=*/true)) {
    if (list->size() > kMaxSenderDomains) {
      r.Add("sender_domains", {kFieldRange, "An account sends from at most " +
                                                std::to_string(kMaxSenderDomains) + " domains."});
    } else {
      std::set<std::string> distinct;
      for (size_t i = 0; i < list->size(); ++i) {
        auto domain = r.StringItem(*list, "sender_domains", i);
        if (!domain) continue;
        std::string field = Indexed("sender_domains", i);
        auto checked = CheckDomain(*domain);
        r.CheckCanonical(field, *domain, checked, "domain");
        if (checked && *checked == *domain && !distinct.insert(*domain).second) {
          r.Add(field, {"domain.duplicate",
                        "The domain " + QuoteForMessage(*domain) + " is listed twice."});
        }
        s.sender_domains.push_back(std::move(*domain));
      }
    }
  }
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  std::sort(s.sender_domains.begin(), s.sender_domains.end());
  return s;
}

Json ToJson(const MailAccountRemoval& s) { return Json{{"account", s.account}}; }

Result<MailAccountRemoval> MailAccountRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailAccountRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  MailAccountRemoval s;
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
