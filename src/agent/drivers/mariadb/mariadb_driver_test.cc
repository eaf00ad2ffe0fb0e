#include "agent/drivers/mariadb/mariadb_driver.h"

#include <gtest/gtest.h>
#include <mysqld_error.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/batch_applier.h"
#include "agent/drivers/mariadb/mariadb_instance.h"
#include "agent/testing/driver_test_support.h"
#include "common/net/loopback.h"

namespace hostplane::agent {
namespace {

using protocol::Json;
using protocol::Task;
using protocol::TaskOutcome;
using testing::ExpectAllApplied;
using testing::MakeTask;

std::atomic<int64_t> next_task_id{1};

Task EnsureTask(const std::string& name, const std::string& account, const std::string& hash,
                const std::string& status = "active") {
  return MakeTask(
      next_task_id++, protocol::DatabaseObjectKey(name), protocol::kDatabaseEnsure,
      Json{{"name", name}, {"account", account}, {"password_hash", hash}, {"status", status}});
}

Task RemoveTask(const std::string& name, const std::string& account) {
  return MakeTask(next_task_id++, protocol::DatabaseObjectKey(name), protocol::kDatabaseRemove,
                  Json{{"name", name}, {"account", account}});
}

std::string Hash(const std::string& password) {
  return protocol::MysqlNativePasswordHash(password).value();
}

TEST(MariaDbDriverTest, RenderValidatesAndWritesNoFiles) {
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  MariaDbDriver driver(MariaDbLayout{}, fs);
  EXPECT_EQ(driver.Name(), "mariadb");
  EXPECT_EQ(driver.Kinds(),
            (std::vector<std::string>{protocol::kDatabaseEnsure, protocol::kDatabaseRemove}));
  EXPECT_TRUE(driver.ManagedDirs().empty());

  auto ok = driver.Render(EnsureTask("acme_shop", "acme", Hash("password")));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->empty());
  auto removal = driver.Render(RemoveTask("acme_shop", "acme"));
  ASSERT_TRUE(removal) << removal.error().message;
  EXPECT_TRUE(removal->empty());

  struct Case {
    std::string what;
    Task task;
    std::string field;
    std::string code;
  };
  Task wrong_key = EnsureTask("acme_shop", "acme", Hash("password"));
  wrong_key.object_key = "database:acme_blog";
  Task wrong_kind = RemoveTask("acme_shop", "acme");
  wrong_kind.kind = "site.ensure";
  for (const Case& c : std::vector<Case>{
           {"hostile", EnsureTask("acme_x`; DROP", "acme", Hash("password")), "name", "db.invalid"},
           {"wildcard", EnsureTask("acme_%", "acme", Hash("password")), "name", "db.invalid"},
           {"other account", EnsureTask("other_db", "acme", Hash("password")), "name", "db.prefix"},
           {"plain password", EnsureTask("acme_shop", "acme", "password"), "password_hash",
            "password_hash.invalid"},
           {"hostile removal", RemoveTask("acme_a'b", "acme"), "name", "db.invalid"},
           {"object key", wrong_key, "object_key", "field.value"},
           {"kind", wrong_kind, "", ""},
       }) {
    SCOPED_TRACE(c.what);
    auto r = driver.Render(c.task);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    if (!c.field.empty()) {
      ASSERT_TRUE(r.error().fields.contains(c.field)) << r.error().message;
      EXPECT_EQ(r.error().fields.at(c.field), c.code);
    }
    // Finish refuses the same task without touching a server (there is none here).
    auto f = driver.Finish(c.task);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code, ErrorCode::kInvalid);
  }
}

TEST(MariaDbDriverTest, UnreachableServerIsRetried) {
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  MariaDbLayout layout;
  layout.socket = "run/nobody-listens.sock";
  MariaDbDriver driver(layout, fs, {std::chrono::seconds(1), std::chrono::seconds(1)});
  auto f = driver.Finish(EnsureTask("acme_shop", "acme", Hash("password")));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(f.error().retryable());

  BatchApplier applier(fs, "agent");
  auto out = applier.Apply(driver, {RemoveTask("acme_shop", "acme")});
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kRetry) << out.results[0].detail;
  EXPECT_EQ(out.reloads, 0);
}

// A private mariadbd in a /tmp prefix on a free loopback port, and the driver pointed at it.
class MariaDbIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/sbin/mariadbd", X_OK) != 0 ||
        ::access("/usr/bin/mariadb-install-db", X_OK) != 0) {
      GTEST_SKIP() << "mariadb-server is not installed";
    }
    layout_.datadir = "data";
    layout_.run_dir = "run";
    layout_.socket = "run/mysqld.sock";
    layout_.pid_file = "run/mariadbd.pid";
    layout_.log_dir = "log";
    layout_.port = FreeLoopbackPort().value();
    fs_ = std::make_unique<PosixFilesystem>(root_.path());
    runner_ =
        std::make_unique<PosixCommandRunner>(std::set<std::string>{layout_.install_db_binary});
    instance_ = std::make_unique<MariaDbInstance>(layout_, *fs_, *runner_);
    auto installed = instance_->Install();
    ASSERT_TRUE(installed) << installed.error().message;
    auto started = instance_->Start();
    ASSERT_TRUE(started) << started.error().message;
    driver_ = std::make_unique<MariaDbDriver>(layout_, *fs_);
    applier_ = std::make_unique<BatchApplier>(*fs_, "agent");
    ASSERT_TRUE(fs_->MakeDirs("agent", 0700));
    auto admin = MariaDbConnection::Connect(instance_->AdminOptions());
    ASSERT_TRUE(admin) << admin.error().message;
    admin_.emplace(std::move(*admin));
  }

  void TearDown() override {
    admin_.reset();
    if (instance_) instance_->Stop();
  }

  // Applies tasks through the real batch algorithm and expects every one applied.
  void ApplyOk(const std::vector<Task>& tasks) {
    auto out = applier_->Apply(*driver_, tasks);
    ASSERT_EQ(out.results.size(), tasks.size());
    ExpectAllApplied(out);
    EXPECT_EQ(out.changed_files, 0);
    EXPECT_EQ(out.reloads, 0);
  }

  // A customer's login over TCP (the '127.0.0.1' account) or the socket (the 'localhost' one).
  // The password goes to mysql_real_connect only.
  Result<MariaDbConnection> Login(const std::string& user, const std::string& password,
                                  bool tcp = true, const std::string& database = "") {
    MariaDbConnectOptions o;
    if (tcp) {
      o.host = "127.0.0.1";
      o.port = layout_.port;
    } else {
      o.socket = fs_->HostPath(layout_.socket);
    }
    o.user = user;
    o.password = password;
    o.database = database;
    o.connect_timeout = std::chrono::seconds(5);
    return MariaDbConnection::Connect(o);
  }

  // The first column of every row of an admin query.
  std::vector<std::string> AdminColumn(const std::string& sql) {
    auto r = admin_->Query(sql, "test query");
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> out;
    if (r) {
      for (const auto& row : r->rows) out.push_back(row.at(0).value_or("NULL"));
    }
    return out;
  }

  std::vector<std::string> Databases(MariaDbConnection& c) {
    auto r = c.Query("SHOW DATABASES", "SHOW DATABASES");
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> out;
    if (r) {
      for (const auto& row : r->rows) out.push_back(row.at(0).value_or(""));
    }
    return out;
  }

  static bool Contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  testing::TempRoot root_;
  MariaDbLayout layout_;
  std::unique_ptr<PosixFilesystem> fs_;
  std::unique_ptr<PosixCommandRunner> runner_;
  std::unique_ptr<MariaDbInstance> instance_;
  std::unique_ptr<MariaDbDriver> driver_;
  std::unique_ptr<BatchApplier> applier_;
  std::optional<MariaDbConnection> admin_;
};

TEST_F(MariaDbIntegrationTest, EnsureIsolatesCustomersAndIsIdempotent) {
  const std::string shop_pw = "shop-password-1234";
  const std::string blog_pw = "blog-password-5678";
  // Our hash is exactly what the server's PASSWORD() makes of the same password.
  EXPECT_EQ(AdminColumn("SELECT PASSWORD(" + admin_->Literal(shop_pw) + ")"),
            std::vector<std::string>{Hash(shop_pw)});

  const std::vector<Task> tasks = {EnsureTask("acme_shop", "acme", Hash(shop_pw)),
                                   EnsureTask("other_blog", "other", Hash(blog_pw))};
  ApplyOk(tasks);
  const int64_t first_changes = driver_->changes();
  // Per database: CREATE DATABASE, and per host (2) CREATE USER and GRANT.
  EXPECT_EQ(first_changes, 2 * (1 + 2 * 2));

  // acme_shop works in its own database, over TCP and over the socket.
  auto shop = Login("acme_shop", shop_pw, /*tcp=*/true, "acme_shop");
  ASSERT_TRUE(shop) << shop.error().message;
  ASSERT_TRUE(shop->Execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "create"));
  ASSERT_TRUE(shop->Execute("INSERT INTO t VALUES (1, 'one')", "insert"));
  auto via_socket = Login("acme_shop", shop_pw, /*tcp=*/false);
  ASSERT_TRUE(via_socket) << via_socket.error().message;
  auto rows = via_socket->Query("SELECT v FROM acme_shop.t", "select");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "one");

  // ... and sees nothing of the other customer.
  auto dbs = Databases(*shop);
  EXPECT_TRUE(Contains(dbs, "acme_shop"));
  EXPECT_FALSE(Contains(dbs, "other_blog"));
  auto use = shop->Execute("USE other_blog", "USE other_blog");
  ASSERT_FALSE(use);
  EXPECT_EQ(use.error().code, ErrorCode::kValidation);
  EXPECT_EQ(shop->last_errno(), static_cast<unsigned>(ER_DBACCESS_DENIED_ERROR));
  EXPECT_FALSE(shop->Execute("CREATE DATABASE acme_other", "create database"));
  EXPECT_FALSE(Login("acme_shop", blog_pw));
  EXPECT_FALSE(Login("other_blog", shop_pw));
  auto blog = Login("other_blog", blog_pw);
  ASSERT_TRUE(blog) << blog.error().message;
  EXPECT_FALSE(blog->Execute("SELECT * FROM acme_shop.t", "select"));

  // The same revision again changes nothing and is fast.
  auto started = std::chrono::steady_clock::now();
  ApplyOk(tasks);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(driver_->changes(), first_changes);
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  // A password change is one ALTER USER per host; the old password stops working.
  ApplyOk({EnsureTask("acme_shop", "acme", Hash("a-new-password-99"))});
  EXPECT_EQ(driver_->changes(), first_changes + 2);
  EXPECT_FALSE(Login("acme_shop", shop_pw));
  EXPECT_TRUE(Login("acme_shop", "a-new-password-99"));

  // Hostile tasks fail without running anything.
  const auto before = AdminColumn("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
  Task hostile = EnsureTask("acme_shop", "acme", Hash(shop_pw));
  hostile.spec["name"] = "acme_x`; DROP DATABASE acme_shop; --";
  Task foreign = EnsureTask("other_blog", "acme", Hash(shop_pw));  // not acme's prefix
  auto out = applier_->Apply(*driver_, {hostile, foreign});
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(AdminColumn("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"), before);
  EXPECT_TRUE(Login("other_blog", blog_pw));
}

TEST_F(MariaDbIntegrationTest, GrantPatternEscapesUnderscore) {
  const std::string pw = "escape-password-1234";
  ApplyOk({EnsureTask("acme_s", "acme", Hash(pw))});
  // A database the unescaped pattern `acme_s` would match ('_' = any one character).
  ASSERT_TRUE(admin_->Execute("CREATE DATABASE acmexs", "create acmexs"));
  EXPECT_EQ(AdminColumn("SELECT Db FROM mysql.db WHERE User = 'acme_s' ORDER BY Host"),
            (std::vector<std::string>{"acme\\_s", "acme\\_s"}));

  auto c = Login("acme_s", pw);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->Execute("USE acme_s", "USE acme_s"));
  EXPECT_FALSE(c->Execute("USE acmexs", "USE acmexs"));
  EXPECT_FALSE(c->Execute("CREATE TABLE acmexs.t (i INT)", "create"));
  EXPECT_FALSE(Contains(Databases(*c), "acmexs"));

  // The control: the same grant without the escape does reach acmexs, so the check above can
  // fail.
  ASSERT_TRUE(admin_->Execute("CREATE USER 'probe'@'127.0.0.1' IDENTIFIED BY 'probe-pw-1234'",
                              "create probe"));
  ASSERT_TRUE(
      admin_->Execute("GRANT ALL PRIVILEGES ON `acme_s`.* TO 'probe'@'127.0.0.1'", "grant probe"));
  auto probe = Login("probe", "probe-pw-1234");
  ASSERT_TRUE(probe) << probe.error().message;
  EXPECT_TRUE(probe->Execute("USE acmexs", "USE acmexs"));
}

TEST_F(MariaDbIntegrationTest, SuspendResumeRemove) {
  const std::string pw = "suspend-password-1234";
  const std::string hash = Hash(pw);
  ApplyOk({EnsureTask("acme_shop", "acme", hash)});
  auto open = Login("acme_shop", pw, true, "acme_shop");
  ASSERT_TRUE(open) << open.error().message;
  ASSERT_TRUE(open->Execute("CREATE TABLE t (id INT PRIMARY KEY)", "create"));
  ASSERT_TRUE(open->Execute("INSERT INTO t VALUES (7)", "insert"));

  // Suspended: new logins refused, the open session ended, the data kept.
  ApplyOk({EnsureTask("acme_shop", "acme", hash, "suspended")});
  auto refused = Login("acme_shop", pw);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("locked"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().message.find(pw), std::string::npos);
  EXPECT_FALSE(Login("acme_shop", pw, /*tcp=*/false));
  auto after_kill = open->Query("SELECT 1", "select");
  ASSERT_FALSE(after_kill);
  EXPECT_EQ(after_kill.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(AdminColumn("SELECT id FROM acme_shop.t"), std::vector<std::string>{"7"});
  EXPECT_EQ(AdminColumn("SELECT JSON_VALUE(Priv, '$.account_locked') FROM mysql.global_priv "
                        "WHERE User = 'acme_shop'"),
            (std::vector<std::string>{"1", "1"}));
  // Suspending again changes nothing.
  int64_t changes = driver_->changes();
  ApplyOk({EnsureTask("acme_shop", "acme", hash, "suspended")});
  EXPECT_EQ(driver_->changes(), changes);

  // Active again: the login works and the data is there.
  ApplyOk({EnsureTask("acme_shop", "acme", hash, "active")});
  auto back = Login("acme_shop", pw, true, "acme_shop");
  ASSERT_TRUE(back) << back.error().message;
  auto rows = back->Query("SELECT id FROM t", "select");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "7");

  // Removed: user (every host), grants and database gone, the open session ended.
  ApplyOk({RemoveTask("acme_shop", "acme")});
  EXPECT_TRUE(AdminColumn("SELECT Host FROM mysql.user WHERE User = 'acme_shop'").empty());
  EXPECT_TRUE(AdminColumn("SELECT Host FROM mysql.db WHERE User = 'acme_shop'").empty());
  EXPECT_TRUE(
      AdminColumn(
          "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'acme_shop'")
          .empty());
  EXPECT_FALSE(Login("acme_shop", pw));
  EXPECT_FALSE(back->Query("SELECT 1", "select"));
  // Removing again is a no-op.
  changes = driver_->changes();
  ApplyOk({RemoveTask("acme_shop", "acme")});
  EXPECT_EQ(driver_->changes(), changes);
}

TEST_F(MariaDbIntegrationTest, ReconnectsAfterServerRestartAndReportsRefusals) {
  const std::string pw = "restart-password-1234";
  ApplyOk({EnsureTask("acme_shop", "acme", Hash(pw))});
  admin_.reset();
  instance_->Stop();
  // Down: the task is retried, not failed.
  auto out = applier_->Apply(*driver_, {EnsureTask("acme_blog", "acme", Hash(pw))});
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kRetry) << out.results[0].detail;
  // Up again: the driver's kept connection is dead; it reconnects by itself.
  ASSERT_TRUE(instance_->Start());
  ApplyOk({EnsureTask("acme_blog", "acme", Hash(pw))});
  EXPECT_TRUE(Login("acme_blog", pw, true, "acme_blog"));
  EXPECT_TRUE(Login("acme_shop", pw, true, "acme_shop"));

  // A statement MariaDB refuses fails the task (not retried) with MariaDB's message: here the
  // server may not create the database's directory.
  const std::string datadir = fs_->HostPath(layout_.datadir);
  ASSERT_EQ(::chmod(datadir.c_str(), 0500), 0);
  out = applier_->Apply(*driver_, {EnsureTask("acme_wiki", "acme", Hash(pw))});
  ASSERT_EQ(::chmod(datadir.c_str(), 0750), 0);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_NE(out.results[0].detail.find("CREATE DATABASE `acme_wiki`"), std::string::npos)
      << out.results[0].detail;
  EXPECT_NE(out.results[0].detail.find("(error 1006)"), std::string::npos) << out.results[0].detail;
  ApplyOk({EnsureTask("acme_wiki", "acme", Hash(pw))});

  // MariaDB quotes a statement near a syntax error: a secret named by the caller is redacted.
  auto c = MariaDbConnection::Connect(instance_->AdminOptions());
  ASSERT_TRUE(c) << c.error().message;
  const std::string hash = Hash("another-password-1");
  auto refused = c->Execute("SELEC " + c->Literal(hash), "a broken statement", hash);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
  EXPECT_EQ(c->last_errno(), static_cast<unsigned>(ER_PARSE_ERROR));
  EXPECT_NE(refused.error().message.find("<redacted>"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find(hash.substr(1, 12)), std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(c->usable());
}

}  // namespace
}  // namespace hostplane::agent
