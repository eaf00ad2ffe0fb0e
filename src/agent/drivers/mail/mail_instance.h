#pragma once

// A private mail stack under a prefix (shared/service-lab.md section 3): Postfix, Dovecot and,
// when asked, OpenDKIM (signing) and spamd (spam filtering). Writes their base configuration
// (MailConfig, mail_config.h), the TLS certificate from a private CA when the layout names one,
// the credential Dovecot's own sends use (kRelayLogin), the directories and the empty assembled
// maps; starts every daemon in the foreground as a ChildProcess, waits until each answers, and
// stops them. Used by the integration tests, `hostplane up` and the node labs.
//
// Postfix requires root; so does this class. Not thread-safe; one owner.

#include <chrono>
#include <string>

#include "agent/drivers/mail/mail_config.h"
#include "agent/drivers/mail/mail_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

struct MailInstanceOptions {
  // false: mail to other domains is refused by error: transports, and forwards to outside
  // addresses bounce (tests, the all-in-one). true: Postfix delivers them (to each domain's MX,
  // or to the layout's smarthost).
  bool outbound = false;
  // Runs OpenDKIM (when its binary is installed) and signs submission with it.
  bool dkim = true;
  // Runs spamd (when installed): mailboxes with spam_filter have their mail checked. Off by
  // default: spamd takes about a second to start and 100 MB of memory.
  bool spam = false;
  std::string dovecot_group = "dovecot";  // see MailDriverOptions::dovecot_group
  std::chrono::milliseconds start_timeout{30'000};
};

class MailInstance {
 public:
  MailInstance(MailLayout layout, Filesystem& fs, CommandRunner& runner,
               MailInstanceOptions options = {});
  ~MailInstance();  // Stop()
  MailInstance(const MailInstance&) = delete;
  MailInstance& operator=(const MailInstance&) = delete;

  // The encoders, with the options this instance runs with.
  MailConfig Config() const;

  // Creates the directories, the TLS files (from layout.private_ca_dir when set), the relay
  // credential, writes the configs and the empty assembled maps. Idempotent. Errors: kInvalid
  // (layout), kIo, postmap's failure, a missing system user.
  [[nodiscard]] Status WriteConfig();
  // WriteConfig, then starts the daemons and waits until they answer. Errors: kUnavailable (a
  // daemon exited; its log is quoted), kTimeout.
  [[nodiscard]] Status Start();
  // Stops the mail daemons an earlier run under this layout left running (Postfix's master,
  // OpenDKIM and spamd shed the parent-death signal) and waits for its Dovecot to be gone. Start
  // calls it; `up` calls it before it checks its ports. Returns a pid stopped, 0 when none.
  [[nodiscard]] static Result<int> StopLeftover(const MailLayout& layout, Filesystem& fs);
  // Stops every daemon and waits for them to exit.
  void Stop();

  bool Running();
  const MailLayout& layout() const { return layout_; }
  // Whether OpenDKIM / spamd run with this instance.
  bool dkim() const;
  bool spam() const;

 private:
  Status WriteRelayCredential();
  Status PrepareDkim();
  Status PrepareSpam();
  std::string LogTail(const std::string& rel);

  MailLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  MailInstanceOptions options_;
  ChildProcess postfix_;
  ChildProcess dovecot_;
  ChildProcess opendkim_;
  ChildProcess spamd_;
  bool postfix_started_ = false;
};

}  // namespace hostplane::agent
