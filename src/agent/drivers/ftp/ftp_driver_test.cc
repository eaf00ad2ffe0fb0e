#include "agent/drivers/ftp/ftp_driver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>

#include "agent/batch_applier.h"
#include "agent/drivers/ftp/ftp_instance.h"
#include "agent/testing/driver_test_support.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"

namespace hostplane::agent {
namespace {

using protocol::TaskOutcome;
using testing::CountingRunner;
using testing::ExpectAllApplied;
using testing::ExpectGolden;
using testing::kCurl;
using testing::MakeTask;
using testing::TempRoot;
using testing::WriteNetrc;

constexpr const char* kPurePw = "/usr/bin/pure-pw";
constexpr const char* kPureFtpd = "/usr/sbin/pure-ftpd";
const std::string kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef";

FtpPasswdLine WebLine() {
  FtpPasswdLine l;
  l.user = "acme_web";
  l.password_hash = kHash;
  l.uid = 20001;
  l.gid = 20002;
  l.home = "/srv/hostplane/home/acme/web/shop";
  return l;
}

TEST(FtpRenderTest, Golden) {
  FtpPasswdLine suspended = WebLine();
  suspended.suspended = true;
  FtpPasswdLine account_home = WebLine();
  account_home.user = "acme_all";
  account_home.home = "/srv/hostplane/home/acme";
  ExpectGolden("active.line", RenderPasswdLine(WebLine()));
  ExpectGolden("suspended.line", RenderPasswdLine(suspended));
  ExpectGolden("account_home.line", RenderPasswdLine(account_home));
}

TEST(FtpRenderTest, ParseReadsBackWhatRenderWrote) {
  FtpPasswdLine suspended = WebLine();
  suspended.suspended = true;
  suspended.password_hash.clear();
  for (const auto& l : {WebLine(), suspended}) {
    auto back = ParsePasswdLine(RenderPasswdLine(l));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, l);
  }
  for (const std::string bad :
       {"", "acme_web:x:1:1::/h/./::::::::::::", "acme_web:x:1:1::/h/./:::::::::::\n",
        "acme_web:x:-1:1::/h/./::::::::::::\n", "acme_web:x:1:1::/h::::::::::::\n",
        "acme_web:x:1:1:gecos:/h/./::::::::::::\n",
        "a:x:1:1::/h/./::::::::::::\nb:x:1:1::/h/./::::::::::::\n"}) {
    EXPECT_FALSE(ParsePasswdLine(bad)) << bad;
  }
}

FtpLayout TestFtpLayout(int port, int passive_min) {
  FtpLayout l;
  l.home_root = "home";
  l.users_dir = "ftp/users";
  l.passwd_file = "ftp/pureftpd.passwd";
  l.pdb_file = "ftp/pureftpd.pdb";
  l.pid_file = "ftp/pure-ftpd.pid";
  l.log_dir = "ftp/log";
  l.listen_address = "127.0.0.1";
  l.port = port;
  l.passive_port_min = passive_min;
  l.passive_port_max = std::min(passive_min + 49, 65535);
  return l;
}

protocol::FtpUserSpec User(const std::string& suffix, const std::string& home, int64_t uid,
                           const std::string& hash = kHash) {
  protocol::FtpUserSpec s;
  s.user = "acme_" + suffix;
  s.account = "acme";
  s.uid = uid;
  s.gid = uid;
  s.home = home;
  s.password_hash = hash;
  return s;
}

protocol::Task Ensure(int64_t revision, const protocol::FtpUserSpec& s) {
  return MakeTask(revision, "ftpuser:" + s.user, protocol::kFtpUserEnsure, protocol::ToJson(s));
}

protocol::Task Remove(int64_t revision, const std::string& user) {
  return MakeTask(revision, "ftpuser:" + user, protocol::kFtpUserRemove,
                  protocol::ToJson(protocol::FtpUserRemoval{user, "acme"}));
}

// A uid no test machine has, different per test process (tests run in parallel).
int64_t ThrowawayUid() {
  std::random_device rd;
  return 62000 + static_cast<int64_t>(rd() % 3000);
}

struct stat StatOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

class FtpDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kPurePw, X_OK) != 0) GTEST_SKIP() << "pure-pw is not installed";
    ASSERT_FALSE(root_.path().empty());
    driver_ = std::make_unique<FtpDriver>(layout_, fs_, runner_);
  }
  BatchOutcome Apply(const std::vector<protocol::Task>& tasks) {
    return applier_.Apply(*driver_, tasks);
  }
  std::string Host(const std::string& rel) { return fs_.HostPath(rel); }
  // The uid tests may give away files to: any when root, else only our own.
  int64_t Uid() { return ::geteuid() == 0 ? uid_ : ::geteuid(); }

  TempRoot root_;
  PosixFilesystem fs_{root_.path()};
  FtpLayout layout_ = TestFtpLayout(2121, 30000);
  CountingRunner runner_{{kPurePw, kCurl}};
  BatchApplier applier_{fs_, "agent"};
  std::unique_ptr<FtpDriver> driver_;
  int64_t uid_ = ThrowawayUid();
};

TEST_F(FtpDriverTest, RenderRefusesHostileSpecs) {
  const struct {
    std::string name;
    std::function<void(protocol::Json&)> mutate;
  } cases[] = {
      {"home ../x", [](protocol::Json& j) { j["home"] = "../x"; }},
      {"home /etc", [](protocol::Json& j) { j["home"] = "/etc"; }},
      {"home a\\nb", [](protocol::Json& j) { j["home"] = "a\nb"; }},
      {"user newline", [](protocol::Json& j) { j["user"] = "acme_a\nroot"; }},
      {"user colon", [](protocol::Json& j) { j["user"] = "acme_a:0"; }},
      {"user other account", [](protocol::Json& j) { j["user"] = "bob_web"; }},
      {"uid 0", [](protocol::Json& j) { j["uid"] = 0; }},
      {"hash injects a line",
       [](protocol::Json& j) { j["password_hash"] = kHash + "\nroot::0:0::/./::::::::::::"; }},
  };
  for (const auto& c : cases) {
    protocol::Task t = Ensure(1, User("web", "web/shop", 20001));
    c.mutate(t.spec);
    auto files = driver_->Render(t);
    ASSERT_FALSE(files) << c.name;
    EXPECT_EQ(files.error().code, ErrorCode::kInvalid) << c.name;
  }
  auto wrong_kind = Ensure(1, User("web", "", 20001));
  wrong_kind.kind = "site.ensure";
  EXPECT_FALSE(driver_->Render(wrong_kind));
}

TEST_F(FtpDriverTest, RendersOneFragmentPerUser) {
  auto files = driver_->Render(Ensure(1, User("web", "web/shop", 20001)));
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "ftp/users/acme_web.line");
  EXPECT_EQ((*files)[0].mode, 0600u);
  EXPECT_EQ((*files)[0].content, "acme_web:" + kHash + ":20001:20001::" +
                                     Host("home/acme/web/shop") + "/./::::::::::::\n");
  auto home = driver_->Render(Ensure(1, User("all", "", 20001)));
  ASSERT_TRUE(home);
  EXPECT_NE((*home)[0].content->find("::" + Host("home/acme") + "/./:"), std::string::npos);
  auto removed = driver_->Render(Remove(2, "acme_web"));
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, (FileSet{{"ftp/users/acme_web.line", std::nullopt, 0600}}));
}

TEST_F(FtpDriverTest, AppliesBuildsThePuredbAndIsIdempotent) {
  auto out = Apply({Ensure(1, User("web", "web/shop", Uid())), Ensure(2, User("all", "", Uid()))});
  ExpectAllApplied(out);
  EXPECT_EQ(out.reloads, 1);
  // The home was made as the user's uid, beneath the account home.
  for (const char* dir : {"home/acme", "home/acme/web", "home/acme/web/shop"}) {
    struct stat st = StatOf(Host(dir));
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << dir;
    EXPECT_EQ(st.st_uid, static_cast<uid_t>(Uid())) << dir;
  }
  // The passwd file is the fragments in name order; it and the puredb hold hashes: 0600.
  auto passwd = fs_.ReadFile(layout_.passwd_file);
  ASSERT_TRUE(passwd && passwd->has_value());
  auto all = fs_.ReadFile("ftp/users/acme_all.line");
  auto web = fs_.ReadFile("ftp/users/acme_web.line");
  ASSERT_TRUE(all && all->has_value() && web && web->has_value());
  EXPECT_EQ(**passwd, **all + **web);
  EXPECT_EQ(StatOf(Host(layout_.passwd_file)).st_mode & 0777, 0600u);
  EXPECT_EQ(StatOf(Host("ftp/users/acme_web.line")).st_mode & 0777, 0600u);
  EXPECT_EQ(StatOf(Host(layout_.pdb_file)).st_mode & 0777, 0600u);
  EXPECT_FALSE(fs_.Exists(layout_.pdb_file + ".index"));
  EXPECT_FALSE(fs_.Exists(layout_.pdb_file + ".data"));

  // P2: the same revisions again write nothing and run nothing.
  int runs = runner_.runs;
  auto again =
      Apply({Ensure(1, User("web", "web/shop", Uid())), Ensure(2, User("all", "", Uid()))});
  ExpectAllApplied(again);
  EXPECT_EQ(again.changed_files, 0);
  EXPECT_EQ(again.reloads, 0);
  EXPECT_EQ(runner_.runs, runs);

  // Removal drops the user from the passwd file and keeps its home.
  auto removed = Apply({Remove(3, "acme_web")});
  EXPECT_EQ(removed.results[0].outcome, TaskOutcome::kApplied) << removed.results[0].detail;
  passwd = fs_.ReadFile(layout_.passwd_file);
  ASSERT_TRUE(passwd && passwd->has_value());
  EXPECT_EQ(**passwd, **all);
  EXPECT_TRUE(fs_.Exists("home/acme/web/shop"));
}

TEST_F(FtpDriverTest, ValidateBlamesTheUserWhoseHomeIsNotItsOwn) {
  // A directory that exists but belongs to someone else: Prepare leaves it alone, and Validate
  // refuses exactly that user while the other user of the batch is applied.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  ASSERT_TRUE(fs_.MakeDirs("home/acme/web/foreign", 0755));
  ASSERT_EQ(::chown(Host("home/acme/web/foreign").c_str(), Uid() + 1, Uid() + 1), 0);
  auto out = Apply(
      {Ensure(1, User("bad", "web/foreign", Uid())), Ensure(2, User("web", "web/shop", Uid()))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_NE(out.results[0].detail.find("belongs to uid"), std::string::npos)
      << out.results[0].detail;
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kApplied) << out.results[1].detail;
  EXPECT_FALSE(fs_.Exists("ftp/users/acme_bad.line"));
  auto passwd = fs_.ReadFile(layout_.passwd_file);
  ASSERT_TRUE(passwd && passwd->has_value());
  EXPECT_EQ((*passwd)->find("acme_bad"), std::string::npos);
  EXPECT_NE((*passwd)->find("acme_web:"), std::string::npos);
}

TEST_F(FtpDriverTest, PrepareNeverFollowsATenantLink) {
  // The tenant replaced web/ with a link to a directory outside its home.
  ASSERT_TRUE(fs_.MakeDirs("home/acme", 0755));
  ASSERT_TRUE(fs_.MakeDirs("outside", 0755));
  ASSERT_EQ(::symlink(Host("outside").c_str(), Host("home/acme/web").c_str()), 0);
  auto out = Apply({Ensure(1, User("web", "web/shop", Uid()))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed) << out.results[0].detail;
  EXPECT_NE(out.results[0].detail.find("symbolic link"), std::string::npos)
      << out.results[0].detail;
  EXPECT_FALSE(fs_.Exists("outside/shop"));
  EXPECT_FALSE(fs_.Exists("ftp/users/acme_web.line"));
}

TEST_F(FtpDriverTest, ValidateRefusesAHomeReplacedByALink) {
  auto out = Apply({Ensure(1, User("web", "web/shop", Uid()))});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  ASSERT_TRUE(fs_.MakeDirs("outside", 0755));
  std::filesystem::remove(Host("home/acme/web/shop"));
  ASSERT_EQ(::symlink(Host("outside").c_str(), Host("home/acme/web/shop").c_str()), 0);
  auto v = driver_->Validate();
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->file, "ftp/users/acme_web.line");
  EXPECT_NE(v->message.find("symbolic link"), std::string::npos) << v->message;
}

TEST_F(FtpDriverTest, RecoverRebuildsThePuredbFromTheFragments) {
  auto out = Apply({Ensure(1, User("web", "web/shop", Uid()))});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  // A crash after the fragment and before the rebuild: passwd and pdb lag the fragments.
  ASSERT_TRUE(fs_.RemoveFile(layout_.pdb_file));
  ASSERT_TRUE(fs_.WriteFileAtomic(layout_.passwd_file, "", 0600));
  auto recovered = applier_.Recover(*driver_);
  ASSERT_TRUE(recovered) << recovered.error().message;
  EXPECT_TRUE(fs_.Exists(layout_.pdb_file));
  auto passwd = fs_.ReadFile(layout_.passwd_file);
  ASSERT_TRUE(passwd && passwd->has_value());
  EXPECT_NE((*passwd)->find("acme_web:"), std::string::npos);
}

TEST_F(FtpDriverTest, AFailedPuredbBuildFailsTheBatchAndLeavesNoDebris) {
  // A directory where the puredb should be: pure-pw cannot rename its new database over it.
  ASSERT_TRUE(fs_.MakeDirs(layout_.pdb_file, 0755));
  auto out = Apply({Ensure(1, User("web", "web/shop", Uid()))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_NE(out.results[0].detail.find("pure-pw mkdb"), std::string::npos) << out.results[0].detail;
  EXPECT_FALSE(fs_.Exists("ftp/users/acme_web.line"));
  EXPECT_FALSE(fs_.Exists(layout_.pdb_file + ".index"));
  EXPECT_FALSE(fs_.Exists(layout_.pdb_file + ".data"));
}

TEST(FtpInstanceTest, RunsInTheForegroundJailedWithoutAnonymousLogins) {
  TempRoot root;
  PosixFilesystem fs(root.path());
  FtpInstance instance(TestFtpLayout(2121, 30000), fs);
  std::vector<std::string> argv = instance.Argv();
  auto has = [&](const std::string& a) {
    return std::find(argv.begin(), argv.end(), a) != argv.end();
  };
  auto after = [&](const std::string& flag) {
    auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? std::string() : *(it + 1);
  };
  EXPECT_EQ(argv[0], kPureFtpd);
  EXPECT_TRUE(has("-A"));   // chroot everyone
  EXPECT_TRUE(has("-E"));   // no anonymous
  EXPECT_TRUE(has("-H"));   // no reverse DNS
  EXPECT_FALSE(has("-B"));  // foreground: the ChildProcess is the daemon
  EXPECT_EQ(after("-S"), "127.0.0.1,2121");
  EXPECT_EQ(after("-l"), "puredb:" + fs.HostPath("ftp/pureftpd.pdb"));
  EXPECT_EQ(after("-u"), "1000");
  EXPECT_EQ(after("-p"), "30000:30049");
  EXPECT_EQ(after("-U"), "133:022");
  EXPECT_EQ(after("-g"), fs.HostPath("ftp/pure-ftpd.pid"));
}

TEST(FtpInstanceIntegrationTest, StartFailsLoudlyWhenThePortIsTaken) {
  if (::access(kPureFtpd, X_OK) != 0) GTEST_SKIP() << "pure-ftpd is not installed";
  TempRoot root;
  PosixFilesystem fs(root.path());
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port);
  FtpInstance first(TestFtpLayout(*port, 40000), fs);
  auto started = first.Start();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_TRUE(first.Running());
  FtpLayout second_layout = TestFtpLayout(*port, 40000);
  second_layout.log_dir = "ftp/log2";
  second_layout.pid_file = "ftp/second.pid";
  FtpInstance second(second_layout, fs);
  auto refused = second.Start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().message;
  first.Stop();
  EXPECT_FALSE(first.Running());
}

// A real pure-ftpd (shared/service-lab.md section 4) serving users this driver wrote, driven
// with curl. Credentials reach curl in a 0600 netrc file, never in argv.
class FtpIntegrationTest : public FtpDriverTest {
 protected:
  void SetUp() override {
    if (::access(kPureFtpd, X_OK) != 0) GTEST_SKIP() << "pure-ftpd is not installed";
    if (::access(kPurePw, X_OK) != 0) GTEST_SKIP() << "pure-pw is not installed";
    ASSERT_EQ(::access(kCurl, X_OK), 0) << "curl is not installed";
    ASSERT_EQ(::geteuid(), 0u) << "pure-ftpd must run as root to chroot and change uid";
    auto port = FreeLoopbackPort();
    auto passive = FreeLoopbackPort();
    ASSERT_TRUE(port && passive);
    layout_ = TestFtpLayout(*port, std::min(*passive, 65535 - 49));
    driver_ = std::make_unique<FtpDriver>(layout_, fs_, runner_);
    instance_ = std::make_unique<FtpInstance>(layout_, fs_);
  }

  // Runs curl as `user` with `password` (from a 0600 netrc file) against path on the server.
  CommandOutput Curl(const std::string& user, const std::string& password,
                     const std::vector<std::string>& args) {
    const std::string netrc = "netrc-" + user;
    EXPECT_TRUE(WriteNetrc(fs_, netrc, user, password));
    Command cmd;
    cmd.argv = {kCurl, "--silent",     "--show-error", "--max-time",
                "20",  "--path-as-is", "--netrc-file", Host(netrc)};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    auto out = runner_.Run(cmd);
    EXPECT_TRUE(out) << out.error().message;
    return out ? *out : CommandOutput{};
  }
  std::string Url(const std::string& path) {
    return "ftp://127.0.0.1:" + std::to_string(layout_.port) + path;
  }

  std::unique_ptr<FtpInstance> instance_;
};

constexpr int kCurlLoginDenied = 67;

// The names of an NLST answer, without "." and "..", sorted.
std::vector<std::string> Names(const std::string& listing) {
  std::vector<std::string> out;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line != "." && line != "..") out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(FtpIntegrationTest, VirtualUserIsJailedOwnsItsUploadsAndLosesAccessWhenSuspended) {
  const int64_t uid = uid_;
  const std::string password = "correct-horse-battery-staple";
  auto hash = HashServicePassword(password);
  ASSERT_TRUE(hash) << hash.error().message;
  ASSERT_TRUE(hash->starts_with("$y$"));  // yescrypt, verified by pure-ftpd through crypt()

  // The daemon runs before the user exists: no reload is ever needed (puredb read per login).
  auto started = instance_->Start();
  ASSERT_TRUE(started) << started.error().message;

  // Files outside the jail that must stay unreachable: in the account home and in the root.
  ASSERT_TRUE(fs_.MakeDirs("home/acme", 0755));
  ASSERT_TRUE(fs_.WriteFileAtomic("home/acme/secret.txt", "ACCOUNT-SECRET\n", 0644));
  ASSERT_TRUE(fs_.WriteFileAtomic("outside.txt", "ROOT-SECRET\n", 0644));

  auto user = User("web", "web/shop", uid, *hash);
  auto out = Apply({Ensure(1, user)});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;

  // Upload: the file lands in the jail, owned by the user's uid/gid, mode from -U 133:022.
  const std::string page = "<h1>uploaded over ftp</h1>\n";
  ASSERT_TRUE(fs_.WriteFileAtomic("upload.html", page, 0644));
  auto up = Curl(user.user, password, {"-T", Host("upload.html"), Url("/index.html")});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const std::string uploaded = Host("home/acme/web/shop/index.html");
  struct stat st = StatOf(uploaded);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(uid));
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(uid));
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  auto on_disk = fs_.ReadFile("home/acme/web/shop/index.html");
  ASSERT_TRUE(on_disk && on_disk->has_value());
  EXPECT_EQ(**on_disk, page);

  // "/" is the jail: its listing is the home's content, nothing of the host.
  auto list = Curl(user.user, password, {"--list-only", Url("/")});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(Names(list.out), std::vector<std::string>{"index.html"}) << list.out;
  // Climbing with CWD .. stays at the jail root.
  auto climbed = Curl(user.user, password, {"--list-only", Url("/../../../../")});
  EXPECT_TRUE(climbed.exit_code != 0 ||
              Names(climbed.out) == std::vector<std::string>{"index.html"})
      << climbed.out;
  auto back = Curl(user.user, password, {Url("/index.html")});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, page);

  // Nothing outside the home is readable, whatever the path.
  for (const std::string path :
       {"/../secret.txt", "/../../secret.txt", "/../../../../../outside.txt",
        "/../../../../../../../../etc/passwd", "/%2Fetc%2Fpasswd", "/etc/passwd",
        "/..%2F..%2Fsecret.txt"}) {
    auto r = Curl(user.user, password, {Url(path)});
    EXPECT_EQ(r.out.find("SECRET"), std::string::npos) << path;
    EXPECT_EQ(r.out.find("root:"), std::string::npos) << path;
    EXPECT_NE(r.exit_code, 0) << path << " was readable: " << r.out;
  }

  // A wrong password is refused.
  auto wrong = Curl(user.user, "incorrect-horse-battery", {"--list-only", Url("/")});
  EXPECT_EQ(wrong.exit_code, kCurlLoginDenied) << wrong.out << wrong.err;

  // Suspended: the right password is refused, the files stay.
  user.status = "suspended";
  out = Apply({Ensure(2, user)});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  auto suspended = Curl(user.user, password, {"--list-only", Url("/")});
  EXPECT_EQ(suspended.exit_code, kCurlLoginDenied) << suspended.out << suspended.err;
  EXPECT_TRUE(fs_.Exists("home/acme/web/shop/index.html"));

  // Active again: the same password works again (the suspension alone refused it).
  user.status = "active";
  out = Apply({Ensure(3, user)});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  auto again = Curl(user.user, password, {"--list-only", Url("/")});
  EXPECT_EQ(again.exit_code, 0) << again.err;

  // Removed: refused; the home and its files belong to the account and stay.
  out = Apply({Remove(4, user.user)});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  auto removed = Curl(user.user, password, {"--list-only", Url("/")});
  EXPECT_EQ(removed.exit_code, kCurlLoginDenied) << removed.out << removed.err;
  EXPECT_TRUE(fs_.Exists("home/acme/web/shop/index.html"));
  EXPECT_TRUE(instance_->Running());
}

}  // namespace
}  // namespace hostplane::agent
