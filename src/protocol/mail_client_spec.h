#pragma once

// Mail client set-up of one mail domain (kinds mailclient.ensure / mailclient.remove, object
// "mailclient:<domain>", sent to the mail domain's own mail node, whose nginx serves it): the
// node answers http://autoconfig.<domain>/mail/config-v1.1.xml (Thunderbird, Mozilla's ISPDB
// format) and http://autodiscover.<domain>/autodiscover/autodiscover.xml (Outlook's POX
// schema) with the servers, ports and TLS of its own mail listeners (agent/drivers/nginx,
// mail_client_config.h). The spec names the domain only: the ports and the host name are the
// node's own (its MailLayout), so a listener moved to another port is announced as it is.
//
// Decoding follows MailDomainSpecFromJson (mail_spec.h): kInvalid with fields {path: code};
// codes field.missing, field.type, domain.* and domain.not_canonical, login.* and
// login.not_canonical.

#include <string>

#include "common/result.h"
#include "protocol/messages.h"

namespace hostplane::protocol {

inline constexpr const char* kMailClientEnsure = "mailclient.ensure";
inline constexpr const char* kMailClientRemove = "mailclient.remove";

// Both kinds carry the same members: what to serve (ensure) or stop serving (remove).
struct MailClientSpec {
  std::string domain;   // the mail domain, canonical A-label form
  std::string account;  // the owning customer's login (CheckLoginGrammar)
  bool operator==(const MailClientSpec&) const = default;
};
Json ToJson(const MailClientSpec& s);
[[nodiscard]] Result<MailClientSpec> MailClientSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

}  // namespace hostplane::protocol
