#pragma once

// The specs of the virtual-mail tasks (shared/contract: maildomain.ensure / maildomain.remove,
// object "maildomain:<domain>", mail nodes). The controller computes every value (the password
// hashes included); the agent decodes them again with these functions before rendering a single
// byte of Postfix or Dovecot syntax (shared/SECURITY.md rule 3).
//
// Decoding follows SiteSpecFromJson (protocol/messages.h): the spec must be a JSON object,
// members nobody reads are ignored, a member that is present must have its type (null is a wrong
// type), and every violation is reported at once as kInvalid with fields {path: code}, paths
// like "mailboxes[2].local" or "forwarders[0].targets[3]". Codes are field.missing, field.type,
// field.range, the validate.h codes (domain.*, login.*, local_part.*), "<grammar>.not_canonical"
// for a valid value that is not in canonical form, and:
//   address.invalid            a target or catch_all that is not "<local part>@<domain>"
//   password_hash.invalid      not IsServicePasswordHash (common/passwd/service_password.h)
//   quota.out_of_range         quota_mb not an integer in [kMinQuotaMb, kMaxQuotaMb]
//   forwarder.no_targets       an empty target list
//   forwarder.too_many_targets more than kMaxForwarderTargets targets
//   local_part.duplicate       a local part used twice (between mailboxes and forwarders too)
//   address.duplicate          a target listed twice in one forwarder
//   status.invalid             a status other than active|suspended|moving

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

inline constexpr const char* kMailDomainEnsure = "maildomain.ensure";
inline constexpr const char* kMailDomainRemove = "maildomain.remove";

inline constexpr int64_t kMinQuotaMb = 1;
inline constexpr int64_t kMaxQuotaMb = 1048576;  // 1 TiB
inline constexpr size_t kMaxForwarderTargets = 50;
// Bounds on the lists of one domain, so one task cannot make the agent render without limit.
inline constexpr size_t kMaxMailboxes = 10000;
inline constexpr size_t kMaxForwarders = 10000;

struct MailboxSpec {
  std::string local;          // canonical local part (CheckLocalPart)
  std::string password_hash;  // "$y$..." or "$6$..." (IsServicePasswordHash)
  int64_t quota_mb = 0;       // [kMinQuotaMb, kMaxQuotaMb]
  bool operator==(const MailboxSpec&) const = default;
};

struct ForwarderSpec {
  std::string local;                 // canonical local part
  std::vector<std::string> targets;  // full addresses, canonical, in the order given
  bool operator==(const ForwarderSpec&) const = default;
};

// kind maildomain.ensure: the full desired state of one mail domain. mailboxes and forwarders
// (optional, default empty) come back sorted by local part; catch_all (optional) is "" for none
// or a full address; status (optional) is "active", "suspended" (logins refused, mail still
// accepted and kept) or "moving" (the domain's Maildirs are being copied to another server during
// a drain: logins refused and new mail deferred with a 4xx, so senders retry and reach the new
// server once the DNS points there, and nothing lands in the copy's source after it was packed).
struct MailDomainSpec {
  std::string domain;   // canonical A-label form
  std::string account;  // the owning customer's login (CheckLoginGrammar)
  std::string status = "active";
  std::vector<MailboxSpec> mailboxes;
  std::vector<ForwarderSpec> forwarders;
  std::string catch_all;
  bool operator==(const MailDomainSpec&) const = default;
};
Json ToJson(const MailDomainSpec& s);
[[nodiscard]] Result<MailDomainSpec> MailDomainSpecFromJson(const Json& j);

// kind maildomain.remove. remove_content (optional, default false) also deletes the stored mail.
struct MailDomainRemoval {
  std::string domain;
  std::string account;
  bool remove_content = false;
  bool operator==(const MailDomainRemoval&) const = default;
};
Json ToJson(const MailDomainRemoval& s);
[[nodiscard]] Result<MailDomainRemoval> MailDomainRemovalFromJson(const Json& j);

// A full mail address "<local part>@<domain>", both halves canonical: returns the violation of
// the first half that fails (address.invalid when there is no '@'), or the address unchanged.
Checked<std::string> CheckMailAddress(std::string_view input);

}  // namespace hostplane::protocol
