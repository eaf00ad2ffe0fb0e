#pragma once

// The mail tests' world on loopback (label mail): a hosting mail node (MailInstance with
// submission, IMAPS, POP3S, OpenDKIM and, when asked, spamd; its own private CA; the agent's
// SendingPolicyService; a MailDriver applying specs through BatchApplier) and "the internet": a
// second private Postfix + Dovecot that the node's Postfix reaches as its smarthost, serving
// outside.example. Optionally a Knot serving the DKIM key. Clients are real: mail_probe.py
// (Python's smtplib, imaplib, poplib with certificate verification, dkimpy), run with its
// requests (passwords included) on stdin.
//
// Ports: FreeLoopbackPort per listener. One test thread; not thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "agent/batch_applier.h"
#include "agent/drivers/dns/knot_driver.h"
#include "agent/drivers/dns/knot_instance.h"
#include "agent/drivers/mail/mail_driver.h"
#include "agent/drivers/mail/mail_instance.h"
#include "agent/drivers/mail/sending_policy_service.h"
#include "agent/testing/temp_root.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/sealed_box.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_spec.h"

namespace hostplane::testing {

struct MailLabOptions {
  bool spam = false;  // spamd (about a second to start)
  bool knot = false;  // a Knot for the DKIM key
};

class MailLab {
 public:
  static constexpr const char* kNodeName = "mx.hpt-node.example";

  explicit MailLab(MailLabOptions options = {});
  ~MailLab();

  [[nodiscard]] Status Start();
  void Stop();

  // Applies one task on the node / on the outside instance; the error names the task's outcome.
  [[nodiscard]] Status ApplyNode(const protocol::Task& task);
  [[nodiscard]] Status ApplyOutside(const protocol::Task& task);
  protocol::Task DomainTask(const protocol::MailDomainSpec& spec);
  protocol::Task AccountTask(const protocol::MailAccountSpec& spec);

  // One mail_probe.py request; {"probe_error": ...} when it could not run.
  protocol::Json Probe(protocol::Json request);
  // A send request for the node's port with TLS verified against the node's CA.
  protocol::Json SendRequest(int port, const std::string& mode, const std::string& user,
                             const std::string& password, const std::string& from,
                             std::vector<std::string> to, const std::string& subject);
  protocol::Json ImapRequest(int port, const std::string& mode, const std::string& user,
                             const std::string& password, const std::string& subject = "");
  // Polls IMAP until a message with the subject is in the folder (the node by default).
  protocol::Json WaitForMessage(const std::string& user, const std::string& password,
                                const std::string& subject, const std::string& folder = "INBOX",
                                bool outside = false, int seconds = 20);

  // A new 2048-bit RSA key (PEM), and the DKIM TXT record of its public half.
  [[nodiscard]] Result<std::string> NewDkimKey();
  [[nodiscard]] Result<std::string> DkimRecord(const std::string& pem);
  // Serves the zone through the lab's Knot.
  [[nodiscard]] Status PublishZone(const protocol::Json& zone_spec);

  // Root-relative paths of the files in a Maildir folder of the outside instance ("new").
  std::vector<std::string> OutsideMaildir(const std::string& domain, const std::string& local);
  std::string Logs();

  Filesystem& fs() { return *fs_; }
  CommandRunner& runner() { return *runner_; }
  const agent::MailLayout& node() const { return node_; }
  const agent::MailLayout& outside() const { return outside_; }
  std::string ca_file() const;  // host path of the node's private CA root
  const BoxKey& box_key() const { return *box_key_; }
  agent::SendingPolicyService& policy() { return *policy_; }
  int dns_port() const { return dns_.port; }
  std::string python() const { return "/usr/bin/python3"; }

 private:
  agent::MailLayout Layout(const std::string& dir, bool node);

  MailLabOptions options_;
  agent::testing::TempRoot root_;
  std::unique_ptr<PosixFilesystem> fs_;
  std::unique_ptr<PosixCommandRunner> runner_;
  SystemClock clock_;
  std::shared_ptr<const BoxKey> box_key_;
  agent::MailLayout node_;
  agent::MailLayout outside_;
  agent::DnsLayout dns_;
  std::unique_ptr<agent::MailInstance> node_instance_;
  std::unique_ptr<agent::MailInstance> outside_instance_;
  std::unique_ptr<agent::SendingPolicyService> policy_;
  std::unique_ptr<agent::MailDriver> node_driver_;
  std::unique_ptr<agent::MailDriver> outside_driver_;
  std::unique_ptr<agent::KnotInstance> knot_;
  std::unique_ptr<agent::KnotDriver> knot_driver_;
  std::unique_ptr<agent::BatchApplier> node_applier_;
  std::unique_ptr<agent::BatchApplier> outside_applier_;
  std::unique_ptr<agent::BatchApplier> knot_applier_;
  int64_t revision_ = 0;
};

}  // namespace hostplane::testing
