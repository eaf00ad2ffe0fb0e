#include "agent/drivers/mail/sending_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "agent/drivers/mail/mail_config.h"
#include "protocol/messages.h"

namespace hostplane::agent {
namespace {

using protocol::Json;

constexpr const char* kDunno = "DUNNO";
constexpr int64_t kWindowMinutes = 60;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string DomainPart(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

std::string Attr(const PolicyRequest& r, const char* name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : it->second;
}

int64_t Number(const std::string& s) {
  if (s.empty() || s.size() > 15 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::stoll(s);
}

}  // namespace

Result<SendingPolicy> SendingPolicy::Parse(const std::string& json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  auto bad = [](const std::string& what) {
    return Fail(Error::Invalid("sending_policy.json: " + what));
  };
  if (!j.is_object() || !j.contains("domains") || !j["domains"].is_object() ||
      !j.contains("accounts") || !j["accounts"].is_object()) {
    return bad("not an object with domains and accounts");
  }
  SendingPolicy p;
  for (const auto& [name, d] : j["domains"].items()) {
    if (!d.is_object() || !d.value("account", Json()).is_string() ||
        !d.value("message_size_mb", Json()).is_number_integer() ||
        !d.value("mailboxes", Json()).is_array() || !d.value("forwarders", Json()).is_object() ||
        !d.value("catch_all", Json()).is_string()) {
      return bad("domain " + name + " is malformed");
    }
    Domain dom;
    dom.account = d["account"].get<std::string>();
    dom.message_size_mb = d["message_size_mb"].get<int64_t>();
    for (const auto& m : d["mailboxes"]) {
      if (!m.is_string()) return bad("a mailbox of " + name + " is not a string");
      dom.mailboxes.insert(m.get<std::string>());
    }
    for (const auto& [address, targets] : d["forwarders"].items()) {
      if (!targets.is_array()) return bad("forwarder " + address + " is malformed");
      for (const auto& t : targets) {
        if (!t.is_string()) return bad("forwarder " + address + " is malformed");
        dom.forwarders[address].push_back(t.get<std::string>());
      }
    }
    dom.catch_all = d["catch_all"].get<std::string>();
    p.domains_[name] = std::move(dom);
  }
  for (const auto& [name, a] : j["accounts"].items()) {
    if (!a.is_object() || !a.value("status", Json()).is_string() ||
        !a.value("unlimited", Json()).is_boolean() ||
        !a.value("messages_per_hour", Json()).is_number_integer() ||
        !a.value("app_login", Json()).is_boolean()) {
      return bad("account " + name + " is malformed");
    }
    p.accounts_[name] = Account{a["status"].get<std::string>(), a["unlimited"].get<bool>(),
                                a["messages_per_hour"].get<int64_t>(), a["app_login"].get<bool>()};
  }
  return p;
}

const SendingPolicy::Domain* SendingPolicy::DomainOf(const std::string& address) const {
  auto it = domains_.find(DomainPart(address));
  return it == domains_.end() ? nullptr : &it->second;
}

std::string SendingPolicy::AccountOfLogin(const std::string& login,
                                          const std::string& sender) const {
  if (login == kRelayLogin) {
    // Dovecot's own sends (vacation replies, redirects) leave as the mailbox they answer for.
    const Domain* d = DomainOf(sender);
    return d != nullptr && d->mailboxes.count(sender) != 0 ? d->account : std::string();
  }
  if (login.find('@') != std::string::npos) {
    const Domain* d = DomainOf(login);
    return d != nullptr && d->mailboxes.count(login) != 0 ? d->account : std::string();
  }
  auto it = accounts_.find(login);
  return it != accounts_.end() && it->second.app_login ? login : std::string();
}

int64_t SendingPolicy::OutboundCopies(const std::string& recipient) const {
  const Domain* d = DomainOf(recipient);
  if (d == nullptr || d->mailboxes.count(recipient) != 0) return 0;
  std::vector<std::string> targets;
  auto f = d->forwarders.find(recipient);
  if (f != d->forwarders.end()) {
    targets = f->second;
  } else if (!d->catch_all.empty()) {
    targets = {d->catch_all};
  }
  return std::count_if(targets.begin(), targets.end(),
                       [&](const std::string& t) { return domains_.count(DomainPart(t)) == 0; });
}

Result<std::string> SendingPolicy::Charge(const std::string& account, int64_t n, int64_t now_millis,
                                          SendingCounters& counters) const {
  auto it = accounts_.find(account);
  if (it != accounts_.end() && it->second.status != "active") {
    return fmt::format("550 5.7.1 Sending is suspended for account {}", account);
  }
  const int64_t minute = now_millis / 60'000;
  // An account the node has no mailaccount spec for yet sends without a limit being known:
  // counted, not refused (the controller sends the account's spec with its first domain).
  if (it != accounts_.end() && !it->second.unlimited) {
    auto used = counters.Count(account, minute - kWindowMinutes + 1);
    if (!used) return Fail(used.error());
    if (*used + n > it->second.per_hour) {
      return fmt::format(
          "450 4.7.1 Sending limit reached: account {} may send {} messages an hour and sent {} "
          "in the last hour; try again later",
          account, it->second.per_hour, *used);
    }
  }
  HP_TRY(counters.Add(account, minute, n));
  return std::string(kDunno);
}

std::string SendingPolicy::SizeCheck(const std::string& address, int64_t size) const {
  const Domain* d = DomainOf(address);
  if (d == nullptr || size <= d->message_size_mb * 1024 * 1024) return {};
  return fmt::format("552 5.3.4 Message too big: {} accepts messages up to {} MB",
                     DomainPart(address), d->message_size_mb);
}

Result<std::string> SendingPolicy::Decide(const PolicyRequest& request, int64_t now_millis,
                                          SendingCounters& counters) const {
  const std::string context = Attr(request, "policy_context");
  const std::string state = Attr(request, "protocol_state");
  const std::string recipient = Lower(Attr(request, "recipient"));
  const std::string sender = Lower(Attr(request, "sender"));
  const int64_t size = Number(Attr(request, "size"));
  if (context == "submission") {
    const std::string login = Lower(Attr(request, "sasl_username"));
    if (login.empty()) return std::string(kDunno);  // Postfix refuses it before us
    if (state == "RCPT") {
      for (const auto& address : {sender, recipient}) {
        if (std::string refused = SizeCheck(address, size); !refused.empty()) return refused;
      }
      return std::string(kDunno);
    }
    if (state == "DATA") {
      std::string account = AccountOfLogin(login, sender);
      if (account.empty()) {
        return fmt::format("550 5.7.1 {} may not send as {}", login,
                           sender.empty() ? "<>" : sender);
      }
      return Charge(account, std::max<int64_t>(1, Number(Attr(request, "recipient_count"))),
                    now_millis, counters);
    }
    return std::string(kDunno);
  }
  if (state == "RCPT") {  // inbound (the MX)
    if (std::string refused = SizeCheck(recipient, size); !refused.empty()) return refused;
    if (int64_t copies = OutboundCopies(recipient); copies > 0) {
      return Charge(DomainOf(recipient)->account, copies, now_millis, counters);
    }
  }
  return std::string(kDunno);
}

}  // namespace hostplane::agent
