#include "agent/drivers/account/msmtp_config.h"

#include <fmt/format.h>

#include <algorithm>

namespace hostplane::agent {
namespace {

bool PlainValue(const std::string& s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '#' || c == '\\' || c == '$' ||
           c == ';';
  });
}

}  // namespace

Result<std::string> RenderMsmtpConfig(const protocol::MailSubmissionSpec& spec,
                                      const MsmtpParams& p) {
  // Never quote the password in an error: it is the secret this file exists for.
  if (!protocol::IsSubmissionPassword(p.password)) {
    return Fail(Error::InvalidField("mail_submission.password", "submission.password_invalid",
                                    "the opened submission password is not 16-128 characters of "
                                    "base64url"));
  }
  for (const std::string* v :
       {&p.login, &p.ca_file, &spec.host, &spec.tls_name, &spec.envelope_from}) {
    if (!PlainValue(*v)) {
      return Fail(Error::Invalid("an msmtp value has characters its configuration cannot hold"));
    }
  }
  return fmt::format(
      "# managed by hostplane: PHP's mail() of account {login}; edits are overwritten\n"
      "defaults\n"
      "syslog off\n"
      "account hostplane\n"
      "host {host}\n"
      "port {port}\n"
      "tls on\n"
      "tls_starttls {starttls}\n"
      "tls_trust_file {ca}\n"
      "tls_host_override {tls_name}\n"
      "auth plain\n"
      "user {login}\n"
      "password {password}\n"
      "from {from}\n"
      "account default : hostplane\n",
      fmt::arg("login", p.login), fmt::arg("host", spec.host), fmt::arg("port", spec.port),
      fmt::arg("starttls", spec.tls == "starttls" ? "on" : "off"), fmt::arg("ca", p.ca_file),
      fmt::arg("tls_name", spec.tls_name), fmt::arg("password", p.password),
      fmt::arg("from", spec.envelope_from));
}

std::string MsmtpSendmailPath(const std::string& msmtp_binary, const std::string& config_path) {
  return msmtp_binary + " -C " + config_path + " -t -i";
}

}  // namespace hostplane::agent
