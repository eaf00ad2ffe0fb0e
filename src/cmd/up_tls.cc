#include "cmd/up_tls.h"

#include "agent/private_ca.h"

namespace hostplane::cmd {

void ConfigureUpMail(agent::MailLayout& m) {
  m.private_ca_dir = kUpCaDir;
  m.tls_cert = "tls/mail.pem";
  m.tls_key = "tls/mail.key";
  m.submission_port = 0;
  m.smtps_port = 0;
  m.imaps_port = 0;
  m.pop3_port = 0;
  m.pop3s_port = 0;
  m.allow_plaintext_auth = true;
}

Status ConfigureUpFtp(agent::FtpLayout& f, Filesystem& files) {
  auto ca = agent::PrivateCa::LoadOrCreate(files, kUpCaDir, "hostplane");
  if (!ca) return Fail(ca.error());
  f.tls_cert = "tls/ftp.pem";
  f.tls_key = "tls/ftp.key";
  f.tls_required = false;
  auto issued = ca->EnsureLeaf({"localhost"}, {"127.0.0.1"}, f.tls_cert, f.tls_key);
  if (!issued) return Fail(issued.error());
  return Ok();
}

}  // namespace hostplane::cmd
