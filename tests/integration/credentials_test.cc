// Changing what a customer logs in with, through `hostplane up` and its CLI against the real
// daemons (issue 19's API operations): a mailbox's new password works over IMAP and the old one
// is refused; a quota lowered below what the mailbox holds refuses new mail at RCPT; an FTP
// user's new password logs in to pure-ftpd and the old one is refused.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

constexpr const char* kNewMailPassword = "MailSecret-9090-new";
constexpr const char* kNewFtpPassword = "FtpSecret-1234-new";

TEST(Credentials, NewMailboxAndFtpPasswordsLogInTheOldOnesAreRefusedAndALowerQuotaHolds) {
  ASSERT_EQ(::geteuid(), 0u) << "Unix users, Postfix and pure-ftpd need root";
  UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());

  CliOk(up, {"customer", "create", "acme", "--email", "ops@acme.example"});
  CliOk(up, {"site", "add", "acme.example", "--customer", "acme", "--wait"});
  CliOk(up,
        {"mailbox", "add", "info@acme.example", "--customer", "acme", "--password-stdin", "--wait"},
        std::string(kMailPassword) + "\n");
  ASSERT_EQ(ImapSearch(up, "info@acme.example", kMailPassword).exit_code, 0);

  // The password: the new one logs in, the old one is refused (curl 67: login denied).
  CliOk(up, {"mailbox", "set", "info@acme.example", "--password-stdin", "--wait"},
        std::string(kNewMailPassword) + "\n");
  EXPECT_EQ(ImapSearch(up, "info@acme.example", kNewMailPassword).exit_code, 0);
  EXPECT_EQ(ImapSearch(up, "info@acme.example", kMailPassword).exit_code, 67);

  // The quota: 1.5 MB arrives under the plan's quota; lowered to 1 MB, even a small message is
  // refused at RCPT (curl fails before sending it), while before it was accepted.
  std::string big;
  while (big.size() < 1536 * 1024) big += std::string(78, 'x') + "\r\n";
  ASSERT_EQ(SmtpSend(up, "info@acme.example", big).exit_code, 0);
  ASSERT_TRUE(WaitForMail(up, "info@acme.example", kNewMailPassword)) << up.log();
  EXPECT_EQ(SmtpSend(up, "info@acme.example", "small, under the old quota").exit_code, 0);
  CliOk(up, {"mailbox", "set", "info@acme.example", "--quota-mb", "1", "--wait"});
  auto refused = SmtpSend(up, "info@acme.example", "small, over the new quota");
  EXPECT_NE(refused.exit_code, 0) << refused.out << refused.err;
  auto shown = up.Cli({"mailbox", "list", "--customer", "acme", "--output", "json"});
  ASSERT_TRUE(shown);
  EXPECT_NE(shown->out.find("\"quota_mb\": 1"), std::string::npos) << shown->out;

  // FTP: the same for pure-ftpd.
  CliOk(up,
        {"ftp", "add", "acme_web", "--customer", "acme", "--home", "sites/acme.example/public",
         "--password-stdin", "--wait"},
        std::string(kFtpPassword) + "\n");
  const std::string page = SecretFile(up.prefix(), "index.html", "uploaded over ftp\n");
  ASSERT_EQ(FtpUpload(up, "acme_web", kFtpPassword, page, "one.html").exit_code, 0);
  CliOk(up, {"ftp", "set", "acme_web", "--password-stdin", "--wait"},
        std::string(kNewFtpPassword) + "\n");
  EXPECT_EQ(FtpUpload(up, "acme_web", kNewFtpPassword, page, "two.html").exit_code, 0);
  EXPECT_NE(FtpUpload(up, "acme_web", kFtpPassword, page, "three.html").exit_code, 0);
  EXPECT_EQ(up.Curl("acme.example", "/two.html").status, 200);
  EXPECT_EQ(up.Curl("acme.example", "/three.html").status, 404);
}

}  // namespace
}  // namespace hostplane::testing
