#pragma once

// The mail driver: virtual mail domains on Postfix (SMTP, recipient maps) and Dovecot (IMAP,
// LMTP delivery into Maildirs), driven by maildomain.ensure / maildomain.remove tasks
// (protocol/mail_spec.h). README.md in this folder records the design decisions.
//
// Per domain, Render returns the Postfix map fragments <map_dir>/domains/<domain>.mailboxes,
// .aliases, .access and .senders, the domain's sending policy (.policy), its DKIM selector
// (.dkim) and key (<dkim_dir>/keys/<domain>.pem, owned by OpenDKIM's user, 0600), a Sieve script
// per mailbox that filters spam or answers while away (<sieve_dir>/<domain>/<local>.sieve), and
// the passwd-file <dovecot_users_dir>/<domain>. Per account (mailaccount.ensure):
// <map_dir>/accounts/<account>.policy, .passwd (its app login) and .senders. Postfix needs one file
// per map: Assemble concatenates the fragments of every domain into virtual_mailbox_domains,
// virtual_mailbox_maps, virtual_alias_maps and recipient_access and builds their hash: databases
// with postmap, both installed atomically; likewise sender_login_maps and trusted_logins, and,
// without postmap, sending_policy.json (for the SendingPolicyService), <dovecot_users_dir>/accounts
// and OpenDKIM's KeyTable and SigningTable; and Dovecot's user database, one SQLite table of
// every passwd-file's lines (mail_user_db.h), which Dovecot queries at each login. recipient_access
// is read by `smtpd_recipient_restrictions = check_recipient_access` in main.cf: it defers the mail
// of a domain whose Maildirs are being moved (status "moving").
//
// Every byte of map and passwd-file syntax comes from the Render* functions below, the one
// encoder per format (shared/SECURITY.md rule 3); their input is a MailDomainSpec that passed the
// protocol decoder again here, in the agent.
//
// Called by the agent's reconcile thread only.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/mail/mail_layout.h"
#include "agent/drivers/mail/mail_maps.h"
#include "agent/drivers/mail/mail_user_db.h"
#include "agent/drivers/mail/sending_policy_service.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/sealed_box.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_spec.h"

namespace hostplane::agent {

struct MailDriverOptions {
  std::chrono::milliseconds command_timeout{60'000};  // postfix check, postmap, doveconf
  std::chrono::milliseconds reload_timeout{10'000};   // until Postfix answers again
  std::chrono::milliseconds poll_interval{10};
  // Group allowed to read the passwd-files (Dovecot's auth process runs as this group's user).
  // The users directory gets this group and the setgid bit, so every file written into it
  // inherits the group and can stay 0640. Empty: leave the directory as it is (unit tests).
  std::string dovecot_group = "dovecot";
  // The node's box key (common/sealed_box.h), which opens the DKIM keys the specs carry sealed.
  // Null: a spec with a DKIM key fails (this node cannot sign for it).
  std::shared_ptr<const BoxKey> box_key;
  // Run the SendingPolicyService on layout.policy_socket (the agent does; MailInstance's own
  // driver, which only assembles the empty maps, does not). It starts with the first Assemble
  // (the agent's start-up recovery runs one) and again after it stopped; clock is required then.
  bool serve_policy = false;
  const Clock* clock = nullptr;
};

class MailDriver final : public ServiceDriver {
 public:
  MailDriver(MailLayout layout, Filesystem& fs, CommandRunner& runner,
             MailDriverOptions options = {});

  std::string Name() const override { return "mail"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> ManagedDirs() const override;
  Result<FileSet> Render(const protocol::Task& task) const override;
  // Creates <vmail_root>/<domain>/<local>/Maildir/{cur,new,tmp} for every mailbox, owned by the
  // vmail user, through openat2 beneath vmail_root (never chown(path)). Errors: kInvalid (vmail
  // uid/gid unset or root), kForbidden (a link in the tree), kIo.
  Status Prepare(const protocol::Task& task) override;
  // `postfix -c <dir> check` and `doveconf -c <conf> -n`.
  Result<Verdict> Validate() override;
  // Reloads Postfix when its maps changed since the last reload and waits until it accepts SMTP
  // connections again. Dovecot is checked to be running and not reloaded: it reads the user
  // database Assemble committed at the next login. Errors: kUnavailable (a daemon is not
  // running), kTimeout.
  Status Reload() override;
  // maildomain.remove with remove_content: deletes <vmail_root>/<domain> without following links.
  Status Finish(const protocol::Task& task) override;
  // Rebuilds the assembled maps (and their .db) from the live fragments, rewrites and runs
  // postmap only for a map whose text changed; then the user database from the passwd-files, in
  // one transaction, when a row changed. Errors: kIo (postmap, a write or SQLite failed),
  // kInvalid (a passwd-file line this node did not write).
  Status Assemble() override;

  // Gives the users directory Dovecot's group and the setgid bit (0750 plus setgid), so the
  // passwd-files written into it (0640) are readable by Dovecot's auth process. Done by the first
  // Prepare of an ensure and by MailInstance::WriteConfig. Errors: kInvalid (no such group), kIo.
  [[nodiscard]] Status EnsureUsersDir();

  std::string MailboxesPath(const std::string& domain) const;
  std::string AliasesPath(const std::string& domain) const;
  std::string AccessPath(const std::string& domain) const;
  std::string UsersPath(const std::string& domain) const;
  std::string SendersPath(const std::string& domain) const;
  std::string PolicyPath(const std::string& domain) const;
  std::string DkimSelectorPath(const std::string& domain) const;
  std::string DkimKeyPath(const std::string& domain) const;
  std::string SievePath(const std::string& domain, const std::string& local) const;
  std::string AccountPath(const std::string& account, const char* suffix) const;
  // The assembled files the sending policy service and OpenDKIM read.
  std::string SendingPolicyPath() const { return layout_.map_dir + "/sending_policy.json"; }
  int postfix_reloads() const { return postfix_reloads_; }
  int opendkim_reloads() const { return opendkim_reloads_; }
  // The running policy service (serve_policy), or null.
  SendingPolicyService* policy_service() { return policy_service_.get(); }

 private:
  Result<protocol::MailDomainSpec> Decode(const protocol::Task& task) const;
  Result<FileSet> RenderDomain(const protocol::MailDomainSpec& spec) const;
  Result<FileSet> RenderAccount(const protocol::MailAccountSpec& spec) const;
  Status AssembleSending(const std::vector<std::string>& domains);
  Status InstallFile(const std::string& path, const std::string& text, mode_t mode, bool* changed);
  Status SignalOpenDkim();
  Status EnsurePolicyService();
  Status InstallMap(const std::string& name, const std::string& text);
  Status AssembleUserDb();
  Result<CommandOutput> RunTool(std::vector<std::string> argv);
  std::string PostfixLogSince(size_t offset);
  size_t PostfixLogSize();

  MailLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  MailDriverOptions options_;
  bool maps_changed_ = true;  // the first Reload always reloads Postfix
  bool dkim_changed_ = true;  // the first Reload always tells OpenDKIM (when it runs)
  int opendkim_reloads_ = 0;
  std::string dkim_keys_digest_;  // of every key and selector, at the last Assemble
  std::unique_ptr<SendingPolicyService> policy_service_;
  bool users_dir_ready_ = false;
  // The rows of the last user database written (mail_user_db.h), to skip an unchanged rewrite.
  std::optional<std::vector<MailUserRow>> user_db_rows_;
  int postfix_reloads_ = 0;
};

}  // namespace hostplane::agent
