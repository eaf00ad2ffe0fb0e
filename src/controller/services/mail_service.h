#pragma once

// Mail: mail domains, mailboxes and forwarders. Mailboxes and forwarders are Resource rows under
// their mail domain; every change re-sends the whole domain as one maildomain.ensure
// (protocol/mail_spec.h) to its mail node. A mail domain is created (placed on the least loaded
// mail node) with its first address and removed with its last; a catch-all is the forwarder
// "@domain" (an explicit option, never implied). The DNS zones follow (MX, SPF, DKIM, DMARC:
// mail_dns_records.h).
//
// DKIM (issue 16): each mail domain gets an RSA-2048 key when it is created (dkim_key_pair.h
// says why RSA), selector "hp1", kept in the SecretVault as "dkim/<domain>/<selector>"; its row's
// data holds the selector and the public key (dkim_selector, dkim_public_key, dkim_generation).
// Every maildomain.ensure carries the private key sealed to the box key of the node it goes to,
// so after a drain the new node signs with the same key. RotateDkim makes a new key under the
// next selector (hp2, ...), publishes it and removes the old one.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>
#include <vector>

#include "controller/secrets/secret_vault.h"
#include "controller/services/account_service.h"
#include "controller/services/change_runner.h"
#include "controller/services/dns_service.h"
#include "controller/services/hosting_options.h"
#include "controller/services/mail_account_service.h"

namespace hostplane::controller {

struct MailboxInput {
  std::string address;
  std::optional<std::string> customer;  // needed when the domain is not a mail domain yet
  std::string password;                 // plain text; only its hash is kept
  std::optional<int64_t> quota_mb;      // default: the plan's mailbox quota, else 1024
};
// A mailbox's new password and/or quota (PATCH /mailboxes/{address}); absent: unchanged.
struct MailboxPatch {
  std::optional<std::string> password;  // plain text; only its hash is kept
  std::optional<int64_t> quota_mb;
};
struct ForwarderInput {
  std::string address;  // "sales@acme.example", or "@acme.example" for the catch-all
  std::vector<std::string> targets;
  std::optional<std::string> customer;
};

// "local@domain" in canonical parts; local "" for the catch-all "@domain".
struct MailAddress {
  std::string local;
  std::string domain;
  std::string text() const { return local + "@" + domain; }
};
// Inputs in canonical form, the password hashed (CheckMailbox, CheckForwarder).
struct NewMailbox {
  MailAddress address;
  std::optional<std::string> customer;
  std::string password_hash;
  std::optional<int64_t> quota_mb;
};
struct MailboxUpdate {
  MailAddress address;
  std::optional<std::string> password_hash;
  std::optional<int64_t> quota_mb;
};
struct NewForwarder {
  MailAddress address;
  std::vector<std::string> targets;
  std::optional<std::string> customer;
  bool catch_all() const { return address.local.empty(); }
};

class MailService {
 public:
  MailService(Store& store, ChangeRunner& runner, const DnsService& dns, const SecretVault& vault,
              const AccountService& accounts, const MailAccountService& mail_accounts,
              const HostingOptions& options)
      : store_(store),
        runner_(runner),
        dns_(dns),
        vault_(vault),
        accounts_(accounts),
        mail_accounts_(mail_accounts),
        options_(options) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field; kNotFound
  // (customer, address; also one the actor may not see); kConflict {"address": "address.taken"
  // | "domain.owned_by_other_customer"}; kLimit (plan.mailboxes_limit, plan.forwarders_limit,
  // plan.mailbox_quota_limit); kUnavailable {"address": "node.none_available"}.
  Result<Change<Resource>> AddMailbox(const Actor& actor, const MailboxInput& in);
  Result<Change<Resource>> RemoveMailbox(const Actor& actor, const std::string& address);
  // A new password and/or quota for the mailbox, sent to its node with its domain (the old
  // password stops working there; a lower quota refuses mail at RCPT once it is used up).
  // Errors: kInvalid {"body": "patch.empty"} when neither is given, a code per field as
  // AddMailbox; kNotFound (the address, also one the actor may not see); kLimit {"quota_mb":
  // "plan.mailbox_quota_limit"}.
  Result<Change<Resource>> UpdateMailbox(const Actor& actor, const std::string& address,
                                         const MailboxPatch& patch);
  Result<Change<Resource>> AddForwarder(const Actor& actor, const ForwarderInput& in);
  Result<Change<Resource>> RemoveForwarder(const Actor& actor, const std::string& address);
  // A new DKIM key for the mail domain under the next selector, sent to its node and published
  // in the customer's zones; the old key is deleted. Errors: kNotFound (not a mail domain, or
  // one the actor may not see).
  Result<Change<Resource>> RotateDkim(const Actor& actor, const std::string& domain);
  // The records the mail domain needs in DNS (mail_dns_records.h), with absolute names:
  // {"domain", "zone" (the hosted zone that serves them, or null: copy them to the zone's
  // servers), "records": [{name, type, ttl, value}]}. Errors: kNotFound as RotateDkim.
  Result<Json> DnsRecords(const Actor& actor, const std::string& domain);

  // Steps, inside a change (the caller commits). Check* validate and hash (slow on purpose:
  // outside any transaction).
  static Result<NewMailbox> CheckMailbox(const MailboxInput& in);
  static Result<NewForwarder> CheckForwarder(const ForwarderInput& in);
  // nullopt address: not an address (the caller answers "not found").
  static Result<std::optional<MailboxUpdate>> CheckMailboxPatch(const std::string& address,
                                                                const MailboxPatch& in);
  Result<Resource> UpdateMailbox(ChangeContext& change, const MailboxUpdate& in) const;
  Result<Resource> AddMailbox(ChangeContext& change, const NewMailbox& in) const;
  Result<Resource> AddForwarder(ChangeContext& change, const NewForwarder& in) const;
  // A mailbox or forwarder ("local@domain"; "@domain": the catch-all).
  Result<Resource> Remove(ChangeContext& change, const char* kind,
                          const MailAddress& address) const;
  // Re-sends maildomain.ensure for every mail domain of c, and its mailaccount.ensure where they
  // are (mail_account_service.h; its account.ensure is the caller's).
  [[nodiscard]] Status Resend(ChangeContext& change, const Customer& c) const;
  // maildomain.ensure of domain to its node.
  [[nodiscard]] Status Sync(ChangeContext& change, const Resource& domain,
                            const Customer& owner) const;
  // Re-sends maildomain.ensure for every mail domain on node (its DKIM keys sealed to the box
  // key it just announced).
  [[nodiscard]] Status ResealFor(ChangeContext& change, const Node& node) const;
  // Sends node_id (the server a drain moves the domain off) the domain with status moving:
  // logins refused and new mail deferred (4xx) there until it is emptied, so nothing lands in
  // the Maildirs after they were packed; senders retry and reach the new server.
  [[nodiscard]] Status MarkMoving(ChangeContext& change, const Resource& domain,
                                  const Customer& owner, int64_t node_id) const;

 private:
  Result<Resource> EnsureDomain(ChangeContext& change, const std::string& domain,
                                const std::optional<std::string>& customer, Action action) const;
  [[nodiscard]] Status SyncOrDropDomain(ChangeContext& change, const std::string& domain) const;
  // After a change of owner's addresses: its mail settings on the mail nodes and PHP's way out
  // on its web nodes (a new mail domain, the last one gone, a first mailbox) follow.
  [[nodiscard]] Status SyncAccount(ChangeContext& change, const Customer& owner) const;
  // A new key pair for domain (the next selector) into the vault and the row's data; the old
  // key, if any, is removed from the vault.
  [[nodiscard]] Status NewDkimKey(StoreTxn& tx, Resource& domain) const;
  // maildomain.ensure of domain for node_id, the DKIM key sealed to that node.
  Result<Json> DomainSpec(StoreTxn& tx, const Resource& domain, const Customer& owner,
                          int64_t node_id) const;

  Store& store_;
  ChangeRunner& runner_;
  const DnsService& dns_;
  const SecretVault& vault_;
  const AccountService& accounts_;
  const MailAccountService& mail_accounts_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
