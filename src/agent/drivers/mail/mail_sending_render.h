#pragma once

// The encoders of what a mail node needs to let mail out (README.md in this folder): who may
// send as which address (Postfix's smtpd_sender_login_maps), the sending policy's view of a
// domain and of an account (JSON the SendingPolicy reads), the accounts' app logins (a Dovecot
// passwd-file), a mailbox's Sieve script (spam to Junk, vacation replies) and DKIM's tables.
// One function per format (shared/SECURITY.md rule 3); their inputs passed the protocol
// decoders again in the agent. Pure; any thread.

#include <string>

#include "protocol/mail_account_spec.h"
#include "protocol/mail_spec.h"

namespace hostplane::agent {

// smtpd_sender_login_maps lines of a domain: "<address> <login>[, <login>...]" for every mailbox
// (itself) and every address in a mailbox's send_as (that mailbox; addresses of other domains
// too: MailDriver::Assemble merges the lines of one address). The addresses only an account's
// app login may use come from RenderAccountSenderLogins.
std::string RenderSenderLogins(const protocol::MailDomainSpec& spec);
// The app login's lines: "@<domain> <account>" for each sender domain (any address there that
// has no line of its own), empty without an app login.
std::string RenderAccountSenderLogins(const protocol::MailAccountSpec& spec);

// The domain's entry of sending_policy.json: {"domain","account","message_size_mb","mailboxes":
// [addresses],"forwarders":{address:[targets]},"catch_all":target}.
std::string RenderDomainPolicy(const protocol::MailDomainSpec& spec);
// The account's entry: {"account","status","unlimited","messages_per_hour","app_login"}.
std::string RenderAccountPolicy(const protocol::MailAccountSpec& spec);

// The app login's passwd-file line ("<account>:{CRYPT}<hash>::::::" plus "nologin" while
// suspended), or "" without one. Errors: kInvalid when the hash is not a crypt hash.
[[nodiscard]] Result<std::string> RenderAccountPasswd(const protocol::MailAccountSpec& spec);

// A mailbox's Sieve script: spam (spamc through spamd's socket, X-Spam-Flag YES into Junk) when
// spam_filter is on, then the vacation reply within its dates; "" when it has neither.
// spamd_socket is an absolute path without quotes or backslashes.
std::string RenderSieveScript(const protocol::MailDomainSpec& spec,
                              const protocol::MailboxSpec& mailbox,
                              const std::string& spamd_socket);
// A Sieve quoted string: '"' and '\' escaped (RFC 5228 2.4.2).
std::string SieveString(const std::string& text);

}  // namespace hostplane::agent
