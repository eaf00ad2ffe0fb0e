// End to end, through `hostplane up` and its CLI, every hosting service on the real daemons,
// checked with real clients: a PHP page runs as the account's uid; SMTP delivery then an IMAP
// login; a forwarder; a removed mailbox refused at RCPT TO; an FTP upload served by the vhost;
// DNS records seen by kdig (a TXT with quotes and semicolons exactly); a MariaDB login that
// creates a table and cannot see another account's database. Then suspend (503, logins refused,
// data kept), resume, and delete, after which an orphan scan finds no user, pool, map entry,
// zone, grant or file of the account.

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

TEST(Services, EveryServiceAnswersRealClientsThenSuspendResumeAndDeleteLeaveNoOrphans) {
  if (::geteuid() != 0) GTEST_SKIP() << "Unix users, Postfix and MariaDB need root";
  UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  const std::string var = up.data_dir();

  CliOk(up, {"customer", "create", "acme", "--email", "ops@acme.example"});
  CliOk(up, {"customer", "create", "bravo", "--email", "ops@bravo.example"});
  CliOk(up, {"site", "add", "acme.example", "--customer", "acme", "--php", "8.2", "--wait"});
  CliOk(up, {"site", "add", "bravo.example", "--customer", "bravo", "--wait"});
  struct passwd* acme_pw = ::getpwnam(up.UnixUser("acme").c_str());
  ASSERT_NE(acme_pw, nullptr) << "no Unix user " << up.UnixUser("acme");
  const uid_t acme_uid = acme_pw->pw_uid;

  // FTP: upload a page and a PHP script into the docroot; both owned by the account.
  CliOk(up,
        {"ftp", "add", "acme_web", "--customer", "acme", "--home", "sites/acme.example/public",
         "--password-stdin", "--wait"},
        std::string(kFtpPassword) + "\n");
  std::string page = SecretFile(up.prefix(), "index.html", "uploaded over ftp\n");
  std::string script = SecretFile(up.prefix(), "whoami.php", "<?php echo posix_geteuid();");
  ASSERT_EQ(FtpUpload(up, "acme_web", kFtpPassword, page, "index.html").exit_code, 0);
  ASSERT_EQ(FtpUpload(up, "acme_web", kFtpPassword, script, "whoami.php").exit_code, 0);
  EXPECT_NE(FtpUpload(up, "acme_web", "wrong-password-1", page, "x.html").exit_code, 0);
  auto served = up.Curl("acme.example", "/index.html");
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body, "uploaded over ftp\n");
  struct stat st {};
  ASSERT_EQ(::stat((var + "/home/acme/sites/acme.example/public/index.html").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, acme_uid);
  // ... and the jail holds: the FTP user cannot write outside its home.
  FtpUpload(up, "acme_web", kFtpPassword, page, "../../escape.html");
  EXPECT_FALSE(std::filesystem::exists(var + "/home/acme/escape.html"));
  EXPECT_FALSE(std::filesystem::exists(var + "/home/acme/sites/escape.html"));

  // PHP runs as the account's uid.
  auto php = up.Curl("acme.example", "/whoami.php");
  EXPECT_EQ(php.status, 200);
  EXPECT_EQ(php.body, std::to_string(acme_uid));

  // Mail: a mailbox, a forwarder to it, SMTP delivery then an IMAP login.
  CliOk(up,
        {"mailbox", "add", "info@acme.example", "--customer", "acme", "--password-stdin", "--wait"},
        std::string(kMailPassword) + "\n");
  CliOk(up, {"forwarder", "add", "sales@acme.example", "--to", "info@acme.example", "--wait"});
  ASSERT_EQ(SmtpSend(up, "sales@acme.example", "via the forwarder").exit_code, 0);
  EXPECT_TRUE(WaitForMail(up, "info@acme.example", kMailPassword));
  EXPECT_EQ(ImapSearch(up, "info@acme.example", "Wrong-password-99").exit_code, 67);
  CliOk(up, {"mailbox", "add", "old@acme.example", "--password-stdin", "--wait"},
        std::string(kMailPassword) + "\n");
  EXPECT_EQ(SmtpSend(up, "old@acme.example", "accepted").exit_code, 0);
  CliOk(up, {"mailbox", "remove", "old@acme.example", "--wait"});
  auto refused = SmtpSend(up, "old@acme.example", "refused");
  EXPECT_NE(refused.exit_code, 0) << "RCPT TO a removed mailbox was accepted";

  // DNS: the zone's defaults and a customer TXT with quotes and semicolons, exactly.
  CliOk(up, {"dns", "zone", "add", "acme.example", "--customer", "acme", "--wait"});
  const std::string txt = "v=hp1; note=\"quoted; with semicolons\"";
  CliOk(up, {"dns", "record", "add", "acme.example", "@", "TXT", txt, "--wait"});
  CliOk(up, {"dns", "record", "add", "acme.example", "www", "CNAME", "acme.example.", "--wait"});
  EXPECT_EQ(Kdig(up, "acme.example", "A").out, "127.0.0.1\n");
  EXPECT_EQ(Kdig(up, "acme.example", "MX").out, "10 mail.acme.example.\n");
  EXPECT_NE(
      Kdig(up, "acme.example", "TXT").out.find("\"v=hp1; note=\\\"quoted; with semicolons\\\"\""),
      std::string::npos)
      << Kdig(up, "acme.example", "TXT").out;
  EXPECT_EQ(Kdig(up, "www.acme.example", "CNAME").out, "acme.example.\n");
  CliOk(up, {"dns", "record", "remove", "acme.example", "www", "CNAME", "acme.example.", "--wait"});
  EXPECT_EQ(Kdig(up, "www.acme.example", "CNAME").out, "");
  // A bad record is refused with its field's code, and nothing changes.
  auto bad = up.Cli({"dns", "record", "add", "acme.example", "@", "A", "300.1.2.3"});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->exit_code, 4) << bad->out << bad->err;
  EXPECT_NE(bad->err.find("record.value_invalid"), std::string::npos) << bad->err;

  // Databases: the user connects, creates a table, and cannot see bravo's database.
  CliOk(up, {"db", "add", "acme_shop", "--customer", "acme", "--password-stdin", "--wait"},
        std::string(kDbPassword) + "\n");
  CliOk(up, {"db", "add", "bravo_blog", "--customer", "bravo", "--password-stdin", "--wait"},
        std::string(kDbPassword) + "\n");
  auto created = Mariadb(up, "acme_shop", kDbPassword,
                         "CREATE TABLE acme_shop.t (i INT); INSERT INTO acme_shop.t VALUES (7); "
                         "SELECT i FROM acme_shop.t; SHOW DATABASES;");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("7\n"), std::string::npos);
  EXPECT_EQ(created.out.find("bravo_blog"), std::string::npos) << created.out;
  EXPECT_NE(Mariadb(up, "acme_shop", kDbPassword, "USE bravo_blog").exit_code, 0);

  // Suspend: the site answers 503, mail/FTP/database logins are refused, data kept.
  CliOk(up, {"customer", "suspend", "acme", "--wait"});
  EXPECT_EQ(up.Curl("acme.example", "/index.html").status, 503);
  EXPECT_EQ(up.Curl("bravo.example", "/").status, 200);  // other tenants are untouched
  EXPECT_EQ(ImapSearch(up, "info@acme.example", kMailPassword).exit_code, 67);
  EXPECT_NE(FtpUpload(up, "acme_web", kFtpPassword, page, "index.html").exit_code, 0);
  EXPECT_NE(Mariadb(up, "acme_shop", kDbPassword, "SELECT 1").exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(var + "/home/acme/sites/acme.example/public/index.html"));

  // Resume: everything answers again.
  CliOk(up, {"customer", "resume", "acme", "--wait"});
  EXPECT_EQ(up.Curl("acme.example", "/index.html").status, 200);
  EXPECT_EQ(ImapSearch(up, "info@acme.example", kMailPassword).exit_code, 0);
  EXPECT_EQ(Mariadb(up, "acme_shop", kDbPassword, "SELECT i FROM acme_shop.t").out, "7\n");

  // Delete with content: every service goes, in reverse order; then the orphan scan.
  CliOk(up, {"customer", "delete", "acme", "--remove-content", "--wait"});
  EXPECT_EQ(::getpwnam(up.UnixUser("acme").c_str()), nullptr) << "Unix user left";
  EXPECT_EQ(::getgrnam(up.UnixUser("acme").c_str()), nullptr) << "Unix group left";
  EXPECT_FALSE(std::filesystem::exists(var + "/home/acme")) << "home left";
  EXPECT_TRUE(FilesMentioning(var + "/etc/hostplane/php", "acme").empty()) << "PHP pool left";
  EXPECT_TRUE(FilesMentioning(var + "/etc/postfix/hostplane", "acme.example").empty())
      << "Postfix map fragment left";
  EXPECT_TRUE(FilesMentioning(var + "/etc/dovecot/hostplane", "acme.example").empty())
      << "Dovecot passwd-file left";
  EXPECT_TRUE(FilesMentioning(var + "/var/vmail", "acme.example").empty()) << "Maildirs left";
  EXPECT_TRUE(FilesMentioning(var + "/etc/hostplane/ftp", "acme_web").empty()) << "FTP user left";
  EXPECT_TRUE(FilesMentioning(var + "/etc/nginx/hostplane/sites", "acme.example").empty())
      << "vhost left";
  EXPECT_EQ(Kdig(up, "acme.example", "SOA").out, "") << "zone still served";
  auto grants = MariadbRoot(up,
                            "SELECT COUNT(*) FROM mysql.global_priv WHERE User LIKE 'acme%'; "
                            "SELECT COUNT(*) FROM information_schema.SCHEMATA "
                            "WHERE SCHEMA_NAME LIKE 'acme%';");
  ASSERT_EQ(grants.exit_code, 0) << grants.err;
  EXPECT_EQ(grants.out, "0\n0\n") << "database user or schema left";
  // bravo is untouched.
  EXPECT_EQ(up.Curl("bravo.example", "/").status, 200);
  CliOk(up, {"customer", "delete", "bravo", "--remove-content", "--wait"});
  EXPECT_EQ(::getpwnam(up.UnixUser("bravo").c_str()), nullptr);
}

}  // namespace
}  // namespace hostplane::testing
