#include "agent/drivers/mail/mail_driver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "agent/drivers/mail/mail_user_db.h"
#include "agent/testing/driver_test_support.h"
#include "common/passwd/service_password.h"
#include "common/sqlite/database.h"

namespace hostplane::agent {
namespace {

using testing::ExpectGolden;

constexpr const char* kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a";
constexpr const char* kHash6 = "$6$saltsaltsalt$abcdefghijklmnopqrstuvwxyzABCDEFGHIJ./0123";

protocol::MailDomainSpec Acme() {
  protocol::MailDomainSpec s;
  s.domain = "acme.example";
  s.account = "acme";
  s.mailboxes = {{"info", kHash, 1024}, {"office.team", kHash6, 1}};
  s.forwarders = {{"sales", {"info@acme.example", "boss@other.example"}}};
  return s;
}

PasswdParams Params() { return {5000, 5000, "/var/vmail"}; }

TEST(MailRenderTest, Golden) {
  auto s = Acme();
  ExpectGolden("acme.mailboxes", RenderMailboxMap(s));
  ExpectGolden("acme.aliases", RenderAliasMap(s));
  auto users = RenderPasswdFile(s, Params());
  ASSERT_TRUE(users) << users.error().message;
  ExpectGolden("acme.users", *users);

  s.status = "suspended";
  auto suspended = RenderPasswdFile(s, Params());
  ASSERT_TRUE(suspended);
  ExpectGolden("acme.suspended.users", *suspended);

  // Moving (a drain copies its Maildirs): logins refused as when suspended, mail deferred.
  s.status = "moving";
  auto moving = RenderPasswdFile(s, Params());
  ASSERT_TRUE(moving);
  EXPECT_EQ(*moving, *suspended);
  ExpectGolden("acme.moving.access", RenderAccessMap(s));
  s.status = "suspended";
  EXPECT_EQ(RenderAccessMap(s), "acme.example DUNNO\n") << "a suspended domain still takes mail";

  s.status = "active";
  EXPECT_EQ(RenderAccessMap(s), "acme.example DUNNO\n");
  s.catch_all = "info@acme.example";
  ExpectGolden("acme.catchall.aliases", RenderAliasMap(s));

  ExpectGolden("assembled.virtual_alias_maps",
               AssembleMapText({RenderAliasMap(s), "x@beta.example y@beta.example\n", ""}));
}

TEST(MailRenderTest, EmptyDomainRendersNoLines) {
  protocol::MailDomainSpec s;
  s.domain = "empty.example";
  s.account = "acme";
  EXPECT_EQ(RenderMailboxMap(s), "");
  EXPECT_EQ(RenderAliasMap(s), "");
  auto users = RenderPasswdFile(s, Params());
  ASSERT_TRUE(users);
  EXPECT_EQ(users->find("empty.example:"), std::string::npos);
}

TEST(MailRenderTest, RefusesHostValuesThatWouldBreakALine) {
  auto s = Acme();
  for (const char* root : {"/var/vm ail", "/var/vmail:0:0", "/var/vmail\nroot", "relative"}) {
    PasswdParams p = Params();
    p.vmail_root = root;
    EXPECT_FALSE(RenderPasswdFile(s, p)) << root;
  }
  PasswdParams rootuid = Params();
  rootuid.uid = 0;
  EXPECT_FALSE(RenderPasswdFile(s, rootuid));
  // A hash that slipped past the decoder (a struct built in code) is refused here too.
  s.mailboxes[0].password_hash = "$y$abcdefghijklmnopqrstuvwxyz:0:0::/root::\nx";
  EXPECT_FALSE(RenderPasswdFile(s, Params()));
}

// CommandRunner for unit tests: postmap "builds" <file>.db as "db:" + the source; every argv is
// recorded; postfix and doveconf answer with the configured exit codes.
class FakeRunner final : public CommandRunner {
 public:
  Result<CommandOutput> Run(const Command& command) override {
    runs.push_back(command.argv);
    CommandOutput out;
    out.exit_code = 0;
    const std::string& prog = command.argv[0];
    if (prog == "/usr/sbin/postmap") {
      std::string arg = command.argv.back();
      std::string file = arg.substr(arg.find(':') + 1);
      std::ifstream in(file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::ofstream(file + ".db", std::ios::binary) << "db:" << ss.str();
    } else if (prog == "/usr/sbin/postfix") {
      out.exit_code = postfix_exit;
      out.err = postfix_err;
    } else if (prog == "/usr/bin/doveconf") {
      out.exit_code = doveconf_exit;
      out.err = "doveconf: Fatal: Error in configuration file x: Unknown setting: y\n";
    }
    return out;
  }
  std::vector<std::vector<std::string>> runs;
  int postfix_exit = 0;
  std::string postfix_err;
  int doveconf_exit = 0;
};

MailLayout UnitLayout() {
  MailLayout l;
  l.postfix_config_dir = "postfix/etc";
  l.postfix_queue_dir = "postfix/queue";
  l.map_dir = "postfix/maps";
  l.postfix_log = "log/postfix.log";
  l.dovecot_conf = "dovecot/dovecot.conf";
  l.dovecot_base_dir = "dovecot/run";
  l.dovecot_users_dir = "dovecot/users";
  l.vmail_root = "vmail";
  l.vmail_uid = ::geteuid() == 0 ? 65534 : ::geteuid();
  l.vmail_gid = ::geteuid() == 0 ? 65534 : ::getegid();
  return l;
}

protocol::Task EnsureTask(const protocol::MailDomainSpec& s) {
  return testing::MakeTask(1, "maildomain:" + s.domain, protocol::kMailDomainEnsure,
                           protocol::ToJson(s));
}

// acme.example removed together with its mail.
protocol::Task RemoveAcmeTask(int64_t revision) {
  return testing::MakeTask(
      revision, "maildomain:acme.example", protocol::kMailDomainRemove,
      protocol::ToJson(protocol::MailDomainRemoval{"acme.example", "acme", true}));
}

class MailDriverUnitTest : public ::testing::Test {
 protected:
  MailDriverUnitTest() : fs_(root_.path()), driver_(UnitLayout(), fs_, runner_, Options()) {}
  static MailDriverOptions Options() {
    MailDriverOptions o;
    o.dovecot_group = "";
    return o;
  }
  std::string Read(const std::string& rel) { return testing::ReadFileOr(fs_, rel, "<missing>"); }
  testing::TempRoot root_;
  PosixFilesystem fs_;
  FakeRunner runner_;
  MailDriver driver_;
};

TEST_F(MailDriverUnitTest, RendersTheDomainsFilesAndRemovesThem) {
  auto files = driver_.Render(EnsureTask(Acme()));
  ASSERT_TRUE(files) << files.error().message;
  std::vector<std::string> paths;
  for (const auto& f : *files) paths.push_back(f.path);
  EXPECT_EQ(
      paths,
      (std::vector<std::string>{
          "postfix/maps/domains/acme.example.mailboxes",
          "postfix/maps/domains/acme.example.aliases", "postfix/maps/domains/acme.example.access",
          "postfix/maps/domains/acme.example.senders", "postfix/maps/domains/acme.example.policy",
          "dovecot/users/acme.example", "etc/dovecot/hostplane/sieve/acme.example/info.sieve",
          "etc/dovecot/hostplane/sieve/acme.example/office.team.sieve",
          "postfix/maps/domains/acme.example.dkim",
          "etc/hostplane/opendkim/keys/acme.example.pem"}));
  EXPECT_EQ((*files)[5].mode, 0640u);
  EXPECT_NE((*files)[5].content->find(fs_.HostPath("vmail") + "/acme.example/info::"),
            std::string::npos);
  // Neither mailbox has a filter or an autoresponder, and the domain no DKIM key: no such files.
  for (size_t i = 6; i < files->size(); ++i) EXPECT_FALSE((*files)[i].content) << paths[i];

  protocol::Task remove = RemoveAcmeTask(2);
  auto gone = driver_.Render(remove);
  ASSERT_TRUE(gone);
  ASSERT_EQ(gone->size(), 8u);
  for (const auto& f : *gone) EXPECT_FALSE(f.content.has_value()) << f.path;
}

TEST_F(MailDriverUnitTest, RefusesHostileSpecsBeforeRendering) {
  protocol::Json j = protocol::ToJson(Acme());
  j["forwarders"][0]["targets"][0] = "info@acme.example\n@acme.example evil@x.example";
  j["mailboxes"][0]["password_hash"] = std::string(kHash) + ":0:0::/root::";
  j["catch_all"] = "x@y.example\nrelay";
  protocol::Task t =
      testing::MakeTask(1, "maildomain:acme.example", protocol::kMailDomainEnsure, j);
  auto files = driver_.Render(t);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(files.error().fields.size(), 3u) << files.error().message;
  EXPECT_TRUE(runner_.runs.empty());
}

TEST_F(MailDriverUnitTest, AssemblesEveryDomainInOrderAndSkipsWhenUnchanged) {
  auto beta = Acme();
  beta.domain = "beta.example";
  beta.forwarders = {};
  beta.status = "moving";
  // A subdomain that is not moving, and a domain written before access fragments existed.
  auto sub = Acme();
  sub.domain = "mail.beta.example";
  sub.forwarders = {};
  auto old = Acme();
  old.domain = "old.example";
  old.forwarders = {};
  for (const auto& s : {beta, Acme(), sub, old}) {
    auto files = driver_.Render(EnsureTask(s));
    ASSERT_TRUE(files);
    for (const auto& f : *files) {
      if (f.content) {
        ASSERT_TRUE(fs_.WriteFileAtomic(f.path, *f.content, f.mode));
      }
    }
  }
  // Debris and foreign names in the fragment directory are ignored.
  ASSERT_TRUE(fs_.WriteFileAtomic("postfix/maps/domains/.x.mailboxes.tmp", "evil@x ok\n", 0644));
  ASSERT_TRUE(
      fs_.WriteFileAtomic("postfix/maps/domains/Not A Domain.mailboxes", "evil@x ok\n", 0644));
  ASSERT_TRUE(fs_.RemoveFile("postfix/maps/domains/old.example.access"));
  ASSERT_TRUE(driver_.Assemble());
  // The four maps of the domains, the sender logins and the trusted logins.
  EXPECT_EQ(runner_.runs.size(), 6u);
  ExpectGolden("assembled.recipient_access", Read("postfix/maps/recipient_access"));
  ExpectGolden("assembled.virtual_mailbox_domains", Read("postfix/maps/virtual_mailbox_domains"));
  ExpectGolden("assembled.virtual_mailbox_maps", Read("postfix/maps/virtual_mailbox_maps"));
  EXPECT_EQ(Read("postfix/maps/virtual_mailbox_maps.db"),
            "db:" + Read("postfix/maps/virtual_mailbox_maps"));
  EXPECT_EQ(runner_.runs[0][0], "/usr/sbin/postmap");
  EXPECT_EQ(runner_.runs[0].back(),
            "hash:" + fs_.HostPath("postfix/maps/stage/virtual_mailbox_domains"));

  // Idempotent: nothing changed, no command runs.
  ASSERT_TRUE(driver_.Assemble());
  EXPECT_EQ(runner_.runs.size(), 6u);

  // A removed domain leaves every map.
  ASSERT_TRUE(fs_.RemoveFile("postfix/maps/domains/beta.example.mailboxes"));
  ASSERT_TRUE(fs_.RemoveFile("postfix/maps/domains/beta.example.aliases"));
  ASSERT_TRUE(fs_.RemoveFile("postfix/maps/domains/beta.example.access"));
  ASSERT_TRUE(driver_.Assemble());
  EXPECT_EQ(Read("postfix/maps/virtual_mailbox_domains").find("\nbeta.example"), std::string::npos);
  EXPECT_EQ(Read("postfix/maps/virtual_mailbox_maps").find("@beta.example"), std::string::npos);
  EXPECT_EQ(Read("postfix/maps/recipient_access").find("\nbeta.example"), std::string::npos);
  EXPECT_NE(Read("postfix/maps/recipient_access").find("\nmail.beta.example DUNNO"),
            std::string::npos);
}

// Dovecot's user database is every passwd-file of the users directory (mail_user_db.h), rebuilt
// by Assemble and rewritten only when a row changed.
TEST_F(MailDriverUnitTest, AssemblesTheUserDatabaseFromThePasswdFiles) {
  auto files = driver_.Render(EnsureTask(Acme()));
  ASSERT_TRUE(files);
  for (const auto& f : *files) {
    if (f.content) {
      ASSERT_TRUE(fs_.WriteFileAtomic(f.path, *f.content, f.mode));
    }
  }
  // Debris of an interrupted write is not read.
  ASSERT_TRUE(fs_.WriteFileAtomic("dovecot/users/.acme.example.tmp", "garbage\n", 0640));
  ASSERT_TRUE(driver_.Assemble());
  const std::string db_path = fs_.HostPath(MailUserDbPath(UnitLayout()));
  auto users = [&] {
    auto db = sqlite::Database::Open(db_path, false);
    EXPECT_TRUE(db);
    auto st = db->Prepare("SELECT user, nologin FROM users ORDER BY user");
    EXPECT_TRUE(st);
    std::vector<std::string> out;
    while (st->Step().value_or(false)) {
      out.push_back(st->Text(0) + (st->IsNull(1) ? "" : " nologin"));
    }
    return out;
  };
  EXPECT_EQ(users(), (std::vector<std::string>{"info@acme.example", "office.team@acme.example"}));
  struct stat before {};
  ASSERT_EQ(::stat(db_path.c_str(), &before), 0);

  // Unchanged rows: the file is not rewritten.
  ASSERT_TRUE(driver_.Assemble());
  struct stat again {};
  ASSERT_EQ(::stat(db_path.c_str(), &again), 0);
  EXPECT_EQ(again.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(again.st_mtim.tv_sec, before.st_mtim.tv_sec);

  // Suspended, then removed: the next Assemble says so, with no wait.
  auto suspended = Acme();
  suspended.status = "suspended";
  auto next = driver_.Render(EnsureTask(suspended));
  ASSERT_TRUE(next);
  for (const auto& f : *next) {
    if (f.content && f.path == "dovecot/users/acme.example") {
      ASSERT_TRUE(fs_.WriteFileAtomic(f.path, *f.content, f.mode));
    }
  }
  ASSERT_TRUE(driver_.Assemble());
  EXPECT_EQ(users(), (std::vector<std::string>{"info@acme.example nologin",
                                               "office.team@acme.example nologin"}));
  ASSERT_TRUE(fs_.RemoveFile("dovecot/users/acme.example"));
  ASSERT_TRUE(driver_.Assemble());
  EXPECT_TRUE(users().empty());

  // A line this node never writes fails the Assemble (and so the batch), naming the file.
  ASSERT_TRUE(fs_.WriteFileAtomic("dovecot/users/evil.example", "evil@evil.example:x\n", 0640));
  auto refused = driver_.Assemble();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("evil.example line 1"), std::string::npos)
      << refused.error().message;
}

TEST_F(MailDriverUnitTest, ValidateReportsTheCheckersWords) {
  auto ok = driver_.Validate();
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->ok);
  runner_.doveconf_exit = 89;
  auto bad = driver_.Validate();
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->ok);
  EXPECT_NE(bad->message.find("Unknown setting"), std::string::npos) << bad->message;
  runner_.postfix_exit = 1;
  ASSERT_TRUE(fs_.WriteFileAtomic("log/postfix.log", "old line\n", 0644));
  auto pf = driver_.Validate();
  ASSERT_TRUE(pf);
  EXPECT_FALSE(pf->ok);
  EXPECT_NE(pf->message.find("postfix check failed (exit 1)"), std::string::npos);
}

TEST_F(MailDriverUnitTest, ReloadNeedsARunningDovecot) {
  auto r = driver_.Reload();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(MailDriverUnitTest, PrepareCreatesMaildirsBeneathTheRootAndRefusesLinks) {
  ASSERT_TRUE(driver_.Prepare(EnsureTask(Acme())));
  struct stat st {};
  std::string maildir = fs_.HostPath("vmail/acme.example/info/Maildir/new");
  ASSERT_EQ(::stat(maildir.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, UnitLayout().vmail_uid);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  // A link planted where a domain directory goes is not followed.
  auto beta = Acme();
  beta.domain = "beta.example";
  ASSERT_EQ(::symlink("/tmp", fs_.HostPath("vmail/beta.example").c_str()), 0);
  auto linked = driver_.Prepare(EnsureTask(beta));
  EXPECT_FALSE(linked);

  // remove_content deletes the domain's mail, not the link's target.
  protocol::Task remove = RemoveAcmeTask(2);
  ASSERT_TRUE(driver_.Finish(remove));
  EXPECT_FALSE(fs_.Exists("vmail/acme.example"));
}

TEST_F(MailDriverUnitTest, PrepareRefusesARootOwnedStore) {
  MailLayout l = UnitLayout();
  l.vmail_uid = 0;
  MailDriver driver(l, fs_, runner_, Options());
  auto p = driver.Prepare(EnsureTask(Acme()));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(driver.Render(EnsureTask(Acme())));
}

}  // namespace
}  // namespace hostplane::agent
