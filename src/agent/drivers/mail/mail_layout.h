#pragma once

// Where the virtual-mail stack lives on a mail node, decided once (shared/STYLE.md: host layout
// in one struct). Paths are relative to the Filesystem root the agent was given (production "/",
// tests a temporary prefix); binaries are absolute and must be on the CommandRunner allowlist.
//
// Files of the mail driver (see README.md in this folder):
//   <map_dir>/domains/<domain>.mailboxes   Postfix map lines of one domain's mailboxes
//   <map_dir>/domains/<domain>.aliases     Postfix map lines of its forwarders and catch-all
//   <map_dir>/domains/<domain>.access      its recipient_access line (deferred while moving)
//   <map_dir>/virtual_mailbox_domains{,.db}, virtual_mailbox_maps{,.db}, virtual_alias_maps{,.db},
//   recipient_access{,.db}
//                                          assembled from the fragments (MailDriver::Assemble)
//   <dovecot_users_dir>/<domain>           Dovecot passwd-file of the domain (passdb + userdb)
//   <vmail_root>/<domain>/<local>/Maildir  the stored mail, owned by vmail_uid:vmail_gid

#include <sys/types.h>

#include <string>

namespace hostplane::agent {

struct MailLayout {
  // Postfix: one instance, addressed with `postfix -c <postfix_config_dir>`.
  std::string postfix_binary = "/usr/sbin/postfix";
  std::string postmap_binary = "/usr/sbin/postmap";
  std::string postfix_config_dir = "etc/postfix";  // main.cf, master.cf
  std::string postfix_queue_dir = "var/spool/postfix";
  std::string postfix_data_dir = "var/lib/postfix";
  std::string postfix_log = "var/log/hostplane/postfix.log";  // maillog_file
  std::string postfix_user = "postfix";                       // mail_owner; owns the LMTP socket
  std::string map_dir = "etc/postfix/hostplane";

  // Dovecot: one instance, addressed with `-c <dovecot_conf>`.
  std::string dovecot_binary = "/usr/sbin/dovecot";
  std::string doveconf_binary = "/usr/bin/doveconf";
  std::string dovecot_conf = "etc/dovecot/hostplane.conf";
  std::string dovecot_base_dir = "run/dovecot";  // master.pid, the LMTP and auth sockets
  std::string dovecot_state_dir = "var/lib/dovecot";
  std::string dovecot_log = "var/log/hostplane/dovecot.log";
  std::string dovecot_users_dir = "etc/dovecot/hostplane/users";  // one passwd-file per domain
  std::string dovecot_instance_name = "hostplane";

  // The mail store and its single owner: a dedicated system user (e.g. "vmail"). Never 0: the
  // driver refuses to create mail directories owned by root.
  std::string vmail_root = "var/vmail";
  uid_t vmail_uid = static_cast<uid_t>(-1);
  gid_t vmail_gid = static_cast<gid_t>(-1);

  // Listeners (MailInstance writes them; the driver probes the SMTP port after a reload).
  std::string listen_address = "127.0.0.1";  // an IPv4 literal
  int smtp_port = 25;
  int imap_port = 143;
  std::string hostname = "mx.hostplane.internal";  // Postfix myhostname
};

}  // namespace hostplane::agent
