// Content copies end to end, without daemons: the real ContentDriver of two agents (real GNU tar,
// two filesystem roots) and the real ContentSpool on one store, over the in-process bus.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "agent/drivers/content/content_driver.h"
#include "agent/drivers/mariadb/mariadb_connection.h"
#include "agent/drivers/mariadb/mariadb_instance.h"
#include "common/bus/bus.h"
#include "common/crypto.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/net/loopback.h"
#include "controller/engine/content_spool.h"
#include "controller/store/temp_store_for_test.h"
#include "protocol/content.h"

namespace hostplane::controller {
namespace {

namespace fs = std::filesystem;
using agent::ContentDriver;
using agent::HostLayout;

constexpr uid_t kTenant = 65534;        // nobody: a tenant's uid when the test runs as root
const std::atomic<bool> kRunOn{false};  // the agent is not stopping

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteAll(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

class ContentCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    root_ = fs::path(store_.path()).parent_path();
    // A tenant's tar must reach its home, as under / in production.
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    bus_ = NewInProcessBus();
    spool_ = std::make_unique<ContentSpool>(*store_, *bus_, (root_ / "spool").string());
    ASSERT_TRUE(spool_->Start());
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      for (const char* name : {"web1", "web2", "web3"}) {
        Node n;
        n.name = name;
        n.roles = {"web"};
        n.capacity = 10;
        auto stored = tx.nodes().Insert(n);
        if (!stored) return Fail(stored.error());
        ids_[name] = stored->id;
      }
      return Ok();
    }));
    for (const char* name : {"web1", "web2", "web3"}) {
      fs::create_directories(root_ / name);
      files_[name] = std::make_unique<PosixFilesystem>((root_ / name).string());
    }
    layout_.state_dir = "var/lib/hostplane/agent";
  }

  fs::path Home(const std::string& node) { return root_ / node / layout_.home_root / "acme"; }

  std::unique_ptr<ContentDriver> Driver(const std::string& node) {
    return std::make_unique<ContentDriver>(layout_, *files_[node], runner_, *bus_, node);
  }

  int64_t NewTransfer(const std::string& from, const std::string& to,
                      const std::string& what = "home", const std::string& object = "acme") {
    int64_t id = 0;
    EXPECT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      Transfer t;
      t.customer_id = 1;
      t.what = what;
      t.object = object;
      t.source_node_id = ids_[from];
      t.target_node_id = ids_[to];
      auto stored = tx.transfers().Insert(t);
      if (!stored) return Fail(stored.error());
      id = stored->id;
      return Ok();
    }));
    return id;
  }
  Transfer Get(int64_t id) {
    Transfer out;
    EXPECT_TRUE(store_->Snapshot([&](StoreTxn& tx) -> Status {
      auto t = tx.transfers().Find(id);
      if (!t || !*t) return Fail(Error::NotFound("transfer"));
      out = **t;
      return Ok();
    }));
    return out;
  }
  void SetState(int64_t id, const std::string& state) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto t = tx.transfers().Find(id);
      if (!t || !*t) return Fail(Error::NotFound("transfer"));
      Transfer u = **t;
      u.state = Parse<TransferState>(state).value_or(TransferState::kFailed);
      return tx.transfers().Update(u);
    }));
  }
  // One request on node's subject, as its agent would send it; the decoded reply.
  protocol::ContentReply Ask(const std::string& node, const protocol::ContentRequest& request) {
    auto raw = bus_->Request(protocol::ContentSubject(node), protocol::Encode(request),
                             std::chrono::seconds(5));
    EXPECT_TRUE(raw.has_value());
    if (!raw) return {};
    auto reply = protocol::DecodeContentReply(*raw);
    EXPECT_TRUE(reply.has_value());
    return reply ? *reply : protocol::ContentReply{};
  }
  static protocol::Task ExportTask(int64_t transfer, const std::string& what = "home",
                                   const std::string& object = "acme") {
    return {1,
            1,
            "transfer:" + std::to_string(transfer),
            protocol::kContentExport,
            protocol::ToJson(protocol::ContentExportSpec{transfer, what, object}),
            0};
  }
  static protocol::Task ImportTask(const Transfer& t) {
    return {2,
            1,
            "transfer:" + std::to_string(t.id),
            protocol::kContentImport,
            protocol::ToJson(
                protocol::ContentImportSpec{t.id, t.what, t.object, t.chunks, t.bytes, t.digest}),
            0};
  }
  // A home with a docroot, a file larger than several chunks, a private file, an empty directory
  // and a link pointing out of the home (copied as a link, never followed).
  std::string MakeSourceHome(const std::string& node) {
    std::mt19937 rng(42);
    std::string big(3 * protocol::kContentChunkBytes + 1234, '\0');
    for (auto& c : big) c = static_cast<char>(rng());
    WriteAll(Home(node) / "www/index.html", "<h1>acme</h1>\n");
    WriteAll(Home(node) / "www/media/big.bin", big);
    WriteAll(Home(node) / "private/notes.txt", "secret");
    fs::permissions(Home(node) / "private/notes.txt",
                    fs::perms::owner_read | fs::perms::owner_write);
    fs::create_directories(Home(node) / "www/empty");
    fs::create_symlink("/etc/passwd", Home(node) / "www/passwd-link");
    Own(Home(node));
    return big;
  }
  // acme's home made on web1, an empty one on web2, and web1's export done: the transfer is
  // importing, as after the result hook.
  int64_t Exported() {
    MakeSourceHome("web1");
    fs::create_directories(Home("web2"));
    Own(Home("web2"));
    const int64_t id = NewTransfer("web1", "web2");
    auto exported = Driver("web1")->Work(ExportTask(id), kRunOn);
    EXPECT_TRUE(exported) << exported.error().message;
    SetState(id, "importing");
    return id;
  }
  // As root the home belongs to a tenant, as in production; otherwise to the test's own user.
  void Own(const fs::path& dir) {
    if (::geteuid() != 0) return;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      ASSERT_EQ(::lchown(it->path().c_str(), kTenant, kTenant), 0) << it->path();
    }
    ASSERT_EQ(::lchown(dir.c_str(), kTenant, kTenant), 0);
  }

  TempStore store_;
  fs::path root_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<ContentSpool> spool_;
  std::map<std::string, int64_t> ids_;
  std::map<std::string, std::unique_ptr<PosixFilesystem>> files_;
  HostLayout layout_;
  PosixCommandRunner runner_{
      {"/usr/bin/tar", "/usr/bin/mariadb-dump", "/usr/bin/mariadb", "/usr/bin/mariadb-install-db"}};
};

TEST_F(ContentCopyTest, AHomeTravelsWholeFromOneNodeToTheOther) {
  const std::string big = MakeSourceHome("web1");
  fs::create_directories(Home("web2"));
  WriteAll(Home("web2") / "www/index.html", "default page of a new site");
  Own(Home("web2"));
  const int64_t id = NewTransfer("web1", "web2");

  auto exported = Driver("web1")->Work(ExportTask(id), kRunOn);
  ASSERT_TRUE(exported) << exported.error().message;
  Transfer t = Get(id);
  EXPECT_EQ(t.chunks, (t.bytes + protocol::kContentChunkBytes - 1) / protocol::kContentChunkBytes);
  EXPECT_GE(t.chunks, 4);
  EXPECT_EQ(t.digest.size(), 64u);
  EXPECT_TRUE(fs::is_empty(root_ / "web1" / layout_.state_dir / "content"))
      << "the archive is removed once uploaded";

  SetState(id, "importing");  // what the result hook does when the export is applied
  auto imported = Driver("web2")->Work(ImportTask(t), kRunOn);
  ASSERT_TRUE(imported) << imported.error().message;

  EXPECT_EQ(ReadAll(Home("web2") / "www/index.html"), "<h1>acme</h1>\n");
  EXPECT_EQ(ReadAll(Home("web2") / "www/media/big.bin"), big);
  EXPECT_EQ(ReadAll(Home("web2") / "private/notes.txt"), "secret");
  EXPECT_EQ(fs::status(Home("web2") / "private/notes.txt").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(fs::is_directory(Home("web2") / "www/empty"));
  ASSERT_TRUE(fs::is_symlink(Home("web2") / "www/passwd-link"));
  EXPECT_EQ(fs::read_symlink(Home("web2") / "www/passwd-link"), "/etc/passwd");
  struct stat st {};
  ASSERT_EQ(::stat((Home("web2") / "www/media/big.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid() == 0 ? kTenant : ::geteuid()) << "owned by the home's owner";
  EXPECT_TRUE(fs::is_empty(root_ / "web2" / layout_.state_dir / "content"));
}

TEST_F(ContentCopyTest, OnlyTheSourceMayUploadAndOnlyTheTargetMayDownload) {
  MakeSourceHome("web1");
  const int64_t id = NewTransfer("web1", "web2");
  // web3 is neither end: its agent's export is refused, and nothing lands in the spool.
  fs::create_directories(Home("web3"));
  auto foreign = Driver("web3")->Work(ExportTask(id), kRunOn);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kInvalid);
  EXPECT_NE(foreign.error().message.find("transfer.not_yours"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "spool" / std::to_string(id)));
  EXPECT_EQ(Get(id).chunks, 0);

  ASSERT_TRUE(Driver("web1")->Work(ExportTask(id), kRunOn));
  SetState(id, "importing");
  // A request in another node's name (body and subject disagree) is refused.
  auto reply = Ask("web3", {"web2", id, "get", 0});
  EXPECT_FALSE(reply.ok);
  EXPECT_EQ(reply.code, "transfer.not_yours");
  EXPECT_TRUE(reply.data.empty());
  // The source cannot download, web3 cannot either; the target can.
  for (const char* node : {"web1", "web3"}) {
    EXPECT_EQ(Ask(node, {node, id, "get", 0}).code, "transfer.not_yours") << node;
  }
  auto chunk = Ask("web2", {"web2", id, "get", 0});
  EXPECT_TRUE(chunk.ok) << chunk.error;
  EXPECT_EQ(static_cast<int64_t>(chunk.data.size()), protocol::kContentChunkBytes);
}

TEST_F(ContentCopyTest, ADigestThatDoesNotMatchUnpacksNothing) {
  const int64_t id = Exported();
  Transfer forged = Get(id);
  forged.digest = Blake2bHex("something else");
  auto imported = Driver("web2")->Work(ImportTask(forged), kRunOn);
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kIo) << "retried: the download starts over";
  EXPECT_NE(imported.error().message.find("does not match its digest"), std::string::npos);
  EXPECT_FALSE(fs::exists(Home("web2") / "www"));
  // With the true digest the next attempt succeeds.
  ASSERT_TRUE(Driver("web2")->Work(ImportTask(Get(id)), kRunOn));
  EXPECT_EQ(ReadAll(Home("web2") / "www/index.html"), "<h1>acme</h1>\n");
}

// A download cut off (kill -9) resumes after the whole chunks it has: a torn chunk is dropped.
TEST_F(ContentCopyTest, AnInterruptedDownloadResumesAfterTheChunksItHas) {
  const int64_t id = Exported();
  auto first = Ask("web2", {"web2", id, "get", 0});
  ASSERT_TRUE(first.ok) << first.error;
  const fs::path part =
      root_ / "web2" / layout_.state_dir / "content" / (std::to_string(id) + ".in");
  WriteAll(part, first.data + std::string(1000, 'X'));  // chunk 0, then a torn chunk 1
  ASSERT_TRUE(Driver("web2")->Work(ImportTask(Get(id)), kRunOn));
  EXPECT_EQ(ReadAll(Home("web2") / "www/index.html"), "<h1>acme</h1>\n");
  EXPECT_FALSE(fs::exists(part)) << "the download is removed once unpacked";
}

TEST_F(ContentCopyTest, AFinishedCopyIsDoneWhenItsTasksComeAgain) {
  const int64_t id = Exported();
  const Transfer t = Get(id);
  ASSERT_TRUE(Driver("web2")->Work(ImportTask(t), kRunOn));
  EXPECT_EQ(spool_->Sweep(), 0) << "an open transfer keeps its chunks";
  EXPECT_TRUE(fs::exists(root_ / "spool" / std::to_string(id)));
  SetState(id, "done");
  EXPECT_EQ(spool_->Sweep(), 1);
  EXPECT_FALSE(fs::exists(root_ / "spool" / std::to_string(id)));
  // An agent rebuilding from revision 0 meets both tasks again: nothing to do, no error.
  fs::remove_all(Home("web2") / "www");
  EXPECT_TRUE(Driver("web1")->Work(ExportTask(id), kRunOn));
  EXPECT_TRUE(Driver("web2")->Work(ImportTask(t), kRunOn));
  EXPECT_FALSE(fs::exists(Home("web2") / "www")) << "a closed transfer unpacks nothing";
}

TEST_F(ContentCopyTest, ASealThatDoesNotAddUpIsRefused) {
  MakeSourceHome("web1");
  const int64_t id = NewTransfer("web1", "web2");
  EXPECT_TRUE(Ask("web1", {"web1", id, "put", 0, "abc"}).ok);
  // Chunks missing, then a digest of other bytes.
  EXPECT_EQ(Ask("web1", {"web1", id, "seal", 0, "", 2, 3, Blake2bHex("abc")}).code, "chunk.order");
  EXPECT_EQ(Ask("web1", {"web1", id, "seal", 0, "", 1, 3, Blake2bHex("abd")}).code, "chunk.order");
  EXPECT_EQ(Get(id).chunks, 0) << "nothing recorded";
  EXPECT_TRUE(Ask("web1", {"web1", id, "seal", 0, "", 1, 3, Blake2bHex("abc")}).ok);
  EXPECT_EQ(Get(id).bytes, 3);
  // Sealed and then applied elsewhere: a late put changes nothing.
  SetState(id, "done");
  EXPECT_EQ(Ask("web1", {"web1", id, "put", 0, "xyz"}).code, "transfer.closed");
}

// A database's contents: dumped on one node's MariaDB, loaded into the other's.
TEST_F(ContentCopyTest, ADatabaseTravelsFromOneServerToTheOther) {
  if (::access("/usr/sbin/mariadbd", X_OK) != 0 || ::access("/usr/bin/mariadb-dump", X_OK) != 0) {
    GTEST_SKIP() << "mariadb-server and mariadb-client are needed";
  }
  std::map<std::string, std::unique_ptr<agent::MariaDbInstance>> servers;
  std::map<std::string, agent::MariaDbConnection> admins;
  for (const char* node : {"web1", "web2"}) {
    agent::MariaDbLayout m;
    m.datadir = "data";
    m.run_dir = "run";
    m.socket = "run/mysqld.sock";
    m.pid_file = "run/mariadbd.pid";
    m.log_dir = "log";
    m.port = FreeLoopbackPort().value();
    auto server = std::make_unique<agent::MariaDbInstance>(m, *files_[node], runner_);
    auto installed = server->Install();
    ASSERT_TRUE(installed) << installed.error().message;
    auto started = server->Start();
    ASSERT_TRUE(started) << started.error().message;
    auto admin = agent::MariaDbConnection::Connect(server->AdminOptions());
    ASSERT_TRUE(admin) << admin.error().message;
    admins.emplace(node, std::move(*admin));
    servers[node] = std::move(server);
  }
  layout_.mariadb = servers["web1"]->layout();
  auto& source = admins.at("web1");
  for (const char* sql :
       {"CREATE DATABASE acme_shop", "CREATE DATABASE acme_other",
        "CREATE TABLE acme_shop.orders (id INT PRIMARY KEY, note VARCHAR(100), raw BLOB)",
        "INSERT INTO acme_shop.orders VALUES (1, 'it''s \\\\ quoted', x'00ff10'), (2, NULL, '')",
        "CREATE VIEW acme_shop.notes AS SELECT note FROM acme_shop.orders",
        "CREATE TABLE acme_other.secret (v INT)"}) {
    ASSERT_TRUE(source.Execute(sql, sql)) << sql;
  }
  // The target has the empty database its database driver made.
  ASSERT_TRUE(admins.at("web2").Execute("CREATE DATABASE acme_shop", "create"));

  const int64_t id = NewTransfer("web1", "web2", "database", "acme_shop");
  auto exported = Driver("web1")->Work(ExportTask(id, "database", "acme_shop"), kRunOn);
  ASSERT_TRUE(exported) << exported.error().message;
  SetState(id, "importing");
  layout_.mariadb = servers["web2"]->layout();
  auto imported = Driver("web2")->Work(ImportTask(Get(id)), kRunOn);
  ASSERT_TRUE(imported) << imported.error().message;

  auto& target = admins.at("web2");
  auto rows = target.Query("SELECT id, note, HEX(raw) FROM acme_shop.orders ORDER BY id", "rows");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][1], std::optional<std::string>("it's \\ quoted"));
  EXPECT_EQ(rows->rows[0][2], std::optional<std::string>("00FF10"));
  EXPECT_EQ(rows->rows[1][1], std::nullopt);
  auto view = target.Query("SELECT COUNT(*) FROM acme_shop.notes", "view");
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_EQ(view->rows[0][0], std::optional<std::string>("2"));
  // Only the one database came: the customer's other one stays where it was.
  auto other = target.Query("SHOW DATABASES LIKE 'acme_other'", "other");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->rows.empty());

  // The task again (a retry after a partial load): the same rows, not twice.
  SetState(id, "importing");
  auto again = Driver("web2")->Work(ImportTask(Get(id)), kRunOn);
  EXPECT_TRUE(again) << again.error().message;
  auto count = target.Query("SELECT COUNT(*) FROM acme_shop.orders", "count");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->rows[0][0], std::optional<std::string>("2"));
  admins.clear();
  for (auto& [node, server] : servers) server->Stop();
}

}  // namespace
}  // namespace hostplane::controller
