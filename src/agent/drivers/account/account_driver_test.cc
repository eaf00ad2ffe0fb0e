#include "agent/drivers/account/account_driver.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "agent/batch_applier.h"
#include "agent/drivers/account/php_fpm_instance.h"
#include "agent/drivers/nginx/nginx_driver.h"
#include "agent/testing/driver_test_support.h"
#include "agent/testing/nginx_fixture.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

using protocol::TaskOutcome;
using testing::ExpectAllApplied;
using testing::ExpectGolden;
using testing::SiteEnsureTask;

TEST(AccountPoolRenderTest, Golden) {
  PoolParams p;
  p.login = "alice";
  p.version = "8.2";
  p.unix_user = "alice";
  p.unix_group = "alice";
  p.socket = "/run/hostplane/php/alice-8.2.sock";
  p.socket_owner = "www-data";
  p.socket_group = "www-data";
  p.home = "/srv/hostplane/home/alice";
  ExpectGolden("pool.conf", RenderPool(p));
}

protocol::Task AccountTask(int64_t revision, const protocol::AccountSpec& s) {
  return testing::MakeTask(revision, "account:" + s.login, protocol::kAccountEnsure,
                           protocol::ToJson(s));
}

protocol::Task AccountRemoveTask(int64_t revision, const protocol::AccountRemoval& r) {
  return testing::MakeTask(revision, "account:" + r.login, protocol::kAccountRemove,
                           protocol::ToJson(r));
}

// Render is pure: no user is created, no daemon needed.
TEST(AccountRenderTest, OnePoolPerVersionPresentOnlyWhenActive) {
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  PosixCommandRunner runner({});
  AccountLayout layout;
  layout.php = {{"8.2", DefaultPhpVersionLayout("8.2")}, {"8.3", DefaultPhpVersionLayout("8.3")}};
  AccountDriver driver(layout, fs, runner);

  protocol::AccountSpec s{"alice", 20001, 20001, "active", {"8.2"}, {}};
  auto files = driver.Render(AccountTask(1, s));
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 3u);  // two pools and PHP's msmtp configuration (none: no mail)
  EXPECT_FALSE((*files)[2].content);
  EXPECT_EQ((*files)[0].path, "etc/hostplane/php/8.2/pools/alice.conf");
  ASSERT_TRUE((*files)[0].content);
  EXPECT_NE(
      (*files)[0].content->find("listen = " + root.path() + "/run/hostplane/php/alice-8.2.sock\n"),
      std::string::npos);
  EXPECT_EQ((*files)[1].path, "etc/hostplane/php/8.3/pools/alice.conf");
  EXPECT_FALSE((*files)[1].content);

  s.status = "suspended";
  files = driver.Render(AccountTask(2, s));
  ASSERT_TRUE(files);
  EXPECT_FALSE((*files)[0].content);
  EXPECT_FALSE((*files)[1].content);

  s.status = "active";
  s.php = {"7.4"};
  files = driver.Render(AccountTask(3, s));
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(files.error().fields.at("php[0]"), "php.not_installed");

  files = driver.Render(AccountRemoveTask(4, {"alice", 20001, 20001, true}));
  ASSERT_TRUE(files);
  EXPECT_FALSE((*files)[0].content);
  EXPECT_FALSE((*files)[1].content);

  auto bad = AccountTask(5, {"alice", 20001, 20001, "active", {}, {}});
  bad.spec["login"] = "root";
  EXPECT_FALSE(driver.Render(bad));
  bad.spec["login"] = "alice";
  bad.spec["uid"] = 0;
  EXPECT_FALSE(driver.Render(bad));
}

TEST(AccountRenderTest, RefusesASocketPathPhpFpmWouldTruncate) {
  PosixFilesystem fs("/tmp/" + std::string(90, 'x'));
  PosixCommandRunner runner({});
  AccountDriver driver(AccountLayout{}, fs, runner);
  auto files = driver.Render(AccountTask(1, {"alice", 20001, 20001, "active", {"8.2"}, {}}));
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::kInvalid);
}

// --- Real php-fpm, real nginx, real Unix users ---

std::optional<passwd> User(const std::string& name) {
  passwd* p = ::getpwnam(name.c_str());
  if (p == nullptr) return std::nullopt;
  return *p;
}
bool GroupExists(const std::string& name) { return ::getgrnam(name.c_str()) != nullptr; }

constexpr const char* kPhpFpm = "/usr/sbin/php-fpm8.2";
constexpr const char* kNginx = "/usr/sbin/nginx";

class AccountPhpIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kPhpFpm, X_OK) != 0 || ::access(kNginx, X_OK) != 0) {
      GTEST_SKIP() << "php-fpm8.2 or nginx is not installed";
    }
    if (::geteuid() != 0) GTEST_SKIP() << "creating Unix users needs root";
    std::random_device rd;
    std::mt19937 gen(rd());
    const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    prefix_ = "hpt";
    for (int i = 0; i < 4; ++i) prefix_ += alphabet[gen() % 36];
    // Two free uid/gid pairs in a high range, so parallel runs do not clash.
    for (int tries = 0; tries < 100 && base_ == 0; ++tries) {
      unsigned b = 61000 + 2 * static_cast<unsigned>(gen() % 400000);
      if (::getpwuid(b) == nullptr && ::getpwuid(b + 1) == nullptr && ::getgrgid(b) == nullptr &&
          ::getgrgid(b + 1) == nullptr) {
        base_ = b;
      }
    }
    ASSERT_NE(base_, 0u);

    ASSERT_TRUE(env_.Start());
    layout_.user_prefix = prefix_;
    layout_.home_root = env_.layout().home_root;
    layout_.php_socket_dir = env_.layout().nginx.php_socket_dir;
    layout_.nginx_user = env_.layout().nginx.nginx_user;
    layout_.php = {{"8.2", DefaultPhpVersionLayout("8.2")}};
    fpm_ = std::make_unique<PhpFpmInstance>(layout_, "8.2", env_.fs());
    ASSERT_TRUE(fpm_->WriteConfig());
    auto started = fpm_->Start();
    ASSERT_TRUE(started) << started.error().message;
    accounts_ = std::make_unique<AccountDriver>(layout_, env_.fs(), runner_);
    NginxDriverOptions o;
    nginx_ = std::make_unique<NginxDriver>(env_.layout(), env_.fs(), runner_, clock_, o);
  }

  void TearDown() override {
    if (fpm_) fpm_->Stop();
    // Remove the test's users even when the test failed half-way.
    for (const std::string login : {"alice", "bob", "carol"}) {
      std::string name = prefix_ + login;
      if (User(name)) (void)runner_.Run(Command{{"/usr/sbin/userdel", "--", name}});
      if (GroupExists(name)) (void)runner_.Run(Command{{"/usr/sbin/groupdel", "--", name}});
    }
  }

  protocol::SiteSpec Site(const std::string& domain, const std::string& account) {
    protocol::SiteSpec s;
    s.domain = domain;
    s.account = account;
    s.docroot = "web";
    s.php = "8.2";
    return s;
  }
  bool FpmConfigOk() {
    auto out =
        runner_.Run(Command{{kPhpFpm, "-t", "-y", env_.fs().HostPath(layout_.php.at("8.2").conf)}});
    return out && out->ok();
  }
  std::string Socket(const std::string& login) { return accounts_->SocketPath(login, "8.2"); }
  void PutFile(const std::string& rel_in_home, const std::string& content, uid_t uid, gid_t gid) {
    ASSERT_TRUE(env_.fs().CreateFileBeneath(layout_.home_root, rel_in_home, content, 0644,
                                            FileOwner{uid, gid}));
  }

  testing::NginxFixture env_;
  PosixCommandRunner runner_{{kNginx, kPhpFpm, "/usr/sbin/useradd", "/usr/sbin/groupadd",
                              "/usr/sbin/userdel", "/usr/sbin/groupdel"}};
  SystemClock clock_;
  BatchApplier applier_{env_.fs(), env_.layout().state_dir};
  AccountLayout layout_;
  std::string prefix_;
  unsigned base_ = 0;
  std::unique_ptr<PhpFpmInstance> fpm_;
  std::unique_ptr<AccountDriver> accounts_;
  std::unique_ptr<NginxDriver> nginx_;
};

TEST_F(AccountPhpIntegrationTest, PoolsRunAsTheirAccountsIsolatedAndRemovable) {
  const unsigned a = base_, b = base_ + 1;
  protocol::AccountSpec alice{"alice", a, a, "active", {"8.2"}, {}};
  protocol::AccountSpec bob{"bob", b, b, "active", {"8.2"}, {}};
  auto out = applier_.Apply(*accounts_, {AccountTask(1, alice), AccountTask(2, bob)});
  ExpectAllApplied(out);
  EXPECT_EQ(out.reloads, 1);

  auto pa = User(prefix_ + "alice");
  ASSERT_TRUE(pa);
  EXPECT_EQ(pa->pw_uid, a);
  EXPECT_EQ(pa->pw_gid, a);
  EXPECT_STREQ(pa->pw_shell, "/usr/sbin/nologin");
  struct stat home {};
  ASSERT_EQ(::stat(env_.fs().HostPath("home/alice").c_str(), &home), 0);
  EXPECT_EQ(home.st_uid, a);
  EXPECT_EQ(home.st_gid, ::getgrnam("www-data")->gr_gid);
  EXPECT_EQ(home.st_mode & 07777, 0710u);
  struct stat sock {};
  ASSERT_EQ(::stat(env_.fs().HostPath(Socket("alice")).c_str(), &sock), 0);
  EXPECT_EQ(sock.st_uid, ::getpwnam("www-data")->pw_uid);
  EXPECT_EQ(sock.st_mode & 0777, 0660u);

  // The same batch again: nothing written, no reload, no user command.
  auto again = applier_.Apply(*accounts_, {AccountTask(1, alice), AccountTask(2, bob)});
  ExpectAllApplied(again);
  EXPECT_EQ(again.changed_files, 0);
  EXPECT_EQ(again.reloads, 0);

  // A uid the controller did not give this login is refused, nothing changes.
  protocol::AccountSpec clash = alice;
  clash.uid = b;
  auto refused = applier_.Apply(*accounts_, {AccountTask(3, clash)});
  EXPECT_EQ(refused.results[0].outcome, TaskOutcome::kFailed) << refused.results[0].detail;
  EXPECT_EQ(User(prefix_ + "alice")->pw_uid, a);

  ExpectAllApplied(applier_.Apply(*nginx_, {SiteEnsureTask(4, Site("a.example", "alice")),
                                            SiteEnsureTask(5, Site("b.example", "bob"))}));
  struct stat docroot {};
  ASSERT_EQ(::stat(env_.fs().HostPath("home/alice/web").c_str(), &docroot), 0);
  EXPECT_EQ(docroot.st_uid, a);  // created for the account's user, not root

  const std::string b_secret = env_.fs().HostPath("home/bob/web/secret.txt");
  PutFile("alice/web/whoami.php", "<?php echo posix_geteuid();\n", a, a);
  PutFile("bob/web/whoami.php", "<?php echo posix_geteuid();\n", b, b);
  PutFile("bob/web/secret.txt", "bob-secret\n", b, b);
  PutFile("alice/web/steal.php",
          "<?php $r = @file_get_contents('" + b_secret +
              "'); echo $r === false ? 'DENIED' : 'READ:' . $r;\n",
          a, a);

  auto who_a = env_.Get("a.example", "/whoami.php");
  EXPECT_EQ(who_a.status, 200);
  EXPECT_EQ(who_a.body, std::to_string(a));
  auto who_b = env_.Get("b.example", "/whoami.php");
  EXPECT_EQ(who_b.status, 200);
  EXPECT_EQ(who_b.body, std::to_string(b));
  EXPECT_EQ(env_.Get("b.example", "/secret.txt").body, "bob-secret\n");  // nginx reads docroots
  auto steal = env_.Get("a.example", "/steal.php");
  EXPECT_EQ(steal.status, 200);
  EXPECT_EQ(steal.body, "DENIED");
  PutFile("alice/web/exec.php",
          "<?php trigger_error('hp-marker', E_USER_WARNING);"
          " echo function_exists('exec') || function_exists('proc_open') ? 'EXEC' : 'NOEXEC';\n",
          a, a);
  EXPECT_EQ(env_.Get("a.example", "/exec.php").body, "NOEXEC");
  auto log = env_.fs().ReadFile("home/alice/logs/php8.2.error.log");
  ASSERT_TRUE(log && *log);
  EXPECT_NE((*log)->find("hp-marker"), std::string::npos);  // the account's own error log

  // Suspending bob's site: 503 with the page; his account suspended: no pool at all.
  auto held = Site("b.example", "bob");
  held.status = "suspended";
  ExpectAllApplied(applier_.Apply(*nginx_, {SiteEnsureTask(6, held)}));
  auto page = env_.Get("b.example", "/whoami.php");
  EXPECT_EQ(page.status, 503);
  EXPECT_EQ(page.body, RenderSuspendedPage());
  bob.status = "suspended";
  ExpectAllApplied(applier_.Apply(*accounts_, {AccountTask(7, bob)}));
  EXPECT_FALSE(env_.fs().Exists(Socket("bob")));
  EXPECT_FALSE(env_.fs().Exists(accounts_->PoolPath("bob", "8.2")));
  EXPECT_TRUE(User(prefix_ + "bob"));  // data and user are kept

  // Removing alice: a link she planted in her home must not lead root outside it.
  ASSERT_TRUE(env_.fs().MakeDirs("outside", 0755));
  ASSERT_TRUE(env_.fs().WriteFileAtomic("outside/keep.txt", "keep", 0644));
  ASSERT_EQ(::symlink(env_.fs().HostPath("outside").c_str(),
                      env_.fs().HostPath("home/alice/web/link").c_str()),
            0);
  protocol::SiteRemoval site_gone{"a.example", "alice", "web", false};
  ExpectAllApplied(applier_.Apply(*nginx_, {testing::SiteRemoveTask(8, site_gone)}));
  auto gone = applier_.Apply(*accounts_, {AccountRemoveTask(9, {"alice", a, a, true})});
  ExpectAllApplied(gone);
  EXPECT_FALSE(env_.fs().Exists(Socket("alice")));
  EXPECT_FALSE(env_.fs().Exists(accounts_->PoolPath("alice", "8.2")));
  EXPECT_TRUE(FpmConfigOk());
  EXPECT_FALSE(User(prefix_ + "alice"));
  EXPECT_FALSE(GroupExists(prefix_ + "alice"));
  EXPECT_FALSE(env_.fs().Exists("home/alice"));
  EXPECT_EQ(*env_.fs().ReadFile("outside/keep.txt"), std::optional<std::string>("keep"));
  EXPECT_TRUE(fpm_->Running());
  // Removing again is harmless.
  ExpectAllApplied(applier_.Apply(*accounts_, {AccountRemoveTask(9, {"alice", a, a, true})}));

  bob.status = "active";
  ExpectAllApplied(applier_.Apply(*accounts_, {AccountTask(10, bob)}));
  held.status = "active";
  ExpectAllApplied(applier_.Apply(*nginx_, {SiteEnsureTask(11, held)}));
  EXPECT_EQ(env_.Get("b.example", "/whoami.php").body, std::to_string(b));
}

TEST_F(AccountPhpIntegrationTest, LinksInTheHomeAreRefusedAndNothingOutsideChanges) {
  protocol::AccountSpec alice{"alice", base_, base_, "active", {"8.2"}, {}};
  ExpectAllApplied(applier_.Apply(*accounts_, {AccountTask(1, alice)}));
  ASSERT_TRUE(env_.fs().MakeDirs("outside", 0755));
  ASSERT_TRUE(env_.fs().RemoveTreeBeneath("home", "alice/logs"));
  ASSERT_EQ(::symlink(env_.fs().HostPath("outside").c_str(),
                      env_.fs().HostPath("home/alice/logs").c_str()),
            0);
  alice.php = {};
  auto out = applier_.Apply(*accounts_, {AccountTask(2, alice)});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed) << out.results[0].detail;
  struct stat st {};
  ASSERT_EQ(::stat(env_.fs().HostPath("outside").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // never chowned through the link
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_TRUE(env_.fs().Exists(accounts_->PoolPath("alice", "8.2")));  // nothing applied
}

TEST_F(AccountPhpIntegrationTest, ReloadWithoutTheMasterIsRetryAndRestores) {
  fpm_->Stop();
  protocol::AccountSpec alice{"alice", base_, base_, "active", {"8.2"}, {}};
  auto out = applier_.Apply(*accounts_, {AccountTask(1, alice)});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kRetry) << out.results[0].detail;
  EXPECT_FALSE(env_.fs().Exists(accounts_->PoolPath("alice", "8.2")));
}

// PHP's mail() (issue 16): with mail_submission, the msmtp configuration holds the password opened
// from its sealed form, belongs to the account's user alone, and the pool's sendmail_path runs it.
TEST(AccountRenderTest, MailSubmissionWritesMsmtpForTheAccountAndPointsPhpAtIt) {
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  PosixCommandRunner runner({});
  AccountLayout layout;
  auto key = std::make_shared<const BoxKey>(BoxKey::Generate().value());
  AccountDriver driver(layout, fs, runner, key);
  const std::string password = "abcdefghijklmnopqrstuvwx";
  protocol::AccountSpec s{"alice", 20001, 20002, "active", {"8.2"}, {}};
  s.mail_submission = protocol::MailSubmissionSpec{"192.0.2.10",
                                                   587,
                                                   "starttls",
                                                   "mx1.hosting.example",
                                                   key->public_key().Seal(password).value(),
                                                   "wordpress@alice.example"};
  auto files = driver.Render(AccountTask(1, s));
  ASSERT_TRUE(files) << files.error().message;
  const FileChange& msmtp = files->back();
  EXPECT_EQ(msmtp.path, "etc/hostplane/msmtp/alice.conf");
  EXPECT_EQ(msmtp.mode, 0600u);
  ASSERT_TRUE(msmtp.owner);
  EXPECT_EQ(msmtp.owner->uid, 20001u);
  EXPECT_EQ(msmtp.owner->gid, 20002u);
  ASSERT_TRUE(msmtp.content);
  EXPECT_NE(msmtp.content->find("\npassword " + password + "\n"), std::string::npos);
  EXPECT_NE(msmtp.content->find("\nuser alice\n"), std::string::npos);
  ASSERT_TRUE((*files)[0].content);
  EXPECT_NE((*files)[0].content->find("php_admin_value[sendmail_path] = /usr/bin/msmtp -C " +
                                      fs.HostPath("etc/hostplane/msmtp/alice.conf") + " -t -i\n"),
            std::string::npos);

  // Sealed to another node: refused without a word of the password.
  BoxKey other = BoxKey::Generate().value();
  s.mail_submission->password = other.public_key().Seal(password).value();
  auto refused = driver.Render(AccountTask(2, s));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.find(password), std::string::npos);
  // Without mail_submission: no configuration, and mail() fails (never the system's sendmail)
  // through hostplane's refusal, which says why in the account's logs/mail.log.
  s.mail_submission.reset();
  files = driver.Render(AccountTask(3, s));
  ASSERT_TRUE(files);
  EXPECT_FALSE(files->back().content);
  EXPECT_NE((*files)[0].content->find("php_admin_value[sendmail_path] = /usr/bin/false\n"),
            std::string::npos)
      << *(*files)[0].content;
  layout.hostplane_binary = "/usr/local/bin/hostplane";
  AccountDriver with_binary(layout, fs, runner, key);
  files = with_binary.Render(AccountTask(4, s));
  ASSERT_TRUE(files);
  EXPECT_NE((*files)[0].content->find(
                "php_admin_value[sendmail_path] = /usr/local/bin/hostplane php-mail-refused "
                "--account alice --log " +
                fs.HostPath("srv/hostplane/home/alice") + "/logs/mail.log\n"),
            std::string::npos)
      << *(*files)[0].content;
  // A binary path the pool file cannot carry is refused, not written.
  layout.hostplane_binary = "/opt/host plane";
  AccountDriver bad(layout, fs, runner, key);
  EXPECT_FALSE(bad.Render(AccountTask(5, s)));
}

}  // namespace
}  // namespace hostplane::agent

namespace hostplane::agent {
namespace {

bool RanOk(CommandRunner& runner, std::vector<std::string> argv) {
  Command cmd;
  cmd.argv = std::move(argv);
  auto out = runner.Run(cmd);
  return out && out->ok();
}

// An account user the agent made (its comment says so) is taken over when the account is applied
// again, by a restarted agent too, and a new customer's login check lets it be; a user of the same
// name that hostplane did not make is neither taken over nor removed, and refuses the login.
TEST_F(AccountPhpIntegrationTest, TakesOverOnlyTheAccountUsersItMade) {
  const unsigned a = base_, c = base_ + 1;
  protocol::AccountSpec alice{"alice", a, a, "active", {"8.2"}, {}};
  ExpectAllApplied(applier_.Apply(*accounts_, {AccountTask(1, alice)}));
  auto made = User(prefix_ + "alice");
  ASSERT_TRUE(made);
  EXPECT_EQ(std::string(made->pw_gecos), protocol::kAccountUserComment);
  EXPECT_EQ(protocol::LookUpUnixUser(prefix_ + "alice"), protocol::UnixUserOwner::kHostplane);
  EXPECT_TRUE(protocol::CheckLogin(prefix_ + "alice"));
  AccountDriver restarted(layout_, env_.fs(), runner_);
  ExpectAllApplied(applier_.Apply(restarted, {AccountTask(2, alice)}));
  EXPECT_EQ(User(prefix_ + "alice")->pw_uid, a);

  // carol: made by someone else, with the very ids the controller gives her account.
  const std::string carol_user = prefix_ + "carol";
  ASSERT_TRUE(RanOk(runner_, {"/usr/sbin/groupadd", "-g", std::to_string(c), "--", carol_user}));
  ASSERT_TRUE(RanOk(runner_, {"/usr/sbin/useradd", "-u", std::to_string(c), "-g", std::to_string(c),
                              "-M", "-N", "-c", "Carol", "--", carol_user}));
  EXPECT_EQ(protocol::LookUpUnixUser(carol_user), protocol::UnixUserOwner::kOther);
  auto login = protocol::CheckLogin(carol_user);
  ASSERT_FALSE(login);
  EXPECT_EQ(login.error().code, "login.reserved");
  protocol::AccountSpec carol{"carol", c, c, "active", {"8.2"}, {}};
  auto refused = applier_.Apply(*accounts_, {AccountTask(3, carol)});
  EXPECT_EQ(refused.results[0].outcome, TaskOutcome::kFailed) << refused.results[0].detail;
  EXPECT_NE(refused.results[0].detail.find("not an account user hostplane made"), std::string::npos)
      << refused.results[0].detail;
  EXPECT_FALSE(env_.fs().Exists("home/carol"));
  EXPECT_FALSE(env_.fs().Exists(accounts_->PoolPath("carol", "8.2")));
  auto kept = applier_.Apply(*accounts_, {AccountRemoveTask(4, {"carol", c, c, true})});
  EXPECT_EQ(kept.results[0].outcome, TaskOutcome::kFailed) << kept.results[0].detail;
  auto still = User(carol_user);
  ASSERT_TRUE(still);
  EXPECT_EQ(std::string(still->pw_gecos), "Carol");
  EXPECT_TRUE(GroupExists(carol_user));
}

}  // namespace
}  // namespace hostplane::agent
