#include "protocol/mail_spec.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "common/passwd/service_password.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

// The shape codes of messages.h, spelled the same way.
constexpr const char* kFieldMissing = "field.missing";
constexpr const char* kFieldType = "field.type";

// Collects every violation of one spec, each under its full path. The member readers return
// nullopt after recording a violation, so a decoder just keeps going.
class SpecReader {
 public:
  explicit SpecReader(FieldErrors& errors) : errors_(errors) {}

  // The member `key` of `object` (at `path`), or nullptr when absent.
  static const Json* Find(const Json& object, const std::string& key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  std::optional<std::string> String(const Json& object, const std::string& path,
                                    const std::string& key,
                                    std::optional<std::string> fallback = std::nullopt) {
    const Json* v = Find(object, key);
    if (v == nullptr) return Absent(path, std::move(fallback));
    if (!v->is_string()) return Wrong<std::string>(path, "a string");
    return v->get<std::string>();
  }

  std::optional<bool> Bool(const Json& object, const std::string& path, const std::string& key,
                           bool fallback) {
    const Json* v = Find(object, key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) return Wrong<bool>(path, "true or false");
    return v->get<bool>();
  }

  // An array member; absent is an empty array when optional.
  std::optional<const Json*> Array(const Json& object, const std::string& path,
                                   const std::string& key, bool optional) {
    static const Json kEmpty = Json::array();
    const Json* v = Find(object, key);
    if (v == nullptr) return optional ? std::optional<const Json*>(&kEmpty) : Missing(path);
    if (!v->is_array()) return Wrong<const Json*>(path, "an array");
    return v;
  }

  // A string that must already be in the canonical form of its grammar.
  template <typename Check>
  std::string Canonical(const Json& object, const std::string& path, const std::string& key,
                        Check check, const char* grammar) {
    auto v = String(object, path, key);
    if (!v) return {};
    CheckCanonical(path, *v, check(*v), grammar);
    return *v;
  }

  void CheckCanonical(const std::string& path, const std::string& value,
                      const Checked<std::string>& checked, const char* grammar) {
    if (!checked) {
      errors_.Add(path, checked.error());
    } else if (*checked != value) {
      errors_.Add(path, {std::string(grammar) + ".not_canonical",
                         "The value " + QuoteForMessage(value) + " is not in canonical form (" +
                             QuoteForMessage(*checked) + ")."});
    }
  }

  void Add(const std::string& path, std::string code, std::string message) {
    errors_.Add(path, {std::move(code), std::move(message)});
  }

 private:
  template <typename T>
  std::optional<T> Absent(const std::string& path, std::optional<T> fallback) {
    if (fallback) return fallback;
    Missing(path);
    return std::nullopt;
  }
  std::nullopt_t Missing(const std::string& path) {
    errors_.Add(path, {kFieldMissing, "Required field \"" + path + "\" is missing."});
    return std::nullopt;
  }
  template <typename T>
  std::optional<T> Wrong(const std::string& path, const char* expected) {
    errors_.Add(path, {kFieldType, "Field \"" + path + "\" must be " + expected + "."});
    return std::nullopt;
  }

  FieldErrors& errors_;
};

std::string At(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

// quota_mb: a JSON integer (not a float, not a string) in range.
std::optional<int64_t> Quota(SpecReader& r, const Json& object, const std::string& path) {
  const Json* v = SpecReader::Find(object, "quota_mb");
  if (v == nullptr) {
    r.Add(path, kFieldMissing, "Required field \"" + path + "\" is missing.");
    return std::nullopt;
  }
  if (!v->is_number_integer()) {
    r.Add(path, kFieldType, "Field \"" + path + "\" must be an integer.");
    return std::nullopt;
  }
  bool in_range = v->is_number_unsigned()
                      ? v->get<uint64_t>() <= static_cast<uint64_t>(kMaxQuotaMb) &&
                            v->get<uint64_t>() >= static_cast<uint64_t>(kMinQuotaMb)
                      : v->get<int64_t>() >= kMinQuotaMb && v->get<int64_t>() <= kMaxQuotaMb;
  if (!in_range) {
    r.Add(path, "quota.out_of_range",
          "The quota must be from " + std::to_string(kMinQuotaMb) + " to " +
              std::to_string(kMaxQuotaMb) + " MB.");
    return std::nullopt;
  }
  return v->get<int64_t>();
}

// Local parts are unique across a domain's mailboxes and forwarders: each is one address.
void NoteLocal(SpecReader& r, std::set<std::string>& seen, const std::string& path,
               const std::string& local) {
  if (!CheckLocalPart(local) || *CheckLocalPart(local) != local) return;  // reported already
  if (!seen.insert(local).second) {
    r.Add(path, "local_part.duplicate",
          "The address " + QuoteForMessage(local) + " is used twice in this domain.");
  }
}

void DecodeMailboxes(SpecReader& r, const Json& j, MailDomainSpec& s, std::set<std::string>& seen) {
  auto list = r.Array(j, "mailboxes", "mailboxes", /*optional=*/true);
  if (!list) return;
  if ((*list)->size() > kMaxMailboxes) {
    r.Add("mailboxes", "field.range",
          "A domain has at most " + std::to_string(kMaxMailboxes) + " mailboxes.");
    return;
  }
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Json& item = (**list)[i];
    std::string path = At("mailboxes", i);
    if (!item.is_object()) {
      r.Add(path, kFieldType, "Field \"" + path + "\" must be an object.");
      continue;
    }
    MailboxSpec m;
    m.local = r.Canonical(item, path + ".local", "local", CheckLocalPart, "local_part");
    NoteLocal(r, seen, path + ".local", m.local);
    if (auto hash = r.String(item, path + ".password_hash", "password_hash")) {
      m.password_hash = *hash;
      if (!IsServicePasswordHash(m.password_hash)) {
        // Never quote the value: it is a password hash.
        r.Add(path + ".password_hash", "password_hash.invalid",
              "The password hash of mailbox " + QuoteForMessage(m.local) +
                  " is not a \"$y$\" or \"$6$\" crypt hash.");
      }
    }
    if (auto quota = Quota(r, item, path + ".quota_mb")) m.quota_mb = *quota;
    s.mailboxes.push_back(std::move(m));
  }
}

void DecodeForwarders(SpecReader& r, const Json& j, MailDomainSpec& s,
                      std::set<std::string>& seen) {
  auto list = r.Array(j, "forwarders", "forwarders", /*optional=*/true);
  if (!list) return;
  if ((*list)->size() > kMaxForwarders) {
    r.Add("forwarders", "field.range",
          "A domain has at most " + std::to_string(kMaxForwarders) + " forwarders.");
    return;
  }
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Json& item = (**list)[i];
    std::string path = At("forwarders", i);
    if (!item.is_object()) {
      r.Add(path, kFieldType, "Field \"" + path + "\" must be an object.");
      continue;
    }
    ForwarderSpec f;
    f.local = r.Canonical(item, path + ".local", "local", CheckLocalPart, "local_part");
    NoteLocal(r, seen, path + ".local", f.local);
    auto targets = r.Array(item, path + ".targets", "targets", /*optional=*/false);
    if (targets) {
      const Json& t = **targets;
      if (t.empty()) {
        r.Add(path + ".targets", "forwarder.no_targets",
              "Forwarder " + QuoteForMessage(f.local) + " has no target address.");
      } else if (t.size() > kMaxForwarderTargets) {
        r.Add(path + ".targets", "forwarder.too_many_targets",
              "Forwarder " + QuoteForMessage(f.local) + " has more than " +
                  std::to_string(kMaxForwarderTargets) + " targets.");
      } else {
        std::set<std::string> distinct;
        for (size_t k = 0; k < t.size(); ++k) {
          std::string tpath = At(path + ".targets", k);
          if (!t[k].is_string()) {
            r.Add(tpath, kFieldType, "Field \"" + tpath + "\" must be a string.");
            continue;
          }
          std::string target = t[k].get<std::string>();
          auto checked = CheckMailAddress(target);
          r.CheckCanonical(tpath, target, checked, "address");
          if (checked && *checked == target && !distinct.insert(target).second) {
            r.Add(tpath, "address.duplicate",
                  "The target " + QuoteForMessage(target) + " is listed twice.");
          }
          f.targets.push_back(std::move(target));
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
  SpecReader r(errors);
  MailDomainSpec s;
  s.domain = r.Canonical(j, "domain", "domain", CheckDomain, "domain");
  s.account = r.Canonical(j, "account", "account", CheckLoginGrammar, "login");
  if (auto status = r.String(j, "status", "status", std::string("active"))) {
    s.status = *status;
    if (s.status != "active" && s.status != "suspended") {
      r.Add(
          "status", "status.invalid",
          "The status must be \"active\" or \"suspended\", not " + QuoteForMessage(s.status) + ".");
    }
  }
  std::set<std::string> locals;
  DecodeMailboxes(r, j, s, locals);
  DecodeForwarders(r, j, s, locals);
  if (auto catch_all = r.String(j, "catch_all", "catch_all", std::string())) {
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
  SpecReader r(errors);
  MailDomainRemoval s;
  s.domain = r.Canonical(j, "domain", "domain", CheckDomain, "domain");
  s.account = r.Canonical(j, "account", "account", CheckLoginGrammar, "login");
  if (auto remove = r.Bool(j, "remove_content", "remove_content", false)) {
    s.remove_content = *remove;
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
