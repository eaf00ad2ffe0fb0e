#pragma once

// How PHP's mail() leaves a web node: msmtp submits every message, authenticated as the
// account's app login (mail_account_spec.h), over TLS to a mail node's submission port, where
// the sending limit counts it like any other message. Member "mail_submission" of account.ensure
// (account_spec.h), optional: absent = PHP's mail() has no way out (no sendmail_path is set).
//
// {"host": "192.0.2.10", "port": 587, "tls": "starttls", "tls_name": "mx1.example.net",
//  "password": "sealed:...", "envelope_from": "wordpress@shop.example"}
//
// The password is sealed to the web node (common/sealed_box.h); the agent opens it and writes it
// only into the account's msmtp configuration (0600, owned by the account's user). Codes (under
// "mail_submission."): field.missing, field.type, submission.host_invalid (not an IPv4 literal
// or a host name), field.range (port), submission.tls_invalid (not starttls|implicit),
// submission.tls_name_invalid, submission.password_not_sealed, and address.* for
// envelope_from (CheckMailAddress).

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/messages.h"
#include "protocol/submission_endpoint.h"

namespace hostplane::protocol {

class SpecReader;

// The endpoint a mail node announces (submission_endpoint.h), the same codes as below for the
// same members, host "" allowed.
Json ToJson(const SubmissionEndpoint& e);
SubmissionEndpoint DecodeSubmissionEndpoint(const SpecReader& r);

struct MailSubmissionSpec {
  std::string host;  // IPv4 literal or host name: where msmtp connects
  int64_t port = 587;
  std::string tls = "starttls";  // "starttls" (587) | "implicit" (465)
  std::string tls_name;          // the host name the mail node's certificate carries
  std::string password;          // "sealed:<base64>"; the login is the account's login
  std::string envelope_from;     // MAIL FROM unless the script passes -f
  bool operator==(const MailSubmissionSpec&) const = default;
};
Json ToJson(const MailSubmissionSpec& s);
// Reads the object `r` reads; violations go to r's errors.
MailSubmissionSpec DecodeMailSubmission(const SpecReader& r);

// A host name: 2 or more labels of [a-z0-9-] (1-63, no edge '-'), at most 253 bytes, lowercase.
// Unlike CheckDomain it allows names hostplane keeps for itself (a node's mx.hostplane.internal).
bool IsHostName(std::string_view s);
// The password grammar the agent accepts once opened (the controller makes it random):
// 16-128 characters of base64url, so it needs no quoting in msmtp's configuration.
bool IsSubmissionPassword(std::string_view s);

}  // namespace hostplane::protocol
