#include "protocol/mail_spec.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "common/passwd/service_password.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

// Local parts are unique across a domain's mailboxes and forwarders: each is one address.
void NoteLocal(const SpecReader& r, std::set<std::string>& seen, const char* field,
               const std::string& local) {
  if (!CheckLocalPart(local) || *CheckLocalPart(local) != local) return;  // reported already
  if (!seen.insert(local).second) {
    r.Add(field, {"local_part.duplicate",
                  "The address " + QuoteForMessage(local) + " is used twice in this domain."});
  }
}

void DecodeMailboxes(const SpecReader& r, MailDomainSpec& s, std::set<std::string>& seen) {
  const Json* list = r.Array("mailboxes", /*optional=*/true);
  if (list == nullptr) return;
  if (list->size() > kMaxMailboxes) {
    r.Add("mailboxes",
          {kFieldRange, "A domain has at most " + std::to_string(kMaxMailboxes) + " mailboxes."});
    return;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    auto item = r.ObjectItem(*list, "mailboxes", i);
    if (!item) continue;
    MailboxSpec m;
    m.local = item->Canonical("local", CheckLocalPart, "local_part");
    NoteLocal(*item, seen, "local", m.local);
    if (auto hash = item->String("password_hash")) {
      m.password_hash = *hash;
      if (!IsServicePasswordHash(m.password_hash)) {
        // Never quote the value: it is a password hash.
        item->Add("password_hash", {"password_hash.invalid",
                                    "The password hash of mailbox " + QuoteForMessage(m.local) +
                                        " is not a \"$y$\" or \"$6$\" crypt hash."});
      }
    }
    if (auto quota = item->Integer("quota_mb", kMinQuotaMb, kMaxQuotaMb, std::nullopt,
                                   "quota.out_of_range")) {
      m.quota_mb = *quota;
    }
    s.mailboxes.push_back(std::move(m));
  }
}

void DecodeForwarders(const SpecReader& r, MailDomainSpec& s, std::set<std::string>& seen) {
  const Json* list = r.Array("forwarders", /*optional=*/true);
  if (list == nullptr) return;
  if (list->size() > kMaxForwarders) {
    r.Add("forwarders",
          {kFieldRange, "A domain has at most " + std::to_string(kMaxForwarders) + " forwarders."});
    return;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    auto item = r.ObjectItem(*list, "forwarders", i);
    if (!item) continue;
    ForwarderSpec f;
    f.local = item->Canonical("local", CheckLocalPart, "local_part");
    NoteLocal(*item, seen, "local", f.local);
    if (const Json* t = item->Array("targets")) {
      if (t->empty()) {
        item->Add("targets", {"forwarder.no_targets",
                              "Forwarder " + QuoteForMessage(f.local) + " has no target address."});
      } else if (t->size() > kMaxForwarderTargets) {
        item->Add("targets", {"forwarder.too_many_targets",
                              "Forwarder " + QuoteForMessage(f.local) + " has more than " +
                                  std::to_string(kMaxForwarderTargets) + " targets."});
      } else {
        std::set<std::string> distinct;
        for (size_t k = 0; k < t->size(); ++k) {
          auto target = item->StringItem(*t, "targets", k);
          if (!target) continue;
          std::string field = Indexed("targets", k);
          auto checked = CheckMailAddress(*target);
          item->CheckCanonical(field, *target, checked, "address");
          if (checked && *checked == *target && !distinct.insert(*target).second) {
            item->Add(field, {"address.duplicate",
                              "The target " + QuoteForMessage(*target) + " is listed twice."});
          }
          f.targets.push_back(std::move(*target));
        }
      }
    }
    s.forwarders.push_back(std::move(f));
  }
}

}  // namespace

Checked<std::string> CheckMailAddress(std::string_view input) {
  size_t at = input.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == input.size() || input.size() > 320) {
    return tl::unexpected(Violation{"address.invalid", "The address " + QuoteForMessage(input) +
                                                           " is not of the form name@domain."});
  }
  auto local = CheckLocalPart(input.substr(0, at));
  if (!local) return tl::unexpected(local.error());
  auto domain = CheckDomain(input.substr(at + 1));
  if (!domain) return tl::unexpected(domain.error());
  return *local + "@" + *domain;
}

Json ToJson(const MailDomainSpec& s) {
  Json mailboxes = Json::array();
  for (const auto& m : s.mailboxes) {
    mailboxes.push_back(
        Json{{"local", m.local}, {"password_hash", m.password_hash}, {"quota_mb", m.quota_mb}});
  }
  Json forwarders = Json::array();
  for (const auto& f : s.forwarders) {
    forwarders.push_back(Json{{"local", f.local}, {"targets", f.targets}});
  }
  return Json{{"domain", s.domain},
              {"account", s.account},
              {"status", s.status},
              {"mailboxes", std::move(mailboxes)},
              {"forwarders", std::move(forwarders)},
              {"catch_all", s.catch_all}};
}

Result<MailDomainSpec> MailDomainSpecFromJson(const Json& j) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailDomainSpec: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors);
  MailDomainSpec s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  if (auto status = r.String("status", std::string("active"))) {
    s.status = *status;
    if (s.status != "active" && s.status != "suspended" && s.status != "moving") {
      r.Add("status",
            {"status.invalid", "The status must be \"active\", \"suspended\" or \"moving\", not " +
                                   QuoteForMessage(s.status) + "."});
    }
  }
  std::set<std::string> locals;
  DecodeMailboxes(r, s, locals);
  DecodeForwarders(r, s, locals);
  if (auto catch_all = r.String("catch_all", std::string())) {
    s.catch_all = *catch_all;
    if (!s.catch_all.empty()) {
      r.CheckCanonical("catch_all", s.catch_all, CheckMailAddress(s.catch_all), "address");
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());
  std::sort(s.mailboxes.begin(), s.mailboxes.end(),
            [](const auto& a, const auto& b) { return a.local < b.local; });
  std::sort(s.forwarders.begin(), s.forwarders.end(),
            [](const auto& a, const auto& b) { return a.local < b.local; });
  return s;
}

Json ToJson(const MailDomainRemoval& s) {
  return Json{{"domain", s.domain}, {"account", s.account}, {"remove_content", s.remove_content}};
}

Result<MailDomainRemoval> MailDomainRemovalFromJson(const Json& j) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailDomainRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors);
  MailDomainRemoval s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  if (auto remove = r.Bool("remove_content", false)) {
    s.remove_content = *remove;
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
