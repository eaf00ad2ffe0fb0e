#pragma once

// What `hostplane up` asks of its mail node beyond the SMTP and IMAP ports it always had (issue
// 16): a private CA under the data directory (tls/ca/ca.pem is the root a client trusts) that
// issues the node's certificate, and the listeners up has ports for. The submission (587/465),
// IMAPS and POP3 listeners stay off until up's port plan gives them ports
// (HOSTPLANE_SUBMISSION_PORT and friends in hostplane.env: part 2 of issue 16).

#include "agent/drivers/mail/mail_layout.h"
#include "cmd/up_services.h"

namespace hostplane::cmd {

inline void ConfigureUpMail(agent::MailLayout& m, const UpServiceOptions& options) {
  (void)options;
  m.private_ca_dir = "tls/ca";
  m.tls_cert = "tls/mail.pem";
  m.tls_key = "tls/mail.key";
  m.submission_port = 0;
  m.smtps_port = 0;
  m.imaps_port = 0;
  m.pop3_port = 0;
  m.pop3s_port = 0;
}

}  // namespace hostplane::cmd
