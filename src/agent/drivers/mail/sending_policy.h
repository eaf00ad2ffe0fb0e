#pragma once

// The decisions of a mail node's sending policy, asked by Postfix through the policy protocol
// (SendingPolicyService): the per-account sending limit, counted over every way out of the node,
// and each domain's message size limit. Its view of the node is sending_policy.json, which
// MailDriver::Assemble writes from the live specs (Load).
//
// Where Postfix asks (policy_context, set per listener in master.cf / main.cf):
//  - "submission", RCPT:  the size the client announced (SIZE=) against the sending domain's
//    and a local recipient's limit (552 5.3.4).
//  - "submission", DATA:  the account of the login (a mailbox's domain's account, an account's
//    app login, or, for Dovecot's own sends, the account of the sender address) may send
//    recipient_count more messages within the last hour (450 4.7.1 otherwise; 550 5.7.1 when
//    the account is suspended); counted when allowed.
//  - "inbound", RCPT:     a local recipient's size limit; a forwarder (or catch-all) with targets
//    outside this node sends copies out: they count for the forwarder's account.
// Everything else is DUNNO (Postfix's own restrictions decide). Each recipient of each message
// counts one ("messages per hour" as the customer reads it in the plan).
//
// Not thread-safe: SendingPolicyService serialises Decide.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/drivers/mail/sending_counters.h"
#include "common/result.h"

namespace hostplane::agent {

// One policy request: Postfix's attributes (name -> value).
using PolicyRequest = std::map<std::string, std::string>;

class SendingPolicy {
 public:
  SendingPolicy() = default;  // knows nothing: DUNNO for everything
  // Parses sending_policy.json. Errors: kInvalid (not the shape Assemble writes).
  [[nodiscard]] static Result<SendingPolicy> Parse(const std::string& json);

  // The action line's value ("DUNNO", "450 4.7.1 ...", ...) for a request at `now_millis`.
  // Errors: kIo from the counters (the service answers a temporary failure then).
  [[nodiscard]] Result<std::string> Decide(const PolicyRequest& request, int64_t now_millis,
                                           SendingCounters& counters) const;

 private:
  struct Domain {
    std::string account;
    int64_t message_size_mb = 0;
    std::set<std::string> mailboxes;
    std::map<std::string, std::vector<std::string>> forwarders;
    std::string catch_all;
  };
  struct Account {
    std::string status;
    bool unlimited = false;
    int64_t per_hour = 0;
    bool app_login = false;
  };
  const Domain* DomainOf(const std::string& address) const;
  // The account the login sends for, "" when unknown.
  std::string AccountOfLogin(const std::string& login, const std::string& sender) const;
  // How many copies of mail to `recipient` leave the node (forwarder / catch-all targets outside).
  int64_t OutboundCopies(const std::string& recipient) const;
  Result<std::string> Charge(const std::string& account, int64_t n, int64_t now_millis,
                             SendingCounters& counters) const;
  std::string SizeCheck(const std::string& domain_address, int64_t size) const;

  std::map<std::string, Domain> domains_;
  std::map<std::string, Account> accounts_;
};

}  // namespace hostplane::agent
