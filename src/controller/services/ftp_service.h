#pragma once

// FTP users: one Resource row each and, on the web node that serves the customer's content, one
// virtual user (ftpuser.ensure / ftpuser.remove, protocol/ftp_spec.h) chrooted in the account's
// home, so the account must exist on that node first.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <string>

#include "controller/services/account_service.h"
#include "controller/services/change_runner.h"
#include "controller/services/hosting_options.h"

namespace hostplane::controller {

struct FtpUserInput {
  std::string user;  // <account>_<suffix>
  std::string customer;
  std::string password;
  std::string home;  // relative to the account home; "" = the home itself
};
// In canonical form, the password hashed (CheckFtpUser).
struct NewFtpUser {
  std::string user;
  std::string customer;
  std::string password_hash;
  std::string home;
};

// An FTP user's new password (PATCH /ftp-users/{user}); its only changeable field for now.
struct FtpUserPatch {
  std::string password;  // plain text; only its hash is kept
};

class FtpService {
 public:
  FtpService(ChangeRunner& runner, const AccountService& accounts, const HostingOptions& options)
      : runner_(runner), accounts_(accounts), options_(options) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field; kNotFound
  // (customer, user; also one the actor may not see); kConflict {"user": "ftp.taken"}; kLimit
  // {"user": "plan.ftp_users_limit"}; kUnavailable {"user": "node.none_available"}.
  Result<Change<Resource>> Add(const Actor& actor, const FtpUserInput& in);
  Result<Change<Resource>> Remove(const Actor& actor, const std::string& user);
  // A new password for the FTP user, sent to its node (ftpuser.ensure): the old one stops
  // working there. Errors: kInvalid {"password": ...}; kNotFound (the user, also one the actor
  // may not see).
  Result<Change<Resource>> Update(const Actor& actor, const std::string& user,
                                  const FtpUserPatch& patch);

  // Steps, inside a change (the caller commits).
  static Result<NewFtpUser> Check(const FtpUserInput& in);
  Result<Resource> Add(ChangeContext& change, const NewFtpUser& in) const;
  Result<Resource> Remove(ChangeContext& change, const std::string& user) const;
  Result<Resource> SetPasswordHash(ChangeContext& change, const std::string& user,
                                   const std::string& password_hash) const;
  // Re-sends ftpuser.ensure for every FTP user of c.
  [[nodiscard]] Status Resend(ChangeContext& change, const Customer& c) const;

 private:
  ChangeRunner& runner_;
  const AccountService& accounts_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
