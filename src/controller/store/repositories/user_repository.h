#pragma once

// Everyone who logs in (entities.h User): staff, reseller logins, customers and their users, with
// the grants of limited users. One login namespace; a login may also be given as the e-mail
// address when exactly one user has it. Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class UserRepository {
 public:
  UserRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // With its grants. FindByLoginOrEmail: the user whose login is name, else the one user whose
  // e-mail address is name (nullopt when none or several have it).
  Result<std::optional<User>> FindById(int64_t id);
  Result<std::optional<User>> FindByLogin(const std::string& login);
  Result<std::optional<User>> FindByLoginOrEmail(const std::string& name);
  // Without grants, lowest id first: the staff (reseller and customer nullopt), one reseller's
  // logins or one customer's users.
  Result<std::vector<User>> List(std::optional<int64_t> reseller_id,
                                 std::optional<int64_t> customer_id, const Page& page);
  // Returns the stored row (grants included). Errors: kConflict when the login exists.
  Result<User> Insert(const User& u);
  // Name, email, password hash, full access, TOTP secret and the grants. Errors: kNotFound.
  [[nodiscard]] Status Update(const User& u);
  [[nodiscard]] Status Delete(int64_t id);
  // The customer's own login (role "customer"), when it has one.
  Result<std::optional<User>> FindCustomerLogin(int64_t customer_id);

 private:
  Result<std::optional<User>> WithGrants(Result<std::optional<User>> found);
  [[nodiscard]] Status WriteGrants(int64_t user_id, const std::vector<UserGrant>& grants);

  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
