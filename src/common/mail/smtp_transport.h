#pragma once

// SMTP submission of one rendered message to the configured relay, with libcurl (no SMTP written
// here): plain SMTP to a local Postfix, STARTTLS (required, never silently skipped) or implicit
// TLS (smtps://) to a remote relay, AUTH when a user name is configured. Success means the relay
// answered 250 to the end of DATA, i.e. it took responsibility for the message.
//
// The password lives in memory only (libcurl options, never argv or logs). Errors separate what a
// retry can fix from what it cannot, for the outbox's back-off. CurlSmtpTransport is thread-safe
// (a curl handle per Send).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::mail {

enum class SmtpSecurity {
  kNone,         // smtp:// without TLS: only for a relay on this machine (loopback)
  kStartTls,     // smtp:// then STARTTLS, refused if the relay does not offer it
  kImplicitTls,  // smtps://
};

struct SmtpRelayConfig {
  std::string host = "127.0.0.1";
  int port = 25;
  SmtpSecurity security = SmtpSecurity::kNone;
  std::string username;  // AUTH (PLAIN/LOGIN over TLS) when not empty
  std::string password;
  std::string ca_file;  // PEM bundle to trust instead of the system's; empty: the system's
  bool verify_peer = true;
  std::string helo_name = "localhost";  // the EHLO name (the controller's host name)
  std::chrono::seconds timeout{60};

  // Errors: kInvalid with field "smtp.<name>" when host/helo_name hold characters outside
  // [A-Za-z0-9.-:] (IPv6 literals allowed), the port is outside 1-65535, a user has no password,
  // or AUTH is configured without TLS to a host that is not loopback.
  [[nodiscard]] Status Check() const;
};

struct SmtpEnvelope {
  std::string mail_from;  // the bounce address
  std::vector<std::string> rcpt_to;
};

class SmtpTransport {
 public:
  virtual ~SmtpTransport() = default;
  // Errors: kUnavailable (retry later: connection refused or lost, timeout, TLS failure, no
  // STARTTLS offered, AUTH refused or required (530/534/535/538), a 4xx answer); kInvalid (do not
  // retry: any other 5xx to the envelope or the data, e.g. 550 unknown mailbox). The message
  // names the relay's answer, never the password.
  [[nodiscard]] virtual Status Send(const SmtpEnvelope& envelope, std::string_view message) = 0;
};

class CurlSmtpTransport final : public SmtpTransport {
 public:
  // The config must pass Check().
  explicit CurlSmtpTransport(SmtpRelayConfig config);
  [[nodiscard]] Status Send(const SmtpEnvelope& envelope, std::string_view message) override;

 private:
  SmtpRelayConfig config_;
};

}  // namespace hostplane::mail
