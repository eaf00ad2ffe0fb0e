// The all-in-one on the defaults a user gets (issue 11): `hostplane up --data-dir <dir>/var` and
// nothing else, from a 0700 folder, so on the default ports, with no Unix-user prefix and the
// default uid range. Every class of object (customer, site, mailbox, forwarder, FTP user, zone,
// record, database) is created, changed where the API can change it, and deleted, for a customer
// that already owns other objects and whose Unix user exists, each checked with a real client.
// The other integration tests isolate themselves (prefixes, port slots, uid ranges); this one
// is the twin that runs what users run. It holds the CTest RESOURCE_LOCK default_ports.

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include "cmd/up_data_dir.h"
#include "protocol/validate.h"
#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

constexpr const char* kLogin = "globex";
constexpr const char* kDomain = "globex.example";

TEST(Defaults, EveryObjectIsCreatedChangedAndDeletedForACustomerThatOwnsOthers) {
  ASSERT_EQ(::geteuid(), 0) << "Unix users, Postfix and MariaDB need root";
  UpOptions options;
  options.defaults = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  // The defaults: ports, and the data out of the 0700 folder where the daemons reach it.
  EXPECT_EQ(up.api_port(), 8580);
  EXPECT_EQ(up.http_port(), 18080);
  EXPECT_EQ(up.ports().https, 18443);
  EXPECT_EQ(up.ports().smtp, 12525);
  EXPECT_EQ(up.ports().imap, 11143);
  EXPECT_EQ(up.ports().ftp, 12121);
  EXPECT_EQ(up.ports().dns, 15353);
  EXPECT_EQ(up.ports().db, 13306);
  EXPECT_NE(up.real_data_dir(), up.data_dir());
  EXPECT_FALSE(cmd::FirstUntraversable(up.real_data_dir()));

  // A customer that owns a site: its account's Unix user exists from here on, named as its login.
  CliOk(up, {"customer", "create", kLogin, "--email", "ops@globex.example"});
  CliOk(up, {"site", "add", kDomain, "--customer", kLogin, "--php", "8.2", "--wait"});
  EXPECT_EQ(up.Curl(kDomain).status, 200);
  struct passwd* pw = ::getpwnam(kLogin);
  ASSERT_NE(pw, nullptr) << "no Unix user " << kLogin;
  EXPECT_EQ(std::string(pw->pw_gecos), protocol::kAccountUserComment);
  EXPECT_GE(pw->pw_uid, 20000u);
  EXPECT_LE(pw->pw_uid, 59999u);
  EXPECT_EQ(protocol::LookUpUnixUser(kLogin), protocol::UnixUserOwner::kHostplane);

  // Site: another one, an alias added, then removed; the first keeps answering.
  const std::string shop = std::string("shop.") + kDomain;
  CliOk(up, {"site", "add", shop, "--customer", kLogin, "--wait"});
  auto page = up.Curl(shop);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(shop), std::string::npos) << page.body;
  auto patched = up.Api("PATCH", "/api/v1/sites/" + shop, {{"aliases", {"www." + shop}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  for (const auto& t : WaitOrFail(up, UpInstance::TaskIds(patched.json()))) {
    EXPECT_EQ(t.value("state", ""), "applied") << t.dump();
  }
  EXPECT_EQ(up.Curl("www." + shop).status, 200);
  CliOk(up, {"site", "remove", shop, "--wait"});
  EXPECT_NE(up.Curl(shop).status, 200);
  EXPECT_NE(up.Curl("www." + shop).status, 200);
  EXPECT_EQ(up.Curl(kDomain).status, 200);

  // Mailbox and forwarder: delivery through the forwarder, then each removed.
  const std::string info = std::string("info@") + kDomain;
  const std::string sales = std::string("sales@") + kDomain;
  CliOk(up, {"mailbox", "add", info, "--customer", kLogin, "--password-stdin", "--wait"},
        std::string(kMailPassword) + "\n");
  EXPECT_EQ(ImapSearch(up, info, kMailPassword).exit_code, 0);
  CliOk(up, {"forwarder", "add", sales, "--to", info, "--wait"});
  ASSERT_EQ(SmtpSend(up, sales, "via the forwarder").exit_code, 0);
  EXPECT_TRUE(WaitForMail(up, info, kMailPassword));
  CliOk(up, {"forwarder", "remove", sales, "--wait"});
  EXPECT_NE(SmtpSend(up, sales, "no forwarder any more").exit_code, 0);
  EXPECT_EQ(SmtpSend(up, info, "the mailbox still takes mail").exit_code, 0);
  CliOk(up, {"mailbox", "remove", info, "--wait"});
  EXPECT_EQ(ImapSearch(up, info, kMailPassword).exit_code, 67);
  EXPECT_NE(SmtpSend(up, info, "no mailbox any more").exit_code, 0);

  // FTP user: an upload the site serves, then the login refused once it is removed.
  const std::string ftp_user = std::string(kLogin) + "_web";
  CliOk(up,
        {"ftp", "add", ftp_user, "--customer", kLogin, "--home",
         std::string("sites/") + kDomain + "/public", "--password-stdin", "--wait"},
        std::string(kFtpPassword) + "\n");
  std::string file = SecretFile(up.prefix(), "up.html", "uploaded on the defaults\n");
  ASSERT_EQ(FtpUpload(up, ftp_user, kFtpPassword, file, "up.html").exit_code, 0);
  EXPECT_EQ(up.Curl(kDomain, "/up.html").body, "uploaded on the defaults\n");
  CliOk(up, {"ftp", "remove", ftp_user, "--wait"});
  EXPECT_NE(FtpUpload(up, ftp_user, kFtpPassword, file, "again.html").exit_code, 0);

  // Zone and record: a TXT added, changed (removed and added anew), removed. A database while
  // the zone is there (db.<zone> names its node), then each removed.
  CliOk(up, {"dns", "zone", "add", kDomain, "--customer", kLogin, "--wait"});
  EXPECT_NE(Kdig(up, kDomain, "SOA").out, "");
  CliOk(up, {"dns", "record", "add", kDomain, "@", "TXT", "v=first", "--wait"});
  EXPECT_EQ(Kdig(up, kDomain, "TXT").out, "\"v=first\"\n");
  CliOk(up, {"dns", "record", "remove", kDomain, "@", "TXT", "v=first", "--wait"});
  CliOk(up, {"dns", "record", "add", kDomain, "@", "TXT", "v=second", "--wait"});
  EXPECT_EQ(Kdig(up, kDomain, "TXT").out, "\"v=second\"\n");
  CliOk(up, {"dns", "record", "remove", kDomain, "@", "TXT", "v=second", "--wait"});
  EXPECT_EQ(Kdig(up, kDomain, "TXT").out, "");

  const std::string db = std::string(kLogin) + "_shop";
  CliOk(up, {"db", "add", db, "--customer", kLogin, "--password-stdin", "--wait"},
        std::string(kDbPassword) + "\n");
  EXPECT_EQ(Mariadb(up, db, kDbPassword, "SELECT 1").out, "1\n");
  EXPECT_EQ(Kdig(up, std::string("db.") + kDomain, "A").out, "127.0.0.1\n");
  CliOk(up, {"db", "remove", db, "--wait"});
  EXPECT_NE(Mariadb(up, db, kDbPassword, "SELECT 1").exit_code, 0);
  CliOk(up, {"dns", "zone", "remove", kDomain, "--wait"});
  EXPECT_EQ(Kdig(up, kDomain, "SOA").out, "");

  // Customer: changed (another plan), then deleted with its content and its Unix user.
  CliOk(up, {"plan", "create", "small", "--sites", "3"});
  CliOk(up, {"customer", "set-plan", kLogin, "small"});
  auto plan = up.Api("GET", "/api/v1/plans/small");
  ASSERT_EQ(plan.status, 200) << plan.body;
  auto shown = up.Api("GET", std::string("/api/v1/customers/") + kLogin);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.json()["customer"]["plan_id"], plan.json()["plan"]["id"])
      << shown.body << plan.body;
  CliOk(up, {"customer", "delete", kLogin, "--remove-content", "--wait"});
  EXPECT_EQ(::getpwnam(kLogin), nullptr) << "Unix user left";
  EXPECT_NE(up.Curl(kDomain).status, 200);
  EXPECT_EQ(up.Api("GET", std::string("/api/v1/customers/") + kLogin).status, 404);
}

}  // namespace
}  // namespace hostplane::testing
