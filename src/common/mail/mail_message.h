#pragma once

// One e-mail as the controller sends it (password reset links, lockout notices, order mails):
// a plain-text UTF-8 body, rendered to RFC 5322 bytes by GMime — headers with non-ASCII text
// become RFC 2047 encoded-words, the body is quoted-printable with charset=utf-8, lines end in
// CRLF. The Message-ID is the caller's, fixed when the mail is queued, so a resend after a crash
// carries the same id and a recipient (or a test) recognises it.
//
// Addresses must already have passed protocol::CheckEmail at the API; Render still refuses
// anything that could break a header (control characters, spaces, brackets, quotes). Pure
// functions; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::mail {

struct MailAddress {
  std::string display_name;  // UTF-8, may be empty
  std::string address;       // local@domain, ASCII
};

struct MailMessage {
  MailAddress from;
  std::vector<MailAddress> to;
  std::string subject;     // UTF-8, one line
  std::string text_body;   // UTF-8; LF or CRLF line ends
  std::string message_id;  // "<random>@<domain>" without angle brackets (NewMessageId)
  int64_t date_ms = 0;     // the Date header (milliseconds since the epoch)
  // RFC 3834: "Auto-Submitted: auto-generated", so vacation responders do not answer.
  bool auto_generated = true;
};

// "<32 hex characters>@<domain>". Errors: kInvalid when domain is empty or not [a-z0-9.-].
[[nodiscard]] Result<std::string> NewMessageId(std::string_view domain);

// The message as RFC 5322 bytes with CRLF line ends. Errors: kInvalid with a field path
// ("from.address", "to[0].address", "to", "subject", "message_id", "from.display_name",
// "text_body") and mail.* codes: mail.address_invalid, mail.no_recipient,
// mail.header_control_character, mail.message_id_invalid, mail.invalid_utf8.
[[nodiscard]] Result<std::string> RenderMessage(const MailMessage& message);

}  // namespace hostplane::mail
