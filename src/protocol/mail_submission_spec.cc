#include "protocol/mail_submission_spec.h"

#include <algorithm>

#include "common/sealed_box.h"
#include "protocol/mail_spec.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

bool IsIpv4Literal(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t dot = s.find('.', i);
    std::string_view part = s.substr(i, dot == std::string_view::npos ? s.npos : dot - i);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0') ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return parts == 4;
}

}  // namespace

bool IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  int labels = 0;
  size_t i = 0;
  for (;;) {
    size_t dot = s.find('.', i);
    std::string_view label = s.substr(i, dot == std::string_view::npos ? s.npos : dot - i);
    if (!IsDkimSelector(label)) return false;  // the same label grammar
    ++labels;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  // A numeric top-level label would make "999.1.1.1" a name (and a resolver's business).
  std::string_view tld = s.substr(s.rfind('.') + 1);
  return labels >= 2 &&
         !std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsSubmissionPassword(std::string_view s) {
  return s.size() >= 16 && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

Json ToJson(const MailSubmissionSpec& s) {
  return Json{{"host", s.host},         {"port", s.port},
              {"tls", s.tls},           {"tls_name", s.tls_name},
              {"password", s.password}, {"envelope_from", s.envelope_from}};
}

Json ToJson(const SubmissionEndpoint& e) {
  return Json{{"host", e.host}, {"port", e.port}, {"tls", e.tls}, {"tls_name", e.tls_name}};
}

namespace {

// The members an endpoint and a spec share; host "" allowed only when empty_host.
SubmissionEndpoint DecodeEndpoint(const SpecReader& r, bool empty_host) {
  SubmissionEndpoint s;
  if (auto host = r.String("host")) {
    s.host = *host;
    if (!(empty_host && s.host.empty()) && !IsIpv4Literal(s.host) && !IsHostName(s.host)) {
      r.Add("host", {"submission.host_invalid", "The submission host " + QuoteForMessage(s.host) +
                                                    " is not an IPv4 address or a host name."});
    }
  }
  if (auto port = r.Integer("port", 1, 65535, 587)) s.port = *port;
  if (auto tls = r.String("tls", std::string("starttls"))) {
    s.tls = *tls;
    if (s.tls != "starttls" && s.tls != "implicit") {
      r.Add("tls", {"submission.tls_invalid", "TLS must be \"starttls\" or \"implicit\", not " +
                                                  QuoteForMessage(s.tls) + "."});
    }
  }
  if (auto name = r.String("tls_name")) {
    s.tls_name = *name;
    if (!IsHostName(s.tls_name)) {
      r.Add("tls_name",
            {"submission.tls_name_invalid",
             "The certificate name " + QuoteForMessage(s.tls_name) + " is not a host name."});
    }
  }
  return s;
}

}  // namespace

SubmissionEndpoint DecodeSubmissionEndpoint(const SpecReader& r) { return DecodeEndpoint(r, true); }

MailSubmissionSpec DecodeMailSubmission(const SpecReader& r) {
  const SubmissionEndpoint e = DecodeEndpoint(r, false);
  MailSubmissionSpec s;
  s.host = e.host;
  s.port = e.port;
  s.tls = e.tls;
  s.tls_name = e.tls_name;
  if (auto password = r.String("password")) {
    s.password = *password;
    // Never quote the value: it is a (sealed) secret.
    if (!IsSealedText(s.password)) {
      r.Add("password", {"submission.password_not_sealed",
                         "The submission password must be sealed to the web node (\"sealed:\")."});
    }
  }
  if (auto from = r.String("envelope_from")) {
    s.envelope_from = *from;
    r.CheckCanonical("envelope_from", s.envelope_from, CheckMailAddress(s.envelope_from),
                     "address");
  }
  return s;
}

}  // namespace hostplane::protocol
