#pragma once

// The encoders of a mail node's base configuration (shared/SECURITY.md rule 3: one function per
// format): Postfix's main.cf and master.cf, Dovecot's config, OpenDKIM's config, and the msmtp
// configuration Dovecot's own sends (Sieve vacation replies and redirects) go out through.
// MailInstance writes what they return; every value comes from a MailLayout that CheckLayout
// accepted (paths and names that no parser would split, expand or comment out).
//
// What the files say (README.md in this folder has the reasons):
//  - smtpd on <smtp_port>: the MX. STARTTLS offered, no AUTH; recipients checked against the
//    maps, the moving domains' access map, the sending policy (per-domain size, forwarders to
//    the outside counted) and Dovecot's quota-status (a full mailbox refused at RCPT).
//  - smtpd on <submission_port> (STARTTLS required before AUTH) and <smtps_port> (implicit TLS):
//    SASL through Dovecot; a login sends only as the addresses sender_login_maps gives it;
//    recipients and DATA through the sending policy; DKIM-signed by OpenDKIM.
//  - Dovecot: IMAP (STARTTLS) and IMAPS, POP3 (STARTTLS) and POP3S, LMTP delivery with quota and
//    Sieve (per-mailbox scripts; spamc as an extprograms filter), the SASL socket for Postfix,
//    the quota-status policy service, and msmtp as sendmail for its own sends.
//
// Pure functions of their inputs; any thread.

#include <string>

#include "agent/drivers/mail/mail_layout.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

// The Dovecot login Dovecot's own sends authenticate with (a domain hostplane keeps for itself,
// so no customer address can ever be it).
inline constexpr const char* kRelayLogin = "sieve@hostplane.internal";
inline constexpr const char* kRelayUsersFile = "hostplane.internal";  // in dovecot_users_dir

// Dovecot's sql passdb/userdb file, beside dovecot_conf (root-relative).
std::string DovecotSqlConfPath(const MailLayout& layout);

struct MailConfigOptions {
  bool outbound = false;  // false: error: transports (nothing leaves); true: MX or smarthost
  bool dkim = false;      // an OpenDKIM milter signs submission
  bool spam = false;      // spamd runs (mailboxes' Sieve can filter through spamc)
  bool relay = false;     // Dovecot's sends go through msmtp to submission (needs its port)
};

class MailConfig {
 public:
  MailConfig(const MailLayout& layout, const Filesystem& fs, MailConfigOptions options)
      : l_(layout), fs_(fs), o_(options) {}

  // Errors: kInvalid when a layout value could break a config's syntax.
  [[nodiscard]] Status CheckLayout() const;
  [[nodiscard]] Result<std::string> MainCf() const;
  [[nodiscard]] Result<std::string> MasterCf() const;
  [[nodiscard]] Result<std::string> DovecotConf() const;
  // The sql passdb/userdb file dovecot.conf names (SqlConfPath): the SQLite user database and
  // its queries (Dovecot only reads it; 2.3.19 has no readonly= option: the file's mode is it).
  [[nodiscard]] Result<std::string> DovecotSqlConf() const;
  [[nodiscard]] Result<std::string> OpenDkimConf() const;
  // msmtp's account for Dovecot's sends: submission on loopback, STARTTLS, AUTH as kRelayLogin.
  // Errors: kInvalid when the password has characters msmtp would need quoted.
  [[nodiscard]] Result<std::string> RelayMsmtpConf(const std::string& password) const;

  // Host paths the files share.
  std::string PolicySocket() const;       // "" without a policy service
  std::string QuotaStatusSocket() const;  // Dovecot's quota-status listener
  std::string AuthSocket() const;         // Dovecot's SASL listener, for Postfix
  std::string MilterSocket() const;
  std::string SpamdSocket() const;
  std::string RelayMsmtpConfPath() const;
  std::string SqlConfPath() const;  // DovecotSqlConfPath as a host path

 private:
  std::string H(const std::string& rel) const { return fs_.HostPath(rel); }
  // main.cf's hp_* parameters the submission listeners of master.cf refer to ("" without them).
  std::string SubmissionParameters(const std::string& maps, const std::string& policy,
                                   const std::string& quota) const;

  MailLayout l_;
  const Filesystem& fs_;
  MailConfigOptions o_;
};

}  // namespace hostplane::agent
