#pragma once

// TLS for the mail and FTP services `hostplane up` runs (issue 16): a private CA under the data
// directory (tls/ca/ca.pem is the root a client trusts; docs/architecture.md) issues the mail
// node's certificate (MailInstance does, from MailLayout::private_ca_dir) and pure-ftpd's.
// STARTTLS is offered on the SMTP and IMAP ports and AUTH TLS on FTP; plaintext logins stay
// allowed on the loopback all-in-one. The submission (587/465), IMAPS and POP3 listeners stay
// off until up's port plan gives them ports (HOSTPLANE_SUBMISSION_PORT and friends in
// hostplane.env: part 2 of issue 16).

#include "agent/drivers/ftp/ftp_layout.h"
#include "agent/drivers/mail/mail_layout.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::cmd {

inline constexpr const char* kUpCaDir = "tls/ca";

void ConfigureUpMail(agent::MailLayout& m);
// Issues pure-ftpd's certificate (tls/ftp.pem, tls/ftp.key) for localhost and 127.0.0.1.
// Errors: those of PrivateCa (kIo, kInvalid).
[[nodiscard]] Status ConfigureUpFtp(agent::FtpLayout& f, Filesystem& files);

}  // namespace hostplane::cmd
