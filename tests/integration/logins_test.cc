// login.reserved is a rule for NEW customers (issue 11): a customer's login may not be the name
// of a user of the machine that hostplane does not manage. Once a customer exists, every command
// that names it (site, mailbox, FTP user, zone, database) is accepted whatever the machine's user
// database holds, even a foreign user of the very same name.

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <random>

#include "protocol/validate.h"
#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

Command Argv(std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  return c;
}

// A Unix user that hostplane did not make, removed again at the end of the test.
class ForeignUser {
 public:
  explicit ForeignUser(std::string name) : name_(std::move(name)) {
    auto out = Admin().Run(Argv({"/usr/sbin/useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-c",
                                 "Someone else", "--", name_}));
    created_ = out && out->ok();
  }
  ~ForeignUser() {
    if (created_) (void)Admin().Run(Argv({"/usr/sbin/userdel", "--", name_}));
  }
  bool created() const { return created_; }

 private:
  static PosixCommandRunner& Admin() {
    static PosixCommandRunner runner({"/usr/sbin/useradd", "/usr/sbin/userdel"});
    return runner;
  }
  std::string name_;
  bool created_ = false;
};

std::string RandomLogin(const std::string& head) {
  std::random_device rd;
  std::string out = head;
  for (int i = 0; i < 6; ++i) out += static_cast<char>('a' + rd() % 26);
  return out;
}

TEST(Logins, AReferenceToACustomerIsNeverRefusedAndANewLoginClashIs) {
  ASSERT_EQ(::geteuid(), 0) << "creating Unix users needs root";
  UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  const std::string login = RandomLogin("hpl");
  const std::string domain = login + ".example";
  CliOk(up, {"customer", "create", login, "--email", "ops@" + domain});
  CliOk(up, {"site", "add", domain, "--customer", login, "--wait"});
  ASSERT_NE(::getpwnam(up.UnixUser(login).c_str()), nullptr);  // the account's own user

  // Someone makes a user named like the customer's login (its account's user is prefixed here).
  ForeignUser same(login);
  ASSERT_TRUE(same.created());
  EXPECT_EQ(protocol::LookUpUnixUser(login), protocol::UnixUserOwner::kOther);

  // Every reference to the existing customer goes on working.
  CliOk(up, {"site", "add", "www2." + domain, "--customer", login, "--wait"});
  EXPECT_EQ(up.Curl("www2." + domain).status, 200);
  CliOk(up, {"mailbox", "add", "info@" + domain, "--customer", login, "--password-stdin", "--wait"},
        std::string(kMailPassword) + "\n");
  CliOk(up, {"ftp", "add", login + "_web", "--customer", login, "--password-stdin", "--wait"},
        std::string(kFtpPassword) + "\n");
  CliOk(up, {"dns", "zone", "add", domain, "--customer", login, "--wait"});
  CliOk(up, {"db", "add", login + "_db", "--customer", login, "--password-stdin", "--wait"},
        std::string(kDbPassword) + "\n");
  EXPECT_NE(Kdig(up, domain, "SOA").out, "");
  EXPECT_EQ(Mariadb(up, login + "_db", kDbPassword, "SELECT 1").out, "1\n");

  // A new customer whose login is such a user is refused with the field's code; nothing is made.
  const std::string taken = RandomLogin("hpm");
  ForeignUser other(taken);
  ASSERT_TRUE(other.created());
  auto refused = up.Cli({"customer", "create", taken, "--email", "ops@taken.example"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->exit_code, 4) << refused->out << refused->err;
  EXPECT_NE(refused->err.find("login.reserved"), std::string::npos) << refused->err;
  EXPECT_EQ(up.Api("GET", "/api/v1/customers/" + taken).status, 404);

  CliOk(up, {"customer", "delete", login, "--remove-content", "--wait"});
  EXPECT_EQ(::getpwnam(up.UnixUser(login).c_str()), nullptr);
  EXPECT_NE(::getpwnam(login.c_str()), nullptr);  // the foreign user is not ours to remove
}

}  // namespace
}  // namespace hostplane::testing
