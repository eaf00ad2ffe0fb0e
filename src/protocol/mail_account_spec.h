#pragma once

// The mail settings of one hosting account on a mail node (kinds mailaccount.ensure /
// mailaccount.remove, object "mailaccount:<login>", sent to every mail node that serves one of
// the account's mail domains, and to the node PHP's mail() submits to). What it carries is
// per account, not per domain: the plan's sending limit, counted over every path out of the node
// (submission by any of the account's mailboxes, PHP's mail() through the account's own
// submission login, forwarders to outside addresses), and that submission login.
//
// The app login: the login name is the account's login itself (no '@', so it never collides with
// a mailbox address). PHP's mail() submits through msmtp with it (account_spec.h's
// mail_submission carries the sealed password to the web node; this spec the hash to the mail
// node). It may send as any address of sender_domains.
//
// Decoding follows MailDomainSpecFromJson (mail_spec.h): every violation at once, kInvalid with
// fields {path: code}. Codes: field.missing, field.type, login.*, status.invalid (not
// active|suspended), sending_limit.out_of_range (messages_per_hour not in
// [1, kMaxMessagesPerHour]; required unless unlimited_sending), password_hash.invalid,
// domain.* and domain.not_canonical for sender_domains, domain.duplicate, field.range (more
// than kMaxSenderDomains).

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/messages.h"

namespace hostplane::protocol {

inline constexpr const char* kMailAccountEnsure = "mailaccount.ensure";
inline constexpr const char* kMailAccountRemove = "mailaccount.remove";

inline constexpr int64_t kMaxMessagesPerHour = 1000000;
inline constexpr size_t kMaxSenderDomains = 1000;

struct MailAccountSpec {
  std::string account;            // CheckLoginGrammar, canonical
  std::string status = "active";  // suspended: nothing the account submits leaves the node
  // "unlimited" is a flag (SECURITY: numbers), never a magic number.
  bool unlimited_sending = false;
  int64_t messages_per_hour = 0;            // each recipient of each message counts one
  std::string submission_password_hash;     // "" = no app login; else "$y$..." / "$6$..."
  std::vector<std::string> sender_domains;  // sorted, unique
  bool operator==(const MailAccountSpec&) const = default;
};
Json ToJson(const MailAccountSpec& s);
[[nodiscard]] Result<MailAccountSpec> MailAccountSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

struct MailAccountRemoval {
  std::string account;
  bool operator==(const MailAccountRemoval&) const = default;
};
Json ToJson(const MailAccountRemoval& s);
[[nodiscard]] Result<MailAccountRemoval> MailAccountRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

}  // namespace hostplane::protocol
