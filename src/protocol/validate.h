#pragma once

// The input grammars of shared/SECURITY.md, in one place. The controller checks every field with
// these at the API, and the agent checks again before rendering (rule 3). Each check returns the
// canonical form, or a Violation with a stable machine-readable code ("domain.label_too_long")
// and a sentence for a person.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "common/result.h"

namespace hostplane::protocol {

struct Violation {
  std::string code;     // "<grammar>.<reason>", e.g. "domain.mixed_script"
  std::string message;  // a sentence, safe to show (input is quoted escaped, never raw)
};

template <typename T>
using Checked = tl::expected<T, Violation>;

// Domain: IDNA 2008 / UTS #46 non-transitional to lowercase A-labels (libidn2), one trailing dot
// stripped, labels 1-63 of [a-z0-9-] without a leading or trailing '-', total <= 253, at least
// two labels, not an IP literal, TLD not all digits, no label mixing scripts (ICU), no invisible
// code point (checked BEFORE the IDNA mapping, which would silently drop U+200B and its kind),
// not a reserved name (CheckReservedName without extras). Codes: domain.empty, domain.too_long,
// domain.label_empty, domain.label_too_long, domain.invalid_character,
// domain.disallowed_codepoint, domain.hyphen, domain.single_label, domain.ip_literal,
// domain.numeric_tld, domain.mixed_script, domain.idna, domain.reserved.
Checked<std::string> CheckDomain(std::string_view input);

// The one reserved-name list. Built in: localhost and every name under it,
// localhost.localdomain, .local (mDNS), .invalid, .arpa except the reverse zones strictly below
// in-addr.arpa and ip6.arpa, and hostplane.internal (hostplane's own names). Documentation names
// (.example, .test, example.com) stay allowed, so the README and the tests work. `extra` are the
// operator's names (the panel's host name, the nodes' own names: HostingOptions::reserved_names,
// `--reserved-name`), canonical domains; for them a name ABOVE one is refused too (a customer's
// zone "example.net" would answer for "panel.example.net"). name is canonical (CheckDomain's
// output). Returns domain.reserved, or nullopt when the name is free of them.
std::optional<Violation> CheckReservedName(std::string_view name,
                                           const std::vector<std::string>& extra = {});

// The owner name of a DNS record in zone (a canonical domain): "@" for the apex, otherwise a name
// RELATIVE to the zone: lowercase labels of [a-z0-9_-], 1-63 bytes each, no '-' at either end of
// a label, an optional leading "*" wildcard label; the whole owner name (name + "." + zone) at
// most 253 bytes. An absolute name inside the zone ("www.acme.example.") is canonicalised to
// "www"; anything else that ends in a dot is refused. Code: record.name_invalid.
Checked<std::string> CheckDnsOwnerName(std::string_view zone, std::string_view input);

// The comment (GECOS field) the agent gives every Unix user it creates for an account: how the
// agent, and the all-in-one's controller on the same machine, tell the account users hostplane
// made ("ours") from the machine's other users.
inline constexpr std::string_view kAccountUserComment = "hostplane account";

// What this machine's user database says about a Unix user name: none; a user the agent made for
// an account (comment kAccountUserComment); a user hostplane does not manage; or no answer.
enum class UnixUserOwner { kAbsent, kHostplane, kOther, kUnknown };
UnixUserOwner LookUpUnixUser(const std::string& name);

// The login of a NEW customer: ^[a-z][a-z0-9]{2,15}$, not a reserved name, and not the name of
// a user of this machine that hostplane does not manage (an account user hostplane made is not a
// clash: the agent takes it over when its uid matches, and refuses it precisely otherwise).
// Codes: login.empty, login.starts_with_digit, login.invalid_character, login.too_short,
// login.too_long, login.reserved.
Checked<std::string> CheckLogin(std::string_view input);
// The same grammar and reserved names without asking this machine's user database: for a
// reference to an existing customer (its Unix user exists by design once its account is applied)
// and for the agent, which re-checks the login of a task. Codes as CheckLogin.
Checked<std::string> CheckLoginGrammar(std::string_view input);

// The one path grammar: a relative path inside an account root (docroot, FTP home): no "..", not
// absolute, no control characters or backslashes, no empty or "." components after
// normalisation, <= 255 bytes, components of [A-Za-z0-9._-] only and none starting with '-' (a
// program given the path as an argument would read it as an option). Returns the normalised form
// ("web/shop/public"). Codes: path.empty, path.absolute, path.dot_dot, path.control_character,
// path.backslash, path.invalid_character, path.leading_hyphen, path.too_long.
Checked<std::string> CheckRelativePath(std::string_view input);

// Email address for contact data: local@domain, local part of printable ASCII without spaces,
// quotes, <>, ',', ';'; the domain through CheckDomain. Lowercases the domain.
// Codes: email.invalid, email.too_long, plus the domain.* codes of its domain.
Checked<std::string> CheckEmail(std::string_view input);

// The one password policy: valid UTF-8, no control characters, 12-1024 bytes, unchanged by
// Unicode normalisation (NFC: Dovecot, pure-ftpd and MariaDB compare the bytes they get, so "é"
// typed as one code point or as "e" + U+0301 would be two different passwords), and not equal
// (ignoring ASCII case) to any of user_names (the login, the mailbox address and its local part,
// the FTP or database user). Never echoes the password. Codes: password.too_short,
// password.too_long, password.invalid_utf8, password.control_character, password.not_nfc,
// password.same_as_user.
Checked<std::string> CheckPassword(std::string_view input,
                                   const std::vector<std::string>& user_names);
Checked<std::string> CheckPassword(std::string_view input);  // no user names

// Mailbox local part: ^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$, no "..", lowercased.
// Codes: local_part.invalid, local_part.dot_dot, local_part.too_long, local_part.plus_reserved.
Checked<std::string> CheckLocalPart(std::string_view input);

// Display name: valid UTF-8, 1-200 bytes, no control characters. Trimmed.
// Codes: name.empty, name.too_long, name.control_character, name.invalid_utf8.
Checked<std::string> CheckDisplayName(std::string_view input);

// Free text a person wrote that ends up inside a message someone else reads (an autoresponder's
// subject and body): valid UTF-8, 1-max_bytes bytes, no control or bidi characters except line
// feeds (and tabs) when multiline; a carriage return is refused either way (lines end with "\n").
// Not trimmed. Codes: <grammar>.empty, <grammar>.too_long, <grammar>.invalid_utf8,
// <grammar>.control_character.
Checked<std::string> CheckText(std::string_view input, size_t max_bytes, bool multiline,
                               const std::string& grammar);

// Node name: ^[a-z][a-z0-9-]{0,62}$ without a trailing '-'. Codes: node.invalid.
Checked<std::string> CheckNodeName(std::string_view input);

// Strict decimal integer (no sign unless min < 0, no spaces, no leading '+', no leading zeros,
// no exponent) within [min, max]. Codes: number.not_integer, number.out_of_range.
Checked<int64_t> CheckInteger(std::string_view input, int64_t min, int64_t max);

// The input quoted for a message or a log line: at most 64 characters, control and bidi
// characters and invalid UTF-8 escaped as \n, \x1b or \u{202e}, so an error never
// carries raw input to a terminal, a log file or a page.
std::string QuoteForMessage(std::string_view input);

// Collects violations by field path and turns them into one kInvalid Error.
class FieldErrors {
 public:
  void Add(const std::string& field, const Violation& v);
  bool empty() const { return fields_.empty(); }
  // kInvalid with fields {path: code} and a message joining the sentences.
  Error ToError() const;

 private:
  std::vector<std::pair<std::string, Violation>> fields_;
};

}  // namespace hostplane::protocol
