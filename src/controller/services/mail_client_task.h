#pragma once

// mailclient.ensure / mailclient.remove of a mail domain (protocol/mail_client_spec.h): object
// MailClientObject, sent to the domain's mail node, whose nginx serves the mail client set-up
// (Thunderbird's autoconfig, Outlook's autodiscover); both kinds carry the same spec. MailService
// sends the ensure once per node and the removal with the domain; CustomerService the removal
// with the customer; DrainService the removal to a node the domain moved off.

#include <string>

#include "controller/store/entities.h"
#include "protocol/mail_client_spec.h"

namespace hostplane::controller {

inline std::string MailClientObject(const std::string& domain) { return "mailclient:" + domain; }

inline Json MailClientSpecOf(const Resource& mail_domain, const Customer& owner) {
  return protocol::ToJson(protocol::MailClientSpec{mail_domain.name, owner.login});
}

}  // namespace hostplane::controller
