#pragma once

// The specs of the virtual-mail tasks (shared/contract: maildomain.ensure / maildomain.remove,
// object "maildomain:<domain>", mail nodes). The controller computes every value (the password
// hashes included); the agent decodes them again with these functions before rendering a single
// byte of Postfix or Dovecot syntax (shared/SECURITY.md rule 3).
//
// Decoding follows SiteSpecFromJson (protocol/messages.h): the spec must be a JSON object,
// members nobody reads are ignored (field.unknown with UnknownMembers::kRefuse), a member that
// is present must have its type (null is a wrong type), and every violation is reported at once
// as kInvalid with fields {path: code}, paths like "mailboxes[2].local" or
// "forwarders[0].targets[3]". Codes are field.missing, field.type, field.range, the validate.h
// codes (domain.*, login.*, local_part.*), "<grammar>.not_canonical" for a valid value that is not
// in canonical form, and:
//   address.invalid            a target or catch_all that is not "<local part>@<domain>"
//   password_hash.invalid      not IsServicePasswordHash (common/passwd/service_password.h)
//   quota.out_of_range         quota_mb not an integer in [kMinQuotaMb, kMaxQuotaMb]
//   forwarder.no_targets       an empty target list
//   forwarder.too_many_targets more than kMaxForwarderTargets targets
//   local_part.duplicate       a local part used twice (between mailboxes and forwarders too)
//   address.duplicate          a target listed twice in one forwarder
//   status.invalid             a status other than active|suspended|moving
//   message_size.out_of_range  message_size_mb not an integer in [1, kMaxMessageSizeMb]
//   dkim.selector_invalid      a selector that is not one DNS label ([a-z0-9-], 1-63, no edge '-')
//   dkim.key_not_sealed        a DKIM private key that is not a "sealed:" value
//   (common/sealed_box.h) autoresponder.subject.*, autoresponder.body.*   CheckText's codes
//   (validate.h) autoresponder.date_invalid    a start or end that is not a calendar date
//   YYYY-MM-DD autoresponder.dates_reversed  an end before the start
//   autoresponder.days_out_of_range  days not an integer in [1, kMaxAutoresponderDays]
//
// Versions: every member added after the first version (message_size_mb, dkim, and per mailbox
// send_as, spam_filter, autoresponder) is optional with a default that keeps the old behaviour
// (50 MB, no signing, own address only, no filter, no autoresponder), so a spec from an older
// controller decodes unchanged; an agent that does not know a member ignores it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
// The size of one message (with its attachments, as transferred) the domain accepts and its
// mailboxes may send: the plan's limit. Postfix's own message_size_limit is the node's maximum.
inline constexpr int64_t kDefaultMessageSizeMb = 50;
inline constexpr int64_t kMaxMessageSizeMb = 1024;
inline constexpr size_t kMaxSendAs = 50;
inline constexpr size_t kMaxAutoresponderSubject = 200;
inline constexpr size_t kMaxAutoresponderBody = 8000;
inline constexpr int64_t kMaxAutoresponderDays = 30;

// A Sieve vacation reply (RFC 5230): sent at most once per sender per `days`, only between start
// and end (inclusive, the node's calendar dates; "" = open). Absent in a mailbox = no reply.
struct AutoresponderSpec {
  std::string subject;  // CheckText, one line, <= kMaxAutoresponderSubject bytes
  std::string body;     // CheckText, lines end with "\n", <= kMaxAutoresponderBody bytes
  std::string start;    // "" or "YYYY-MM-DD"
  std::string end;      // "" or "YYYY-MM-DD", not before start
  int64_t days = 1;     // [1, kMaxAutoresponderDays]
  bool operator==(const AutoresponderSpec&) const = default;
};

struct MailboxSpec {
  MailboxSpec() = default;
  // The members every version had; the later ones keep their defaults.
  MailboxSpec(std::string local_part, std::string hash, int64_t quota)
      : local(std::move(local_part)), password_hash(std::move(hash)), quota_mb(quota) {}

  std::string local;          // canonical local part (CheckLocalPart)
  std::string password_hash;  // "$y$..." or "$6$..." (IsServicePasswordHash)
  int64_t quota_mb = 0;       // [kMinQuotaMb, kMaxQuotaMb]
  // Other addresses this mailbox may send as besides its own (aliases it is allowed): full
  // canonical addresses, sorted, unique, at most kMaxSendAs (optional, default none).
  std::vector<std::string> send_as;
  bool spam_filter = false;  // SpamAssassin's verdict files spam into Junk (optional)
  std::optional<AutoresponderSpec> autoresponder;
  bool operator==(const MailboxSpec&) const = default;
};

struct ForwarderSpec {
  std::string local;                 // canonical local part
  std::vector<std::string> targets;  // full addresses, canonical, in the order given
  bool operator==(const ForwarderSpec&) const = default;
};

// The domain's DKIM signing key (RFC 6376): outgoing mail from the domain is signed with it as
// d=<domain>, s=<selector>. The PEM private key travels sealed to the mail node (sealed_box.h):
// only that node's agent opens it.
struct DkimSpec {
  std::string selector;     // one DNS label
  std::string private_key;  // "sealed:<base64>" of an RSA or Ed25519 PEM private key
  bool operator==(const DkimSpec&) const = default;
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
  int64_t message_size_mb = kDefaultMessageSizeMb;  // optional
  std::optional<DkimSpec> dkim;                     // optional: absent = not signed
  bool operator==(const MailDomainSpec&) const = default;
};
Json ToJson(const MailDomainSpec& s);
[[nodiscard]] Result<MailDomainSpec> MailDomainSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// kind maildomain.remove. remove_content (optional, default false) also deletes the stored mail.
struct MailDomainRemoval {
  std::string domain;
  std::string account;
  bool remove_content = false;
  bool operator==(const MailDomainRemoval&) const = default;
};
Json ToJson(const MailDomainRemoval& s);
[[nodiscard]] Result<MailDomainRemoval> MailDomainRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// A full mail address "<local part>@<domain>", both halves canonical: returns the violation of
// the first half that fails (address.invalid when there is no '@'), or the address unchanged.
Checked<std::string> CheckMailAddress(std::string_view input);

// A DKIM selector: one DNS label, [a-z0-9-], 1-63, no leading or trailing '-'.
bool IsDkimSelector(std::string_view s);
// A calendar date "YYYY-MM-DD" (years 2000-2999) that exists.
bool IsCalendarDate(std::string_view s);

}  // namespace hostplane::protocol
