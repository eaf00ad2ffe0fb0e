#pragma once

// PHP's mail() on a web node (issue 16): every message goes through msmtp, authenticated as the
// account's app login, over TLS to a mail node's submission port, where the account's sending
// limit counts it. This is the encoder of the account's msmtp configuration (SECURITY rule 3),
// which AccountDriver writes 0600 for the account's own user (msmtp refuses a configuration
// holding a password that anyone else can read), and of the pool's sendmail_path that runs it.
// Pure; any thread.

#include <string>

#include "common/result.h"
#include "protocol/mail_submission_spec.h"

namespace hostplane::agent {

struct MsmtpParams {
  std::string login;     // the account's login: its app login on the mail node
  std::string password;  // opened from the spec's sealed password (IsSubmissionPassword)
  std::string ca_file;   // absolute host path of the CA bundle msmtp trusts
};

// The msmtp configuration. Errors: kInvalid when the password is not IsSubmissionPassword or a
// value could break a line (a host path with whitespace, quotes or '#').
[[nodiscard]] Result<std::string> RenderMsmtpConfig(const protocol::MailSubmissionSpec& spec,
                                                    const MsmtpParams& params);

// The pool's sendmail_path: "<msmtp> -C <config> -t -i" (-t: recipients from the headers, as
// PHP's mail() expects of sendmail; -i is accepted and ignored).
std::string MsmtpSendmailPath(const std::string& msmtp_binary, const std::string& config_path);

}  // namespace hostplane::agent
