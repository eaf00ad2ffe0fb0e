#include "protocol/mail_spec.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "common/passwd/service_password.h"
#include "common/sealed_box.h"
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

void DecodeSendAs(const SpecReader& r, const std::string& domain, MailboxSpec& m) {
  const Json* list = r.Array("send_as", /*optional=*/true);
  if (list == nullptr) return;
  if (list->size() > kMaxSendAs) {
    r.Add("send_as", {kFieldRange, "A mailbox may send as at most " + std::to_string(kMaxSendAs) +
                                       " other addresses."});
    return;
  }
  std::set<std::string> distinct;
  const std::string own = m.local + "@" + domain;
  for (size_t k = 0; k < list->size(); ++k) {
    auto address = r.StringItem(*list, "send_as", k);
    if (!address) continue;
    std::string field = Indexed("send_as", k);
    auto checked = CheckMailAddress(*address);
    r.CheckCanonical(field, *address, checked, "address");
    if (checked && *checked == *address && (*address == own || !distinct.insert(*address).second)) {
      r.Add(field, {"address.duplicate", "The address " + QuoteForMessage(*address) +
                                             " is listed twice (or is the mailbox's own)."});
    }
    m.send_as.push_back(std::move(*address));
  }
  std::sort(m.send_as.begin(), m.send_as.end());
}

AutoresponderSpec DecodeAutoresponder(const SpecReader& r) {
  AutoresponderSpec a;
  if (auto subject = r.String("subject")) {
    a.subject = *subject;
    if (auto v = CheckText(a.subject, kMaxAutoresponderSubject, false, "autoresponder.subject");
        !v) {
      r.Add("subject", v.error());
    }
  }
  if (auto body = r.String("body")) {
    a.body = *body;
    if (auto v = CheckText(a.body, kMaxAutoresponderBody, true, "autoresponder.body"); !v) {
      r.Add("body", v.error());
    }
  }
  for (auto [key, value] : {std::pair{"start", &a.start}, std::pair{"end", &a.end}}) {
    if (auto date = r.String(key, std::string())) {
      *value = *date;
      if (!value->empty() && !IsCalendarDate(*value)) {
        r.Add(key, {"autoresponder.date_invalid",
                    "The date " + QuoteForMessage(*value) + " is not a date YYYY-MM-DD."});
      }
    }
  }
  if (IsCalendarDate(a.start) && IsCalendarDate(a.end) && a.end < a.start) {
    r.Add("end", {"autoresponder.dates_reversed",
                  "The autoresponder ends (" + a.end + ") before it starts (" + a.start + ")."});
  }
  if (auto days =
          r.Integer("days", 1, kMaxAutoresponderDays, 1, "autoresponder.days_out_of_range")) {
    a.days = *days;
  }
  return a;
}

std::optional<DkimSpec> DecodeDkim(const SpecReader& r) {
  DkimSpec d;
  if (auto selector = r.String("selector")) {
    d.selector = *selector;
    if (!IsDkimSelector(d.selector)) {
      r.Add("selector",
            {"dkim.selector_invalid", "The DKIM selector " + QuoteForMessage(d.selector) +
                                          " is not one DNS label of a-z, 0-9 and '-'."});
    }
  }
  if (auto key = r.String("private_key")) {
    d.private_key = *key;
    // Never quote the value: it is a (sealed) secret.
    if (!IsSealedText(d.private_key)) {
      r.Add("private_key", {"dkim.key_not_sealed",
                            "The DKIM private key must be sealed to the mail node (\"sealed:\")."});
    }
  }
  return d;
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
    DecodeSendAs(*item, s.domain, m);
    if (auto spam = item->Bool("spam_filter", false)) m.spam_filter = *spam;
    if (item->Has("autoresponder")) {
      if (const Json* a = item->Object("autoresponder")) {
        m.autoresponder = DecodeAutoresponder(item->Nested(*a, "autoresponder"));
      }
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

bool IsDkimSelector(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsCalendarDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || s[0] != '2') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int year = std::stoi(std::string(s.substr(0, 4)));
  int month = std::stoi(std::string(s.substr(5, 2)));
  int day = std::stoi(std::string(s.substr(8, 2)));
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

Json ToJson(const MailDomainSpec& s) {
  Json mailboxes = Json::array();
  for (const auto& m : s.mailboxes) {
    Json box{{"local", m.local},
             {"password_hash", m.password_hash},
             {"quota_mb", m.quota_mb},
             {"send_as", m.send_as},
             {"spam_filter", m.spam_filter}};
    if (m.autoresponder) {
      const auto& a = *m.autoresponder;
      box["autoresponder"] = Json{{"subject", a.subject},
                                  {"body", a.body},
                                  {"start", a.start},
                                  {"end", a.end},
                                  {"days", a.days}};
    }
    mailboxes.push_back(std::move(box));
  }
  Json forwarders = Json::array();
  for (const auto& f : s.forwarders) {
    forwarders.push_back(Json{{"local", f.local}, {"targets", f.targets}});
  }
  Json out{{"domain", s.domain},
           {"account", s.account},
           {"status", s.status},
           {"mailboxes", std::move(mailboxes)},
           {"forwarders", std::move(forwarders)},
           {"catch_all", s.catch_all},
           {"message_size_mb", s.message_size_mb}};
  if (s.dkim)
    out["dkim"] = Json{{"selector", s.dkim->selector}, {"private_key", s.dkim->private_key}};
  return out;
}

Result<MailDomainSpec> MailDomainSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailDomainSpec: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
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
  if (auto size = r.Integer("message_size_mb", 1, kMaxMessageSizeMb, kDefaultMessageSizeMb,
                            "message_size.out_of_range")) {
    s.message_size_mb = *size;
  }
  if (r.Has("dkim")) {
    if (const Json* d = r.Object("dkim")) s.dkim = DecodeDkim(r.Nested(*d, "dkim"));
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
  r.RecordUnknown();
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

Result<MailDomainRemoval> MailDomainRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailDomainRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  MailDomainRemoval s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  if (auto remove = r.Bool("remove_content", false)) {
    s.remove_content = *remove;
  }
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
