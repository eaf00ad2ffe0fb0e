#pragma once

// The mail side of a hosting account (issue 16): its settings on the mail nodes
// (mailaccount.ensure, protocol/mail_account_spec.h) and how PHP's mail() on its web nodes reaches
// them (account.ensure's mail_submission, protocol/mail_submission_spec.h).
//
// - Every mail node that serves one of the account's mail domains gets mailaccount.ensure: the
//   plan's sending limit (Plan::max_messages_per_hour, counted there over every path out), the
//   account's status, its app login's password hash and the account's mail domains as the
//   senders the app login may use. A node that served one and serves none any more gets
//   mailaccount.remove.
// - The app login (login = the account's login) has one random password, made the first time
//   the account has a mail domain, kept in the SecretVault as "mail-submission/<login>" and its
//   hash as ".../hash" (so the specs stay the same from one change to the next), removed with the
//   customer.
// - PHP submits to the mail node of the account's first mail domain (by name) whose agent
//   announced a submission endpoint (Node::mail_submission); the password travels to each web
//   node sealed to that node's box key, as DKIM keys travel to mail nodes. Envelope sender:
//   noreply@<that domain> (php-noreply@ when noreply is a mailbox): the app login may send as
//   any address of its domains but a mailbox's, which is that mailbox's alone.
// - An account with no mail domain (or whose mail node announced no endpoint, or whose web node
//   has no box key yet) gets no mail_submission: the web node then makes PHP's mail() fail with a
//   log line (agent/drivers/account), never the system's sendmail.
//
// Thread-safe (stateless but for the vault, which is immutable).

#include <optional>

#include "controller/secrets/secret_vault.h"
#include "controller/services/change_context.h"
#include "protocol/mail_submission_spec.h"

namespace hostplane::controller {

inline std::string MailAccountObject(const std::string& login) { return "mailaccount:" + login; }

class MailAccountService {
 public:
  explicit MailAccountService(const SecretVault& vault) : vault_(vault) {}

  // account.ensure's mail_submission for c on the web node `web` (see above); nullopt when there
  // is none to give. Reads only, but for the app login made the first time (in the vault).
  Result<std::optional<protocol::MailSubmissionSpec>> SubmissionFor(StoreTxn& tx, const Customer& c,
                                                                    const Node& web) const;
  // mailaccount.ensure to every mail node serving one of c's mail domains (when it says something
  // new there), mailaccount.remove to every node it was sent to that serves none of them now.
  [[nodiscard]] Status Sync(ChangeContext& change, const Customer& c) const;
  // mailaccount.remove wherever it was sent, and the app login's secret gone (c is deleted).
  [[nodiscard]] Status Remove(ChangeContext& change, const Customer& c) const;

 private:
  // The hash of c's app login password; the login is made (and stored) the first time.
  Result<std::string> HashOf(StoreTxn& tx, const Customer& c) const;

  const SecretVault& vault_;
};

}  // namespace hostplane::controller
