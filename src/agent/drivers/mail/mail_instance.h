#pragma once

// A private Postfix + Dovecot pair under a prefix (shared/service-lab.md section 3): writes
// Postfix's main.cf/master.cf and Dovecot's config for a MailLayout, creates the directories and
// the empty assembled maps so both daemons start, starts them in the foreground as ChildProcesses
// (`postfix -c <dir> start-fg`, `dovecot -F -c <conf>`), waits until SMTP, IMAP and the LMTP
// socket answer, and stops them. Used by the integration tests and by `hostplane up`.
//
// The instance listens on <listen_address>:<smtp_port> (smtpd) and <listen_address>:<imap_port>
// (IMAP, no TLS: meant for loopback), delivers through LMTP over a unix socket in Dovecot's
// base_dir, and refuses outbound mail (default and relay transports are error:) unless
// MailInstanceOptions::outbound is set. Postfix requires root; so does this class.
//
// Not thread-safe; one owner.

#include <chrono>
#include <string>

#include "agent/drivers/mail/mail_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

struct MailInstanceOptions {
  // false: mail to other domains is refused by error: transports, and forwards to outside
  // addresses bounce (tests, the all-in-one). true: Postfix's smtp client delivers them.
  bool outbound = false;
  std::string dovecot_group = "dovecot";  // see MailDriverOptions::dovecot_group
  std::chrono::milliseconds start_timeout{20'000};
};

class MailInstance {
 public:
  MailInstance(MailLayout layout, Filesystem& fs, CommandRunner& runner,
               MailInstanceOptions options = {});
  ~MailInstance();  // Stop()
  MailInstance(const MailInstance&) = delete;
  MailInstance& operator=(const MailInstance&) = delete;

  // The encoders of the three base config files (host paths from fs). Errors: kInvalid when a
  // layout value could break the syntax (whitespace, quotes, '$', braces in a path).
  [[nodiscard]] Result<std::string> MainCf() const;
  [[nodiscard]] Result<std::string> MasterCf() const;
  [[nodiscard]] Result<std::string> DovecotConf() const;

  // Creates the directories, writes the configs and the empty assembled maps. Idempotent.
  // Errors: kInvalid (layout), kIo, and postmap's failure.
  [[nodiscard]] Status WriteConfig();
  // WriteConfig, then starts both daemons and waits until they answer. Errors: kUnavailable (a
  // daemon exited; its log is quoted), kTimeout.
  [[nodiscard]] Status Start();
  // Stops both daemons (postfix stop, SIGTERM to dovecot) and waits for them to exit.
  void Stop();

  bool Running();
  const MailLayout& layout() const { return layout_; }

 private:
  Status CheckPaths() const;
  std::string LogTail(const std::string& rel);

  MailLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  MailInstanceOptions options_;
  ChildProcess postfix_;
  ChildProcess dovecot_;
  bool postfix_started_ = false;
};

}  // namespace hostplane::agent
