// The mail driver against a real Postfix + Dovecot pair (MailInstance) in a /tmp prefix on
// 127.0.0.1: tasks applied through BatchApplier, mail sent and read with curl (smtp://, imap://),
// credentials in a 0600 netrc file, never in argv.

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "agent/batch_applier.h"
#include "agent/drivers/mail/mail_driver.h"
#include "agent/drivers/mail/mail_instance.h"
#include "agent/testing/driver_test_support.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"

namespace hostplane::agent {
namespace {

using testing::kCurl;
using testing::MakeTask;
using testing::WaitFor;
using testing::WriteNetrc;

constexpr const char* kInfoPassword = "CorrectHorseBatteryStaple9";
constexpr const char* kOfficePassword = "OfficePassword12345";

struct CurlAnswer {
  int exit_code = -1;  // 0 ok, 55 RCPT refused, 67 login denied, 28 timeout
  std::string out;
  std::string err;
};

class MailIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {"/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/sbin/postmap",
                            "/usr/bin/doveconf", kCurl}) {
      if (::access(bin, X_OK) != 0) GTEST_SKIP() << bin << " is not installed";
    }
    ASSERT_EQ(::geteuid(), 0u) << "Postfix needs root";
    fs_ = std::make_unique<PosixFilesystem>(root_.path());
    runner_ = std::make_unique<PosixCommandRunner>(std::set<std::string>{
        "/usr/sbin/postfix", "/usr/sbin/postmap", "/usr/bin/doveconf", kCurl});
    layout_ = Layout();
    instance_ = std::make_unique<MailInstance>(
        layout_, *fs_, *runner_, MailInstanceOptions{.outbound = false, .dkim = false});
    auto started = instance_->Start();
    ASSERT_TRUE(started) << started.error().message;
    driver_ = std::make_unique<MailDriver>(layout_, *fs_, *runner_);
    applier_ = std::make_unique<BatchApplier>(*fs_, "agent");
  }

  void TearDown() override {
    if (instance_) instance_->Stop();
  }

  MailLayout Layout() {
    MailLayout l;
    l.postfix_config_dir = "pf/etc";
    l.postfix_queue_dir = "pf/q";
    l.postfix_data_dir = "pf/data";
    l.postfix_log = "log/postfix.log";
    l.map_dir = "pf/maps";
    l.dovecot_conf = "dc/dovecot.conf";
    l.dovecot_base_dir = "dc/run";
    l.dovecot_state_dir = "dc/state";
    l.dovecot_log = "log/dovecot.log";
    l.dovecot_users_dir = "dc/users";
    l.dovecot_instance_name = "hpt-" + std::filesystem::path(root_.path()).filename().string();
    l.vmail_root = "vmail";
    passwd* pw = ::getpwnam("hpt_vmail");
    if (pw == nullptr) pw = ::getpwnam("nobody");
    l.vmail_uid = pw->pw_uid;
    l.vmail_gid = pw->pw_gid;
    l.smtp_port = FreeLoopbackPort().value();
    l.imap_port = FreeLoopbackPort().value();
    while (l.imap_port == l.smtp_port) l.imap_port = FreeLoopbackPort().value();
    // The listeners and services of issue 16 have their own tests (tests/integration/mail_*).
    l.submission_port = 0;
    l.smtps_port = 0;
    l.imaps_port = 0;
    l.pop3_port = 0;
    l.pop3s_port = 0;
    l.policy_socket = "";
    l.private_ca_dir = "ca";
    l.tls_cert = "tls/mail.pem";
    l.tls_key = "tls/mail.key";
    l.sieve_dir = "dc/sieve";
    l.dkim_dir = "dkim";
    l.opendkim_socket_dir = "dkr";
    l.spamd_dir = "spamd";
    l.relay_socket_dir = "relay";
    return l;
  }

  protocol::MailDomainSpec Acme(bool with_office) {
    protocol::MailDomainSpec s;
    s.domain = "acme.example";
    s.account = "acme";
    s.mailboxes.push_back({"info", info_hash_, 100});
    if (with_office) s.mailboxes.push_back({"office", office_hash_, 100});
    s.forwarders.push_back({"sales", {with_office ? "office@acme.example" : "info@acme.example"}});
    return s;
  }

  void Apply(const protocol::Task& task) {
    auto out = applier_->Apply(*driver_, {task});
    ASSERT_EQ(out.results.size(), 1u);
    ASSERT_EQ(out.results[0].outcome, protocol::TaskOutcome::kApplied) << out.results[0].detail;
  }

  protocol::Task Ensure(const protocol::MailDomainSpec& s) {
    return MakeTask(++revision_, "maildomain:" + s.domain, protocol::kMailDomainEnsure,
                    protocol::ToJson(s));
  }

  CurlAnswer Curl(std::vector<std::string> args) {
    Command cmd;
    cmd.argv = {kCurl, "-sS", "--max-time", "10"};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    cmd.timeout = std::chrono::milliseconds(20'000);
    auto out = runner_->Run(cmd);
    if (!out) return {-1, "", out.error().message};
    return {out->exit_code, out->out, out->err};
  }

  // Sends one message with a unique subject; returns curl's answer and the subject.
  CurlAnswer Send(const std::string& rcpt, std::string* subject_out = nullptr) {
    std::string subject = "hpt-" + std::to_string(++messages_);
    std::string file = "msg-" + std::to_string(messages_) + ".eml";
    EXPECT_TRUE(fs_->WriteFileAtomic(file,
                                     "From: sender@remote.example\r\nTo: " + rcpt +
                                         "\r\nSubject: " + subject + "\r\n\r\nhello\r\n",
                                     0600));
    if (subject_out) *subject_out = subject;
    return Curl({"smtp://127.0.0.1:" + std::to_string(layout_.smtp_port) + "/client.example",
                 "--mail-from", "sender@remote.example", "--mail-rcpt", rcpt, "--upload-file",
                 fs_->HostPath(file)});
  }

  // IMAP SEARCH for the subject in INBOX, logging in from a 0600 netrc file (netrc splits at
  // whitespace: the test passwords have none).
  CurlAnswer Search(const std::string& user, const std::string& password,
                    const std::string& subject) {
    std::string netrc = "netrc-" + std::to_string(++netrcs_);
    EXPECT_TRUE(WriteNetrc(*fs_, netrc, user, password));
    return Curl({"--netrc-file", fs_->HostPath(netrc),
                 "imap://127.0.0.1:" + std::to_string(layout_.imap_port) + "/INBOX", "-X",
                 "SEARCH SUBJECT " + subject});
  }

  // Polls until the message shows up in the mailbox (delivery is asynchronous).
  bool Delivered(const std::string& user, const std::string& password, const std::string& subject) {
    return WaitFor(
        [&] {
          auto a = Search(user, password, subject);
          return a.exit_code == 0 && a.out.find("* SEARCH ") != std::string::npos &&
                 a.out.find_first_of("0123456789", a.out.find("* SEARCH ")) != std::string::npos;
        },
        std::chrono::seconds(15));
  }

  size_t NewMessages(const std::string& local) {
    auto names = fs_->ListDir("vmail/acme.example/" + local + "/Maildir/new");
    return names ? names->size() : 0;
  }

  std::string Logs() {
    std::string out;
    for (const char* f : {"log/postfix.log", "log/dovecot.log"}) {
      auto t = fs_->ReadFile(f);
      if (t && t->has_value())
        out += std::string("--- ") + f + "\n" +
               (**t).substr((**t).size() > 3000 ? (**t).size() - 3000 : 0);
    }
    return out;
  }

  testing::TempRoot root_;
  std::unique_ptr<PosixFilesystem> fs_;
  std::unique_ptr<PosixCommandRunner> runner_;
  MailLayout layout_;
  std::unique_ptr<MailInstance> instance_;
  std::unique_ptr<MailDriver> driver_;
  std::unique_ptr<BatchApplier> applier_;
  std::string info_hash_ = HashServicePassword(kInfoPassword).value();
  std::string office_hash_ = HashServicePassword(kOfficePassword).value();
  int64_t revision_ = 0;
  int messages_ = 0;
  int netrcs_ = 0;
};

TEST_F(MailIntegrationTest, DeliversForwardsRefusesSuspendsAndDefersWhileMoving) {
  Apply(Ensure(Acme(/*with_office=*/true)));

  // The passwd-file holds hashes: not world-readable, readable by Dovecot's group.
  struct stat st {};
  ASSERT_EQ(::stat(fs_->HostPath("dc/users/acme.example").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  group* dovecot = ::getgrnam("dovecot");
  ASSERT_NE(dovecot, nullptr);
  EXPECT_EQ(st.st_gid, dovecot->gr_gid);

  // SMTP to the mailbox is accepted and delivered; IMAP with the right password sees it.
  std::string subject;
  auto sent = Send("info@acme.example", &subject);
  ASSERT_EQ(sent.exit_code, 0) << sent.err << Logs();
  EXPECT_TRUE(Delivered("info@acme.example", kInfoPassword, subject)) << Logs();

  // The quota of the spec (100 MB) is the mailbox's IMAP quota, in KiB.
  std::string netrc = "netrc-quota";
  ASSERT_TRUE(WriteNetrc(*fs_, netrc, "info@acme.example", kInfoPassword));
  auto quota = Curl({"--netrc-file", fs_->HostPath(netrc),
                     "imap://127.0.0.1:" + std::to_string(layout_.imap_port) + "/INBOX", "-X",
                     "GETQUOTAROOT INBOX"});
  EXPECT_EQ(quota.exit_code, 0) << quota.err;
  EXPECT_NE(quota.out.find("STORAGE"), std::string::npos) << quota.out;
  EXPECT_NE(quota.out.find(" 102400)"), std::string::npos) << quota.out;

  // A wrong password is refused.
  auto wrong = Search("info@acme.example", "NotThePasswordAtAll1", subject);
  EXPECT_EQ(wrong.exit_code, 67) << wrong.out << wrong.err;

  // The forwarder delivers to its target mailbox.
  std::string forwarded;
  auto fwd = Send("sales@acme.example", &forwarded);
  ASSERT_EQ(fwd.exit_code, 0) << fwd.err << Logs();
  EXPECT_TRUE(Delivered("office@acme.example", kOfficePassword, forwarded)) << Logs();

  // An unknown address is refused at RCPT TO.
  auto unknown = Send("nobody-here@acme.example");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("550"), std::string::npos) << unknown.err;

  // A new ensure without the office mailbox: RCPT TO for it is refused from now on.
  Apply(Ensure(Acme(/*with_office=*/false)));
  auto removed = Send("office@acme.example");
  EXPECT_NE(removed.exit_code, 0) << Logs();
  EXPECT_NE(removed.err.find("550"), std::string::npos) << removed.err;

  // Suspended: logins refused, mail still accepted and delivered.
  auto suspended = Acme(false);
  suspended.status = "suspended";
  Apply(Ensure(suspended));
  auto refused = Search("info@acme.example", kInfoPassword, subject);
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  size_t before = NewMessages("info");
  auto kept = Send("info@acme.example");
  ASSERT_EQ(kept.exit_code, 0) << kept.err << Logs();
  WaitFor([&] { return NewMessages("info") != before; }, std::chrono::seconds(15),
          std::chrono::milliseconds(50));
  EXPECT_EQ(NewMessages("info"), before + 1) << Logs();

  // Active again: the mail that arrived while suspended is there.
  Apply(Ensure(Acme(false)));
  EXPECT_TRUE(Delivered("info@acme.example", kInfoPassword, subject));

  // Moving (a drain is packing the Maildirs for another server): new mail is deferred at RCPT TO
  // with a 4xx (the sender's server keeps it and retries), and logins are refused.
  auto moving = Acme(false);
  moving.status = "moving";
  Apply(Ensure(moving));
  before = NewMessages("info");
  auto deferred = Send("info@acme.example");
  EXPECT_NE(deferred.exit_code, 0) << Logs();
  EXPECT_NE(deferred.err.find("451"), std::string::npos) << deferred.err << Logs();
  EXPECT_NE(Search("info@acme.example", kInfoPassword, subject).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(NewMessages("info"), before) << "a deferred mail reached the Maildir";
  Apply(Ensure(Acme(false)));
  std::string after_move;
  auto taken = Send("info@acme.example", &after_move);
  ASSERT_EQ(taken.exit_code, 0) << taken.err << Logs();
  EXPECT_TRUE(Delivered("info@acme.example", kInfoPassword, after_move)) << Logs();

  // Removing the domain with its content: refused at RCPT TO, mail gone.
  Apply(MakeTask(++revision_, "maildomain:acme.example", protocol::kMailDomainRemove,
                 protocol::ToJson(protocol::MailDomainRemoval{"acme.example", "acme", true})));
  auto gone = Send("info@acme.example");
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_FALSE(fs_->Exists("vmail/acme.example"));
}

TEST_F(MailIntegrationTest, ReapplyingTheSameStateRunsNothing) {
  Apply(Ensure(Acme(true)));
  int reloads = driver_->postfix_reloads();
  auto again = applier_->Apply(*driver_, {Ensure(Acme(true))});
  ASSERT_EQ(again.results.size(), 1u);
  EXPECT_EQ(again.results[0].outcome, protocol::TaskOutcome::kApplied) << again.results[0].detail;
  EXPECT_EQ(again.changed_files, 0);
  EXPECT_EQ(again.reloads, 0);
  EXPECT_EQ(driver_->postfix_reloads(), reloads);
}

}  // namespace
}  // namespace hostplane::agent
