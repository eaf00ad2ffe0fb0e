#include "agent/files/file_request_server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "agent/testing/temp_root.h"
#include "common/crypto.h"
#include "common/nats/nats_bus.h"
#include "common/testing/nats_server.h"

// The agent's end of the file request over a real nats-server: what a signed request does, and
// that a forged, altered, unsigned, replayed, expired, foreign-node or wrong-account one does
// nothing at all.
namespace hostplane::agent::files {
namespace {

using protocol::FileOp;
using protocol::FileReply;
using protocol::FileRequest;

constexpr uid_t kAlice = 61011;
constexpr uid_t kBob = 61012;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

class FileRequestServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string r = tmp_.path();
    for (const char* d : {"/srv", "/srv/home"}) ASSERT_EQ(::mkdir((r + d).c_str(), 0755), 0);
    for (auto [dir, uid] : {std::pair{alice_, kAlice}, std::pair{bob_, kBob}}) {
      ASSERT_EQ(::mkdir(dir.c_str(), 0710), 0);
      ASSERT_EQ(::chown(dir.c_str(), uid, uid), 0);
    }
    std::ofstream(bob_ + "/keep.txt") << "bob";
    ASSERT_TRUE(nats_.Start());
    NatsOptions agent_options;
    agent_options.servers = {nats_.url()};
    agent_options.name = "agent";
    auto agent_bus = ConnectNatsBus(agent_options);
    ASSERT_TRUE(agent_bus) << agent_bus.error().message;
    agent_bus_ = std::move(*agent_bus);
    NatsOptions ctl_options;
    ctl_options.servers = {nats_.url()};
    ctl_options.name = "controller";
    auto ctl_bus = ConnectNatsBus(ctl_options);
    ASSERT_TRUE(ctl_bus) << ctl_bus.error().message;
    ctl_bus_ = std::move(*ctl_bus);
    auto server = FileRequestServer::Create({.node = "web1",
                                             .controller_key = key_.public_key(),
                                             .root = r,
                                             .home_root = "srv/home",
                                             .limits = {},
                                             .max_nonces = 1000},
                                            os_, clock_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    auto sub = server_->Subscribe(*agent_bus_);
    ASSERT_TRUE(sub) << sub.error().message;
    sub_ = std::move(*sub);
  }
  void TearDown() override {
    sub_.reset();
    ctl_bus_.reset();
    agent_bus_.reset();
  }

  FileRequest Make(FileOp op, const std::string& path) {
    FileRequest q;
    q.node = "web1";
    q.account = "alice";
    q.uid = kAlice;
    q.gid = kAlice;
    q.op = op;
    q.path = path;
    q.nonce = RandomHex(16);
    q.expires_ms = clock_.NowMillis() + 5000;
    q.limit = 100;
    return q;
  }

  // Over the bus, as the controller sends it.
  FileReply Send(const FileRequest& q) {
    auto raw = ctl_bus_->Request(protocol::FilesSubject(q.node), protocol::Encode(q),
                                 std::chrono::seconds(5));
    EXPECT_TRUE(raw) << raw.error().message;
    if (!raw) return protocol::FileReplyFromError(raw.error());
    auto reply = protocol::DecodeFileReply(*raw);
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? *reply : protocol::FileReplyFromError(reply.error());
  }
  FileReply SendSigned(FileRequest q) {
    protocol::SignFileRequest(q, key_);
    return Send(q);
  }

  agent::testing::TempRoot tmp_;
  std::string alice_ = tmp_.path() + "/srv/home/alice";
  std::string bob_ = tmp_.path() + "/srv/home/bob";
  SigningKey key_ = *SigningKey::Generate();
  ManualClock clock_{1'800'000'000'000};
  PosixFileOs os_;
  hostplane::testing::NatsServer nats_;
  std::unique_ptr<Bus> agent_bus_;
  std::unique_ptr<Bus> ctl_bus_;
  std::unique_ptr<FileRequestServer> server_;
  std::unique_ptr<Subscription> sub_;
};

TEST_F(FileRequestServerTest, ASignedUploadInChunksOverNatsReadsBackByteExact) {
  std::string content;
  for (int i = 0; i < 700'000; ++i) content += static_cast<char>((i * 131) % 251);
  const int64_t chunk = protocol::kFileChunkBytes;
  for (int64_t off = 0; off < static_cast<int64_t>(content.size()); off += chunk) {
    FileRequest w = Make(FileOp::kWrite, "blob.bin");
    w.offset = off;
    w.data = content.substr(static_cast<size_t>(off), static_cast<size_t>(chunk));
    w.last = off + chunk >= static_cast<int64_t>(content.size());
    FileReply r = SendSigned(w);
    ASSERT_TRUE(r.ok) << r.code << ": " << r.error;
    EXPECT_EQ(r.done, w.last);
  }
  EXPECT_EQ(Slurp(alice_ + "/blob.bin"), content);
  struct stat st {};
  ASSERT_EQ(::stat((alice_ + "/blob.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAlice);

  std::string back;
  for (int64_t off = 0;;) {
    FileRequest rd = Make(FileOp::kRead, "blob.bin");
    rd.offset = off;
    rd.length = chunk;
    FileReply r = SendSigned(rd);
    ASSERT_TRUE(r.ok) << r.code << ": " << r.error;
    back += r.data;
    off += static_cast<int64_t>(r.data.size());
    if (r.eof) break;
  }
  EXPECT_EQ(back, content);

  FileReply list = SendSigned(Make(FileOp::kList, ""));
  ASSERT_TRUE(list.ok) << list.error;
  ASSERT_EQ(list.total, 1);
  EXPECT_EQ(list.entries[0].name, "blob.bin");
  EXPECT_EQ(list.entries[0].size, 700'000);
}

TEST_F(FileRequestServerTest, AForgedOrAlteredOrUnsignedRequestDoesNothing) {
  FileRequest forged = Make(FileOp::kMkdir, "forged");
  protocol::SignFileRequest(forged, *SigningKey::Generate());
  FileReply r1 = Send(forged);
  EXPECT_FALSE(r1.ok);
  EXPECT_EQ(r1.code, "forbidden");

  FileRequest altered = Make(FileOp::kMkdir, "innocent");
  protocol::SignFileRequest(altered, key_);
  altered.path = "altered";
  FileReply r2 = Send(altered);
  EXPECT_FALSE(r2.ok);
  EXPECT_EQ(r2.code, "forbidden");
  EXPECT_NE(r2.error.find("changed after it was signed"), std::string::npos) << r2.error;

  FileReply r3 = Send(Make(FileOp::kMkdir, "unsigned"));
  EXPECT_FALSE(r3.ok);
  EXPECT_EQ(r3.code, "forbidden");

  // Another account's home with alice's ids, signed: the ids are bound to the home's owner.
  FileRequest other = Make(FileOp::kDelete, "keep.txt");
  other.account = "bob";
  other.at_once = true;
  FileReply r4 = SendSigned(other);
  EXPECT_FALSE(r4.ok);
  EXPECT_EQ(r4.fields["account"], "home.not_owned");

  for (const char* name : {"forged", "innocent", "altered", "unsigned"}) {
    EXPECT_FALSE(Exists(alice_ + "/" + name)) << name;
  }
  EXPECT_EQ(Slurp(bob_ + "/keep.txt"), "bob");
}

TEST_F(FileRequestServerTest, AReplayedExpiredOrForeignNodeRequestDoesNothing) {
  ASSERT_TRUE(SendSigned(Make(FileOp::kMkdir, "once")).ok);
  FileRequest del = Make(FileOp::kDelete, "once");
  del.at_once = true;
  protocol::SignFileRequest(del, key_);
  ASSERT_TRUE(Send(del).ok);
  ASSERT_TRUE(SendSigned(Make(FileOp::kMkdir, "once")).ok);  // made again
  FileReply replay = Send(del);  // the same signed delete, captured and sent again
  EXPECT_FALSE(replay.ok);
  EXPECT_EQ(replay.code, "forbidden");
  EXPECT_NE(replay.error.find("replay"), std::string::npos) << replay.error;
  EXPECT_TRUE(Exists(alice_ + "/once"));

  FileRequest late = Make(FileOp::kMkdir, "late");
  protocol::SignFileRequest(late, key_);
  clock_.Advance(std::chrono::seconds(6));
  FileReply expired = Send(late);
  EXPECT_FALSE(expired.ok);
  EXPECT_NE(expired.error.find("expired"), std::string::npos) << expired.error;
  EXPECT_FALSE(Exists(alice_ + "/late"));

  FileRequest far = Make(FileOp::kMkdir, "far");
  far.expires_ms = clock_.NowMillis() + protocol::kFileRequestMaxTtlMs + 1000;
  FileReply too_far = SendSigned(far);
  EXPECT_FALSE(too_far.ok);
  EXPECT_FALSE(Exists(alice_ + "/far"));

  // Signed for web2, delivered to web1 (a relay that re-routes it).
  FileRequest foreign = Make(FileOp::kMkdir, "foreign");
  foreign.node = "web2";
  protocol::SignFileRequest(foreign, key_);
  auto raw = protocol::DecodeFileReply(server_->Handle(protocol::Encode(foreign)));
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->ok);
  EXPECT_NE(raw->error.find("not for web1"), std::string::npos) << raw->error;
  EXPECT_FALSE(Exists(alice_ + "/foreign"));

  auto junk = protocol::DecodeFileReply(server_->Handle("{\"node\": 1}"));
  ASSERT_TRUE(junk);
  EXPECT_FALSE(junk->ok);
  EXPECT_EQ(junk->code, "invalid");
}

TEST_F(FileRequestServerTest, PathsAreCheckedByTheAgentWithPreciseCodes) {
  FileRequest up = Make(FileOp::kWrite, "../bob/keep.txt");
  up.data = "owned";
  FileReply r = SendSigned(up);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.fields["path"], "path.dotdot");
  FileRequest mv = Make(FileOp::kMove, "x");
  mv.to = "/etc/passwd";
  FileReply r2 = SendSigned(mv);
  EXPECT_FALSE(r2.ok);
  EXPECT_EQ(r2.fields["to"], "path.absolute");
  EXPECT_EQ(Slurp(bob_ + "/keep.txt"), "bob");
}

}  // namespace
}  // namespace hostplane::agent::files

namespace hostplane::agent::files {
namespace {

TEST_F(FileRequestServerTest, CopyArchiveExtractAndEmptyTrashOverNats) {
  FileRequest w = Make(FileOp::kWrite, "index.php");
  w.data = "<?php echo 'hello';";
  ASSERT_TRUE(SendSigned(w).ok);

  FileRequest cp = Make(FileOp::kCopy, "index.php");
  cp.to = "copy.php";
  FileReply copied = SendSigned(cp);
  ASSERT_TRUE(copied.ok) << copied.code << ": " << copied.error;
  EXPECT_EQ(copied.total, 1);
  EXPECT_EQ(copied.size, 19);
  EXPECT_EQ(Slurp(alice_ + "/copy.php"), "<?php echo 'hello';");
  cp.nonce = RandomHex(16);
  FileReply again = SendSigned(cp);  // the target exists now: never overwritten unless asked
  ASSERT_FALSE(again.ok);
  EXPECT_EQ(again.fields["to"], "file.exists");

  FileRequest ar = Make(FileOp::kArchive, "");
  ar.paths = {"index.php", "copy.php"};
  ar.to = "site.tar.gz";
  FileReply archived = SendSigned(ar);
  ASSERT_TRUE(archived.ok) << archived.code << ": " << archived.error;
  EXPECT_EQ(archived.total, 2);

  FileRequest ex = Make(FileOp::kExtract, "site.tar.gz");
  ex.to = "restored";
  FileReply extracted = SendSigned(ex);
  ASSERT_TRUE(extracted.ok) << extracted.code << ": " << extracted.error;
  EXPECT_EQ(extracted.total, 2);
  EXPECT_EQ(Slurp(alice_ + "/restored/copy.php"), "<?php echo 'hello';");

  // An archive path altered after signing: refused, nothing written.
  FileRequest forged = Make(FileOp::kArchive, "");
  forged.paths = {"index.php"};
  forged.to = "x.zip";
  protocol::SignFileRequest(forged, key_);
  forged.paths = {"../bob/keep.txt"};
  FileReply refused = Send(forged);
  EXPECT_FALSE(refused.ok);
  EXPECT_FALSE(Exists(alice_ + "/x.zip"));

  FileRequest rm = Make(FileOp::kDelete, "copy.php");
  ASSERT_TRUE(SendSigned(rm).ok);
  FileReply emptied = SendSigned(Make(FileOp::kEmptyTrash, ""));
  ASSERT_TRUE(emptied.ok) << emptied.code << ": " << emptied.error;
  EXPECT_EQ(emptied.total, 1);
  EXPECT_TRUE(Exists(alice_ + "/.hp-trash"));
  EXPECT_TRUE(Exists(bob_ + "/keep.txt"));
}

}  // namespace
}  // namespace hostplane::agent::files
