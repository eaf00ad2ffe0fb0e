#pragma once

// Customers: the accounts every other object belongs to, and their lifecycle. Suspend and resume
// re-send the spec of everything the customer has with the new status (the drivers turn
// "suspended" into a 503 page, refused logins and locked database users, keeping every file and
// row). Delete removes every service on every node in the reverse order of creation —
// certificates, databases, FTP users, zones, mail domains, sites — and the account's Unix user
// last.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>
#include <vector>

#include "controller/services/account_service.h"
#include "controller/services/change_runner.h"
#include "controller/services/database_service.h"
#include "controller/services/ftp_service.h"
#include "controller/services/hosting_options.h"
#include "controller/services/mail_service.h"
#include "controller/services/site_service.h"

namespace hostplane::controller {

struct CustomerInput {
  std::string login;
  std::string name;  // defaults to login
  std::string email;
  std::optional<std::string> password;  // plain text, only hashed (Argon2id) before storing
  std::optional<std::string> plan;      // plan name; default plan when absent
};

// A change to a customer; absent fields stay as they are.
struct CustomerPatch {
  std::optional<std::string> plan;  // plan name
};

// In canonical form, the password hashed (Check).
struct NewCustomer {
  Customer customer;  // login, name, email, password_hash
  std::string plan;
};

class CustomerService {
 public:
  // The services whose objects a customer's lifecycle re-sends.
  struct Parts {
    const AccountService& accounts;
    const SiteService& sites;
    const FtpService& ftp;
    const DatabaseService& databases;
    const MailService& mail;
    const MailAccountService& mail_accounts;
  };
  CustomerService(Store& store, ChangeRunner& runner, Parts parts, const HostingOptions& options)
      : store_(store), runner_(runner), parts_(parts), options_(options) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field ("plan":
  // "plan.unknown"); kNotFound (also for a customer the actor may not see); kConflict {"login":
  // "login.taken"}; kUnavailable {"login": "uid.range_exhausted"}; kLimit {"plan":
  // "plan.below_usage"} when the customer already uses more than the new plan allows; kForbidden
  // for an actor that may not create customers. A patch or a status that changes nothing writes
  // nothing (change_id 0).
  Result<Change<Customer>> Create(const Actor& actor, const CustomerInput& in);
  Result<std::vector<Customer>> List(const Actor& actor, const Page& page);
  Result<Customer> Get(const Actor& actor, const std::string& login);
  Result<Change<Customer>> Update(const Actor& actor, const std::string& login,
                                  const CustomerPatch& patch);
  Result<Change<Customer>> Suspend(const Actor& actor, const std::string& login);
  Result<Change<Customer>> Resume(const Actor& actor, const std::string& login);
  Result<Change<Customer>> Delete(const Actor& actor, const std::string& login,
                                  bool remove_content);

  // Steps, inside a change (the caller commits). Check hashes the password: slow on purpose,
  // outside any transaction.
  static Result<NewCustomer> Check(const CustomerInput& in);
  Result<Customer> Create(ChangeContext& change, const NewCustomer& in) const;
  Result<Customer> Update(ChangeContext& change, const std::string& login,
                          const CustomerPatch& patch) const;
  Result<Customer> SetStatus(ChangeContext& change, const std::string& login,
                             CustomerStatus status) const;
  Result<Customer> Delete(ChangeContext& change, const std::string& login,
                          bool remove_content) const;
  // Re-sends the spec of everything the customer has to the node that serves it (level-
  // triggered: a node that has it already does nothing), the account to every node it is on but
  // skip_account_node.
  [[nodiscard]] Status Resend(ChangeContext& change, const Customer& c,
                              std::optional<int64_t> skip_account_node) const;

 private:
  Result<Change<Customer>> SetStatus(const Actor& actor, const std::string& login,
                                     CustomerStatus status);

  Store& store_;
  ChangeRunner& runner_;
  Parts parts_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
