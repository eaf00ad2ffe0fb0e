#include "common/mail/smtp_transport.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace hostplane::mail {
namespace {

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool HostChars(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool Loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct Reader {
  std::string_view data;
  size_t offset = 0;
};

size_t Read(char* buffer, size_t size, size_t nitems, void* user) {
  auto* r = static_cast<Reader*>(user);
  size_t n = std::min(size * nitems, r->data.size() - r->offset);
  std::memcpy(buffer, r->data.data() + r->offset, n);
  r->offset += n;
  return n;
}

// Answers about the relay's own rules (TLS or AUTH required, credentials refused), which an
// administrator fixes: worth retrying, unlike a 5xx about this message's envelope or data.
bool RelayConfigurationAnswer(long code) {
  return code == 530 || code == 534 || code == 535 || code == 538;
}

Error Field(const char* field, const char* message) {
  return Error::InvalidField(field, "smtp.invalid", message);
}

}  // namespace

Status SmtpRelayConfig::Check() const {
  if (!HostChars(host)) return Fail(Field("smtp.host", "The relay host is not a host name."));
  if (port < 1 || port > 65535) return Fail(Field("smtp.port", "The port is not 1-65535."));
  if (!HostChars(helo_name)) return Fail(Field("smtp.helo_name", "The EHLO name is not a name."));
  if (!username.empty() && password.empty()) {
    return Fail(Field("smtp.password", "A relay user needs a password."));
  }
  if (!username.empty() && security == SmtpSecurity::kNone && !Loopback(host)) {
    return Fail(Field("smtp.security",
                      "A password is never sent to a remote relay without TLS: use starttls or "
                      "tls."));
  }
  if (timeout.count() <= 0) return Fail(Field("smtp.timeout", "The timeout must be positive."));
  return Ok();
}

CurlSmtpTransport::CurlSmtpTransport(SmtpRelayConfig config) : config_(std::move(config)) {}

Status CurlSmtpTransport::Send(const SmtpEnvelope& envelope, std::string_view message) {
  InitCurl();
  if (envelope.rcpt_to.empty()) return Fail(Error::Invalid("no recipient"));
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Fail(Error::Internal("curl_easy_init failed"));
  CURL* h = curl.get();

  std::string host =
      config_.host.find(':') != std::string::npos ? "[" + config_.host + "]" : config_.host;
  std::string scheme = config_.security == SmtpSecurity::kImplicitTls ? "smtps://" : "smtp://";
  std::string url = scheme + host + ":" + std::to_string(config_.port) + "/" + config_.helo_name;
  std::string from = "<" + envelope.mail_from + ">";

  struct SList {
    curl_slist* list = nullptr;
    ~SList() { curl_slist_free_all(list); }
  } rcpts;
  for (const auto& r : envelope.rcpt_to) {
    std::string to = "<" + r + ">";
    curl_slist* next = curl_slist_append(rcpts.list, to.c_str());
    if (next == nullptr) return Fail(Error::Internal("out of memory"));
    rcpts.list = next;
  }
  Reader reader{message, 0};
  char error_text[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts.list);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &Read);
  curl_easy_setopt(h, CURLOPT_READDATA, &reader);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(config_.timeout.count()));
  if (config_.security == SmtpSecurity::kStartTls) {
    curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  if (config_.security != SmtpSecurity::kNone) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.verify_peer ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.verify_peer ? 2L : 0L);
    if (!config_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_file.c_str());
  }
  if (!config_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str());
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return Ok();
  long answer = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer);
  std::string what = "SMTP relay " + host + ":" + std::to_string(config_.port) + ": " +
                     (error_text[0] != '\0' ? error_text : curl_easy_strerror(rc)) +
                     (answer > 0 ? " (answer " + std::to_string(answer) + ")" : "");
  // A 5xx to the envelope or the data is about this message: retrying will not help. A refused
  // login or a relay that wants TLS first is about the configuration: retry.
  if (answer >= 500 && answer < 600 && rc != CURLE_LOGIN_DENIED &&
      !RelayConfigurationAnswer(answer)) {
    return Fail(Error::Invalid(what));
  }
  return Fail(Error::Unavailable(what));
}

}  // namespace hostplane::mail
