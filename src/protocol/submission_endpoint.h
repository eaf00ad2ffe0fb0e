#pragma once

// Where a mail node takes submissions: what its agent announces in its hello (messages.h, member
// "mail_submission", optional) and the controller copies into the mail_submission of the accounts
// whose mail the node serves (mail_submission_spec.h, which also has its JSON form):
// {"host": "192.0.2.10", "port": 587, "tls": "starttls", "tls_name": "mx1.example.net"};
// host "" = the node's address as the controller knows it.

#include <cstdint>
#include <string>

namespace hostplane::protocol {

struct SubmissionEndpoint {
  std::string host;  // "", an IPv4 literal or a host name
  int64_t port = 587;
  std::string tls = "starttls";  // "starttls" | "implicit"
  std::string tls_name;          // the host name the node's certificate carries
  bool operator==(const SubmissionEndpoint&) const = default;
};

}  // namespace hostplane::protocol
