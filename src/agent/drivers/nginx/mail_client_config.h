#pragma once

// The documents a mail client sets itself up from (issue 16, "client autoconfig"), for one mail
// domain served by this node's mail listeners:
//   - Thunderbird's autoconfig (Mozilla ISPDB format, clientConfig version 1.1), served at
//     http://autoconfig.<domain>/mail/config-v1.1.xml;
//   - Outlook's autodiscover (the POX "outlook/responseschema/2006a"), served at
//     http://autodiscover.<domain>/autodiscover/autodiscover.xml, to Outlook's POST too.
// Every listener that is on (port != 0) is listed, implicit TLS before STARTTLS: IMAPS, IMAP with
// STARTTLS, POP3S, POP3 with STARTTLS, SMTPS (submission over implicit TLS), submission with
// STARTTLS. The user name is the whole address (%EMAILADDRESS%; Outlook uses the address it was
// given, which a static answer cannot repeat). The documents are written by libxml2's
// xmlTextWriter, the one XML encoder here: every value is escaped by it, and the domain and the
// host name are checked before (CheckDomain, canonical; IsHostName), so a name is never more
// than a name.

#include <string>

#include "agent/drivers/mail/mail_layout.h"
#include "common/result.h"

namespace hostplane::agent {

struct MailClientServers {
  std::string domain;  // the mail domain, canonical
  std::string host;    // the mail node's host name (the name its certificate is for), canonical
  int imaps_port = 993;
  int imap_port = 143;
  int pop3s_port = 995;
  int pop3_port = 110;
  int smtps_port = 465;
  int submission_port = 587;
};

// The servers of domain on a node with mail layout m (its listeners and `hostname`). kInvalid
// with a field code when domain is not a canonical domain name ("domain") or m.hostname not a
// host name ("mail.hostname": host_name.invalid).
[[nodiscard]] Result<MailClientServers> MailClientServersOf(const std::string& domain,
                                                            const MailLayout& m);
// config-v1.1.xml. Errors: kInternal when libxml2 fails to write.
[[nodiscard]] Result<std::string> RenderThunderbirdAutoconfig(const MailClientServers& s);
// autodiscover.xml. Errors: kInternal when libxml2 fails to write.
[[nodiscard]] Result<std::string> RenderOutlookAutodiscover(const MailClientServers& s);

}  // namespace hostplane::agent
