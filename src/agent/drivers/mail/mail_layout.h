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
//   <map_dir>/domains/<domain>.senders     smtpd_sender_login_maps lines (who may send as what)
//   <map_dir>/domains/<domain>.policy      the domain's entry of the sending policy (JSON)
//   <map_dir>/accounts/<account>.policy    an account's sending limit and app login (JSON)
//   <map_dir>/sender_login_maps{,.db}, sending_policy.json   assembled
//   <dovecot_users_dir>/accounts           passwd-file of the accounts' app logins (SASL only)
//   <dovecot_users_dir>.sqlite             Dovecot's passdb/userdb: every passwd-file's lines
//                                          (MailDriver::Assemble, mail_user_db.h)
//   <sieve_dir>/<domain>/<local>.sieve     a mailbox's Sieve script (spam to Junk, vacation)
//   <dkim_dir>/keys/<domain>.pem           a domain's DKIM key (opened from its sealed form)
//   <dkim_dir>/KeyTable, SigningTable      assembled for OpenDKIM
//   <vmail_root>/<domain>/<local>/Maildir  the stored mail, owned by vmail_uid:vmail_gid

#include <sys/types.h>

#include <string>

namespace hostplane::agent {

struct MailLayout {
  // Postfix: one instance, addressed with `postfix -c <postfix_config_dir>`.
  std::string postfix_binary = "/usr/sbin/postfix";
  std::string postfix_master_binary = "/usr/lib/postfix/sbin/master";  // pid/master.pid's program
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
  // Dovecot reads <dovecot_conf's folder>/hostplane-sql.conf.ext (MailConfig::DovecotSqlConf).
  std::string dovecot_instance_name = "hostplane";

  // The mail store and its single owner: a dedicated system user (e.g. "vmail"). Never 0: the
  // driver refuses to create mail directories owned by root.
  std::string vmail_root = "var/vmail";
  uid_t vmail_uid = static_cast<uid_t>(-1);
  gid_t vmail_gid = static_cast<gid_t>(-1);

  // Listeners (MailInstance writes them; the driver probes the SMTP port after a reload). A port
  // of 0 turns its listener off.
  std::string listen_address = "127.0.0.1";  // an IPv4 literal
  int smtp_port = 25;                        // MX: STARTTLS offered, no AUTH
  int submission_port = 587;                 // STARTTLS required before AUTH
  int smtps_port = 465;                      // implicit TLS, AUTH
  int imap_port = 143;                       // STARTTLS
  int imaps_port = 993;
  int pop3_port = 110;  // STARTTLS
  int pop3s_port = 995;
  std::string hostname = "mx.hostplane.internal";  // Postfix myhostname, the certificate's name

  // TLS: the chain (leaf first) and key every mail service presents (root-relative). When
  // private_ca_dir is set and they are missing or do not cover `hostname`, MailInstance issues
  // them from that private CA (agent/private_ca.h): the all-in-one and the tests.
  std::string tls_cert = "etc/hostplane/tls/mail.pem";
  std::string tls_key = "etc/hostplane/tls/mail.key";
  std::string private_ca_dir;
  // Dovecot refuses plaintext logins without TLS (a client on the server's own address excepted,
  // Dovecot's rule); true allows them everywhere (an all-in-one without TLS).
  bool allow_plaintext_auth = false;

  // Outbound mail: "" = straight to each domain's MX, else the smarthost "[<IPv4>]:<port>".
  std::string smarthost;
  // Postfix's message_size_limit: the largest message the node takes at all. Each domain's own
  // (smaller) limit is checked by the sending policy at RCPT TO (from SIZE=) for its recipients.
  int64_t max_message_size_mb = 100;

  // The agent's sending policy service (agent/drivers/mail/sending_policy_service.h) listens on
  // this unix socket; Postfix asks it at RCPT and DATA. "" = no sending limits (and no policy).
  std::string policy_socket = "run/hostplane/mail-policy/policy.sock";
  std::string policy_counters = "var/lib/hostplane/mail-policy.db";  // counters (SQLite)

  // Dovecot's own sends (Sieve vacation replies, redirects) go through msmtp to a Postfix smtpd
  // on this unix socket, which only Dovecot's delivery user can open (counted and DKIM-signed
  // like submission). Must be under the Postfix queue directory's parent-free path limit.
  std::string msmtp_binary = "/usr/bin/msmtp";
  std::string relay_socket_dir = "run/hostplane/mail-relay";  // socket "relay", msmtp.conf

  // Per-mailbox Sieve scripts (and the extprograms filter directory: sieve_dir/bin/spamc).
  std::string sieve_dir = "etc/dovecot/hostplane/sieve";

  // DKIM signing (OpenDKIM milter on the submission and relay listeners). "" binary = off.
  std::string opendkim_binary = "/usr/sbin/opendkim";
  std::string opendkim_user = "opendkim";
  std::string dkim_dir = "etc/hostplane/opendkim";             // opendkim.conf, tables, keys/
  std::string opendkim_socket_dir = "run/hostplane/opendkim";  // socket "milter", pid

  // Spam filtering: spamd on a unix socket, run by mailboxes' Sieve through spamc. "" = off.
  std::string spamd_binary = "/usr/sbin/spamd";
  std::string spamc_binary = "/usr/bin/spamc";
  std::string spamd_user = "debian-spamd";
  std::string spamd_dir = "run/hostplane/spamd";  // socket "spamd.sock", pid, home
};

}  // namespace hostplane::agent
