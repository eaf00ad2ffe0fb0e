#pragma once

// The encoders of one mail domain's lines in Postfix's lookup tables (mailbox, alias and access
// maps) and in Dovecot's passwd-file, the one writer of each format (shared/SECURITY.md rule 3):
// pure functions of a spec MailDomainSpecFromJson accepted. MailDriver writes their output as
// per-domain fragments and assembles them. Fuzzed with a structural round trip
// (fuzz/mail_maps_fuzz.cc).

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/mail_spec.h"

namespace hostplane::agent {

// The first line of every assembled map (and of OpenDKIM's tables).
inline constexpr const char* kMapHeader =
    "# managed by hostplane: assembled from domains/; edits are lost\n";

// The host values a passwd-file line needs besides the spec.
struct PasswdParams {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string vmail_root;  // absolute host path: homes are <vmail_root>/<domain>/<local>
};

// Postfix map lines of the domain's mailboxes: "<local>@<domain> <domain>/<local>/Maildir/".
std::string RenderMailboxMap(const protocol::MailDomainSpec& spec);
// Postfix virtual_alias_maps lines: one per forwarder ("<address> <t1>, <t2>"); with a catch-all,
// an identity line per mailbox (a catch-all alias would otherwise capture them too) and
// "@<domain> <catch_all>".
std::string RenderAliasMap(const protocol::MailDomainSpec& spec);
// The Postfix access-map line of the domain: "<domain> 451 4.2.1 ..." while it is moving (the
// sender's server keeps the mail and retries), else "<domain> DUNNO" (the lookup stops here, so
// a parent domain that is moving does not catch a subdomain that is not).
std::string RenderAccessMap(const protocol::MailDomainSpec& spec);
// The Dovecot passwd-file of the domain: per mailbox
// "<address>:{CRYPT}<hash>:<uid>:<gid>::<home>::[nologin ]userdb_quota_rule=*:storage=<N>M".
// Suspended and moving domains get "nologin" (logins refused; LMTP only uses the userdb, so mail is
// still delivered). Errors: kInvalid when a host value could break the line (':' or whitespace in
// the home, uid/gid 0).
[[nodiscard]] Result<std::string> RenderPasswdFile(const protocol::MailDomainSpec& spec,
                                                   const PasswdParams& params);
// One assembled map from the fragments of every domain, in the order given (sorted by domain).
std::string AssembleMapText(const std::vector<std::string>& fragments);

}  // namespace hostplane::agent
