#pragma once

// The DNS records a mail domain needs, in one place for the zone builder (a zone hosted here
// gets them as default records) and for the route that shows them to copy when the zone is
// elsewhere (GET /api/v1/mail-domains/{domain}/dns):
//   @                     MX   10 <mx_host>.
//   @                     TXT  v=spf1 mx ip4:<mail node> ip6:<mail node> ~all
//   <selector>._domainkey TXT  v=DKIM1; k=rsa; p=<public key>     (once the domain has a key)
//   _dmarc                TXT  v=DMARC1; p=none
//   _submissions._tcp     SRV  0 1 465 <mx_host>.   mail clients find their servers from the
//   _submission._tcp      SRV  0 1 587 <mx_host>.   address alone (RFC 6186, RFC 8314): implicit
//   _imaps._tcp           SRV  0 1 993 <mx_host>.   TLS first, STARTTLS submission next; the
//   _pop3s._tcp           SRV  0 1 995 <mx_host>.   plaintext services are announced as not
//   _imap._tcp, _pop3._tcp SRV 0 0 0 .               offered (target ".")
//   autoconfig, autodiscover A/AAAA <mail node>       Thunderbird's and Outlook's set-up
//                                                     documents, served by the mail node's nginx
//                                                     (mailclient.ensure, agent/drivers/nginx)
// SPF names the mail node's own addresses besides mx (the node sends directly; ~all, a soft
// fail, while DMARC only reports); DMARC starts at p=none, the owner tightens it with a record of
// their own. The SRV records name the standard ports a production mail node listens on. Names are
// relative to the mail domain ("@" = the domain). Pure functions.

#include <string>
#include <vector>

#include "controller/store/entities.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

std::vector<protocol::DnsRecord> MailDomainRecords(const Resource& domain, const Node& node,
                                                   const std::string& mx_host, int64_t ttl);

// A name relative to the mail domain, made relative to a zone in which the domain is `at`
// ("@" when the domain is the zone's apex, else its name relative to the zone).
std::string Beneath(const std::string& name, const std::string& at);

}  // namespace hostplane::controller
