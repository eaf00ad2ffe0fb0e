// The mail driver's part in letting mail out: the DKIM key opened from its sealed form and written
// for OpenDKIM alone, and Assemble merging every domain's and account's fragments into the sender
// login map, the sending policy, the accounts' app logins and OpenDKIM's tables.

#include <gtest/gtest.h>
#include <pwd.h>

#include <fstream>
#include <sstream>

#include "agent/drivers/mail/mail_driver.h"
#include "agent/testing/driver_test_support.h"
#include "protocol/messages.h"

namespace hostplane::agent {
namespace {

using protocol::Json;

constexpr const char* kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a";

// postmap "builds" <file>.db as a copy; nothing else runs.
class CopyingRunner final : public CommandRunner {
 public:
  Result<CommandOutput> Run(const Command& command) override {
    CommandOutput out;
    out.exit_code = 0;
    if (command.argv[0] == "/usr/sbin/postmap") {
      std::string arg = command.argv.back();
      std::string file = arg.substr(arg.find(':') + 1);
      std::ifstream in(file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::ofstream(file + ".db", std::ios::binary) << ss.str();
    }
    return out;
  }
};

std::string RsaKey() {
  PosixCommandRunner runner({"/usr/bin/openssl"});
  Command cmd;
  cmd.argv = {"/usr/bin/openssl",    "genpkey", "-algorithm", "RSA", "-pkeyopt",
              "rsa_keygen_bits:1024"};
  return runner.Run(cmd).value().out;
}

class MailDriverSendingTest : public ::testing::Test {
 protected:
  MailDriverSendingTest() : fs_(root_.path()) {
    layout_.map_dir = "maps";
    layout_.dovecot_users_dir = "users";
    layout_.dkim_dir = "dkim";
    layout_.sieve_dir = "sieve";
    layout_.vmail_root = "vmail";
    layout_.vmail_uid = 5000;
    layout_.vmail_gid = 5000;
    options_.dovecot_group = "";
    options_.box_key = std::make_shared<const BoxKey>(BoxKey::Generate().value());
  }
  MailDriver Driver() { return MailDriver(layout_, fs_, runner_, options_); }
  std::string Read(const std::string& rel) { return testing::ReadFileOr(fs_, rel, "<missing>"); }
  protocol::Task Ensure(const protocol::MailDomainSpec& s) {
    return testing::MakeTask(1, "maildomain:" + s.domain, protocol::kMailDomainEnsure,
                             protocol::ToJson(s));
  }
  void WriteAll(const FileSet& files) {
    for (const auto& f : files) {
      if (f.content) {
        ASSERT_TRUE(fs_.ApplyFiles(
            std::vector<FileWrite>{FileWrite(f.path, f.content, f.mode, f.owner)}, nullptr));
      } else {
        ASSERT_TRUE(fs_.RemoveFile(f.path));
      }
    }
  }

  testing::TempRoot root_;
  PosixFilesystem fs_;
  CopyingRunner runner_;
  MailLayout layout_;
  MailDriverOptions options_;
};

TEST_F(MailDriverSendingTest, TheDkimKeyIsOpenedAndGivenToOpenDkimAlone) {
  const std::string pem = RsaKey();
  protocol::MailDomainSpec s;
  s.domain = "acme.example";
  s.account = "acme";
  s.dkim = protocol::DkimSpec{"hp1", options_.box_key->public_key().Seal(pem).value()};
  auto files = Driver().Render(Ensure(s));
  ASSERT_TRUE(files) << files.error().message;
  const FileChange& key = files->back();
  EXPECT_EQ(key.path, "dkim/keys/acme.example.pem");
  EXPECT_EQ(key.content, pem);
  EXPECT_EQ(key.mode, 0600u);
  passwd* opendkim = ::getpwnam("opendkim");
  ASSERT_NE(opendkim, nullptr) << "opendkim is not installed (scripts/install-deps)";
  ASSERT_TRUE(key.owner);
  EXPECT_EQ(key.owner->uid, opendkim->pw_uid);
  EXPECT_EQ((*files)[files->size() - 2].content, "hp1\n");

  // Sealed to another node: refused, and nothing of the key in the message.
  BoxKey other = BoxKey::Generate().value();
  s.dkim->private_key = other.public_key().Seal(pem).value();
  auto foreign = Driver().Render(Ensure(s));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().message.find("PRIVATE"), std::string::npos);
  // Not an RSA key.
  s.dkim->private_key = options_.box_key->public_key().Seal("not a key").value();
  auto garbage = Driver().Render(Ensure(s));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().fields.at("dkim.private_key"), "dkim.key_invalid");
  // A node without a box key cannot sign.
  options_.box_key = nullptr;
  s.dkim->private_key = other.public_key().Seal(pem).value();
  auto keyless = Driver().Render(Ensure(s));
  ASSERT_FALSE(keyless);
  EXPECT_EQ(keyless.error().fields.at("dkim.private_key"), "dkim.no_node_key");
}

TEST_F(MailDriverSendingTest, AssembleMergesEveryFragmentIntoWhatLetsMailOut) {
  MailDriver driver = Driver();
  protocol::MailDomainSpec acme;
  acme.domain = "acme.example";
  acme.account = "acme";
  protocol::MailboxSpec info("info", kHash, 100);
  info.send_as = {"team@acme-shop.example"};
  acme.mailboxes = {info};
  acme.forwarders = {{"out", {"boss@other.example"}}};
  acme.dkim = protocol::DkimSpec{"hp1", options_.box_key->public_key().Seal(RsaKey()).value()};
  protocol::MailDomainSpec shop;
  shop.domain = "acme-shop.example";
  shop.account = "acme";
  shop.mailboxes = {{"team", kHash, 50}};
  WriteAll(driver.Render(Ensure(acme)).value());
  WriteAll(driver.Render(Ensure(shop)).value());
  protocol::MailAccountSpec account;
  account.account = "acme";
  account.messages_per_hour = 100;
  account.submission_password_hash = kHash;
  account.sender_domains = {"acme-shop.example", "acme.example"};
  WriteAll(driver
               .Render(testing::MakeTask(2, "mailaccount:acme", protocol::kMailAccountEnsure,
                                         protocol::ToJson(account)))
               .value());
  ASSERT_TRUE(driver.Assemble());

  // One line per address, owners merged from both domains' fragments and the account's.
  std::string senders = Read("maps/sender_login_maps");
  EXPECT_NE(senders.find("\nteam@acme-shop.example info@acme.example, team@acme-shop.example\n"),
            std::string::npos)
      << senders;
  EXPECT_NE(senders.find("\n@acme.example acme\n"), std::string::npos) << senders;
  EXPECT_NE(senders.find("\ninfo@acme.example info@acme.example\n"), std::string::npos);
  EXPECT_EQ(Read("maps/sender_login_maps.db"), senders);
  EXPECT_NE(Read("maps/trusted_logins").find("sieve@hostplane.internal OK"), std::string::npos);

  Json policy = Json::parse(Read("maps/sending_policy.json"));
  EXPECT_EQ(policy["accounts"]["acme"]["messages_per_hour"], 100);
  EXPECT_EQ(policy["domains"]["acme.example"]["forwarders"]["out@acme.example"][0],
            "boss@other.example");
  EXPECT_EQ(policy["domains"]["acme-shop.example"]["mailboxes"][0], "team@acme-shop.example");
  EXPECT_NE(Read("users/accounts").find("\nacme:{CRYPT}" + std::string(kHash) + "::::::\n"),
            std::string::npos);
  EXPECT_NE(
      Read("dkim/KeyTable")
          .find("acme.example acme.example:hp1:" + fs_.HostPath("dkim/keys/acme.example.pem")),
      std::string::npos);
  EXPECT_NE(Read("dkim/SigningTable").find("\n*@acme.example acme.example\n"), std::string::npos);
  EXPECT_EQ(Read("dkim/SigningTable").find("acme-shop"), std::string::npos);

  // The account removed: its login, its senders and its policy leave; the domains stay.
  WriteAll(driver
               .Render(testing::MakeTask(3, "mailaccount:acme", protocol::kMailAccountRemove,
                                         protocol::ToJson(protocol::MailAccountRemoval{"acme"})))
               .value());
  ASSERT_TRUE(driver.Assemble());
  EXPECT_EQ(Read("users/accounts").find("acme:"), std::string::npos);
  EXPECT_EQ(Read("maps/sender_login_maps").find("@acme.example acme"), std::string::npos);
  EXPECT_FALSE(Json::parse(Read("maps/sending_policy.json"))["accounts"].contains("acme"));
}

}  // namespace
}  // namespace hostplane::agent
