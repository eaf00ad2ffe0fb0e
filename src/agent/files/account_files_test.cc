#include "agent/files/account_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>

#include "agent/files/testing/test_home.h"
#include "agent/testing/temp_root.h"

// Runs as root (as the agent does): homes are owned by uids that exist only as numbers, and the
// operations must behave as those uids, not as root.
namespace hostplane::agent::files {
namespace {

using testing::CodeOf;
using testing::Dir;
using testing::kAlice;
using testing::kBob;
using testing::Put;
using testing::Slurp;

ListRequest Listing(std::string path, int limit, int64_t offset = 0, SortKey sort = SortKey::kName,
                    bool descending = false) {
  ListRequest r;
  r.path = std::move(path);
  r.limit = limit;
  r.offset = offset;
  r.sort = sort;
  r.descending = descending;
  return r;
}

WriteRequest Chunk(std::string path, std::string data, int64_t offset = 0, bool last = true) {
  WriteRequest w;
  w.path = std::move(path);
  w.data = std::move(data);
  w.offset = offset;
  w.last = last;
  return w;
}

// A FileOs that fails chosen calls, for the error paths of the disk.
class FaultyOs final : public FileOs {
 public:
  int OpenBeneath(int d, const std::string& p, int f, mode_t m) override {
    return real.OpenBeneath(d, p, f, m);
  }
  int StatAt(int d, const std::string& n, struct stat* st) override {
    return real.StatAt(d, n, st);
  }
  int ReadDir(int d, std::vector<DirEntry>* out) override { return real.ReadDir(d, out); }
  ssize_t ReadAt(int fd, char* b, size_t n, off_t o) override { return real.ReadAt(fd, b, n, o); }
  ssize_t WriteAt(int fd, const char* b, size_t n, off_t o) override {
    if (write_errno != 0) return -write_errno;
    return real.WriteAt(fd, b, n, o);
  }
  int Fsync(int fd) override { return real.Fsync(fd); }
  int Fchmod(int fd, mode_t m) override { return real.Fchmod(fd, m); }
  int MkdirAt(int d, const std::string& n, mode_t m) override { return real.MkdirAt(d, n, m); }
  int RenameAt(int a, const std::string& b, int c, const std::string& d, unsigned f) override {
    return real.RenameAt(a, b, c, d, f);
  }
  int UnlinkAt(int d, const std::string& n, int f) override { return real.UnlinkAt(d, n, f); }
  int BecomeAccount(uid_t uid, gid_t gid) override {
    ++become_calls;
    return refuse_identity ? -EPERM : real.BecomeAccount(uid, gid);
  }

  PosixFileOs real;
  int write_errno = 0;
  bool refuse_identity = false;
  std::atomic<int> become_calls{0};
};

FileLimits Limits() {
  FileLimits l;
  l.max_chunk_bytes = 1024;
  l.max_page_entries = 50;
  return l;
}

class AccountFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    const std::string r = tmp_.path();
    ASSERT_EQ(::mkdir((r + "/home").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((r + "/etc").c_str(), 0755), 0);
    Put(r + "/etc/shadow", "root:SECRET-HASH\n", 0, 0600);
    Put(r + "/etc/passwd", "root:x:0:0\n", 0, 0644);
    Dir(alice_, kAlice, 0710);
    Dir(alice_ + "/public_html", kAlice, 0755);
    Dir(bob_, kBob, 0755);
    Put(bob_ + "/secret.txt", "bob's secret", kBob, 0644);
    root_fd_ = ::open(r.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_fd_, 0);
    auto h = files_.OpenHome(root_fd_, "home/alice", {kAlice, kAlice});
    ASSERT_TRUE(h) << h.error().message;
    home_ = std::move(*h);
  }
  void TearDown() override { ::close(root_fd_); }

  Result<WriteResult> WriteWhole(const std::string& path, const std::string& content) {
    WriteRequest w;
    w.path = path;
    w.data = content;
    return files_.Write(home_, w);
  }

  agent::testing::TempRoot tmp_;
  std::string alice_ = tmp_.path() + "/home/alice";
  std::string bob_ = tmp_.path() + "/home/bob";
  FaultyOs os_;
  AccountFiles files_{os_, Limits()};
  int root_fd_ = -1;
  AccountHome home_;
};

TEST_F(AccountFilesTest, AChunkedUploadAppearsWholeOwnedByTheAccountAndReadsBackByteExact) {
  std::string content;
  for (int i = 0; i < 3000; ++i) content += static_cast<char>(i * 7 % 256);
  WriteRequest w;
  w.path = "public_html/index.php";
  for (size_t off = 0; off < content.size(); off += 1024) {
    w.offset = static_cast<int64_t>(off);
    w.data = content.substr(off, 1024);
    w.last = off + 1024 >= content.size();
    auto r = files_.Write(home_, w);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->done, w.last);
    // Until the last chunk the target does not exist: nginx never serves half a file.
    struct stat st {};
    EXPECT_EQ(::stat((alice_ + "/public_html/index.php").c_str(), &st) == 0, w.last);
  }
  struct stat st {};
  ASSERT_EQ(::stat((alice_ + "/public_html/index.php").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAlice);
  EXPECT_EQ(st.st_gid, kAlice);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(Slurp(alice_ + "/public_html/index.php"), content);
  EXPECT_FALSE(std::ifstream(alice_ + "/public_html/.index.php.hp-part").good());

  std::string back;
  for (int64_t off = 0;;) {
    auto c = files_.Read(home_, {"public_html/index.php", off, 1024});
    ASSERT_TRUE(c) << c.error().message;
    back += c->data;
    off += static_cast<int64_t>(c->data.size());
    if (c->eof) break;
  }
  EXPECT_EQ(back, content);
}

TEST_F(AccountFilesTest, AChunkThatDoesNotFollowOnIsRefusedAndSaysWhereToResume) {
  WriteRequest w = Chunk("big.bin", "0123456789", 0, false);
  ASSERT_TRUE(files_.Write(home_, w));
  w.offset = 20;
  auto r = files_.Write(home_, w);
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "write.offset");
  EXPECT_NE(r.error().message.find("10 bytes"), std::string::npos);
  w.offset = 5;
  w.data = "x";
  auto never = files_.Write(home_, Chunk("other.bin", "x", 5));
  ASSERT_FALSE(never);
  EXPECT_EQ(CodeOf(never.error()), "write.offset");
}

TEST_F(AccountFilesTest, AnEditWithAStaleMtimeIsRefusedAndTheFileKeepsTheOtherSave) {
  auto first = WriteWhole("public_html/a.php", "<?php echo 1;");
  ASSERT_TRUE(first);
  ASSERT_EQ(::chmod((alice_ + "/public_html/a.php").c_str(), 0640), 0);
  auto seen = files_.Read(home_, {"public_html/a.php", 0, 100});
  ASSERT_TRUE(seen);
  WriteRequest edit = Chunk("public_html/a.php", "<?php echo 2;");
  edit.if_mtime_ns = seen->mtime_ns;
  auto ok = files_.Write(home_, edit);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(Slurp(alice_ + "/public_html/a.php"), "<?php echo 2;");
  struct stat st {};
  ASSERT_EQ(::stat((alice_ + "/public_html/a.php").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "a replaced file keeps its permissions";

  edit.data = "<?php echo 3;";  // the same, now stale, mtime
  auto stale = files_.Write(home_, edit);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(stale.error()), "file.changed");
  EXPECT_EQ(Slurp(alice_ + "/public_html/a.php"), "<?php echo 2;");

  auto excl = files_.Write(home_, [] {
    WriteRequest w = Chunk("public_html/a.php", "x");
    w.exclusive = true;
    return w;
  }());
  ASSERT_FALSE(excl);
  EXPECT_EQ(CodeOf(excl.error()), "file.exists");
}

TEST_F(AccountFilesTest, ListingIsSortedPagedAndShowsOthersFilesAsForeign) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(WriteWhole("f" + std::to_string(100 + i), std::string(i + 1, 'x')));
  }
  auto page = files_.List(home_, Listing("", 3, 10));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 13);  // 12 files and public_html
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_EQ(page->entries[0].name, "f110");
  EXPECT_EQ(page->entries[1].name, "f111");
  EXPECT_EQ(page->entries[2].name, "public_html");
  EXPECT_EQ(page->entries[2].type, EntryType::kDirectory);

  auto big = files_.List(home_, Listing("", 2, 0, SortKey::kSize, true));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->entries[0].name, "f111");
  EXPECT_EQ(big->entries[0].size, 12);

  Put(alice_ + "/rootfile", "r", 0, 0644);
  auto all = files_.List(home_, Listing("", 50));
  ASSERT_TRUE(all);
  bool found = false;
  for (const auto& e : all->entries) {
    if (e.name != "rootfile") continue;
    found = true;
    EXPECT_EQ(e.type, EntryType::kForeign);
    EXPECT_EQ(e.size, 0);
    EXPECT_EQ(e.mtime_ns, 0);
  }
  EXPECT_TRUE(found);

  auto too_many = files_.List(home_, Listing("", 51));
  ASSERT_FALSE(too_many);
  EXPECT_EQ(CodeOf(too_many.error()), "limit.page");
}

TEST_F(AccountFilesTest, SymlinksPlantedInTheHomeAreListedAsLinksAndNeverFollowed) {
  ASSERT_EQ(::symlink((bob_ + "/secret.txt").c_str(), (alice_ + "/to-bob").c_str()), 0);
  ASSERT_EQ(::symlink((tmp_.path() + "/etc").c_str(), (alice_ + "/etc").c_str()), 0);
  ASSERT_EQ(::symlink("../bob", (alice_ + "/up").c_str()), 0);
  ASSERT_EQ(::lchown((alice_ + "/to-bob").c_str(), kAlice, kAlice), 0);
  ASSERT_EQ(::lchown((alice_ + "/etc").c_str(), kAlice, kAlice), 0);
  ASSERT_EQ(::lchown((alice_ + "/up").c_str(), kAlice, kAlice), 0);

  auto list = files_.List(home_, Listing("", 50));
  ASSERT_TRUE(list);
  for (const auto& e : list->entries) {
    if (e.name == "to-bob" || e.name == "etc" || e.name == "up") {
      EXPECT_EQ(e.type, EntryType::kSymlink) << e.name;
      EXPECT_NE(e.size, 12) << "the size of the link's target leaked";
    }
  }
  for (const char* p : {"to-bob", "etc/shadow", "etc/passwd", "up/secret.txt"}) {
    auto r = files_.Read(home_, {p, 0, 100});
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(CodeOf(r.error()), "path.symlink") << p;
  }
  auto l = files_.List(home_, Listing("etc", 10));
  ASSERT_FALSE(l);
  EXPECT_EQ(CodeOf(l.error()), "path.symlink");
  // Writing through the link neither replaces the target nor creates beside it.
  auto w = WriteWhole("etc/passwd", "owned");
  ASSERT_FALSE(w);
  EXPECT_EQ(CodeOf(w.error()), "path.symlink");
  auto w2 = WriteWhole("up/secret.txt", "owned");
  ASSERT_FALSE(w2);
  auto c = files_.Chmod(home_, "to-bob", 0777);
  ASSERT_FALSE(c);
  EXPECT_EQ(CodeOf(c.error()), "path.symlink");
  auto m = files_.Move(home_, "public_html", "etc/x");
  ASSERT_FALSE(m);
  EXPECT_EQ(CodeOf(m.error()), "path.symlink");
  auto mk = files_.Mkdir(home_, "up/newdir");
  ASSERT_FALSE(mk);
  // Replacing the link itself by an upload replaces the link, not its target.
  auto over = WriteWhole("to-bob", "mine");
  ASSERT_FALSE(over);
  EXPECT_EQ(CodeOf(over.error()), "file.not_regular");
  // Deleting the link deletes the link.
  ASSERT_TRUE(files_.Delete(home_, "etc", true));

  EXPECT_EQ(Slurp(bob_ + "/secret.txt"), "bob's secret");
  EXPECT_EQ(Slurp(tmp_.path() + "/etc/passwd"), "root:x:0:0\n");
  EXPECT_EQ(Slurp(tmp_.path() + "/etc/shadow"), "root:SECRET-HASH\n");
  struct stat st {};
  ASSERT_EQ(::stat((bob_ + "/secret.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(::stat((tmp_.path() + "/etc").c_str(), &st), 0);
  EXPECT_NE(::access((bob_ + "/newdir").c_str(), F_OK), 0);
}

TEST_F(AccountFilesTest, HardLinksToOthersFilesAreRefused) {
  ASSERT_EQ(::link((bob_ + "/secret.txt").c_str(), (alice_ + "/bob-link").c_str()), 0);
  ASSERT_EQ(::link((tmp_.path() + "/etc/passwd").c_str(), (alice_ + "/passwd-link").c_str()), 0);
  for (const char* p : {"bob-link", "passwd-link"}) {
    auto r = files_.Read(home_, {p, 0, 100});
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(CodeOf(r.error()), "file.foreign_link") << p;
    auto w = WriteWhole(p, "owned");
    ASSERT_FALSE(w) << p;
    EXPECT_EQ(CodeOf(w.error()), "file.foreign_link") << p;
    auto c = files_.Chmod(home_, p, 0666);
    ASSERT_FALSE(c) << p;
    auto m = files_.Move(home_, p, std::string("public_html/") + p);
    ASSERT_FALSE(m) << p;
    EXPECT_EQ(CodeOf(m.error()), "file.foreign_link") << p;
  }
  auto list = files_.List(home_, Listing("", 50));
  ASSERT_TRUE(list);
  for (const auto& e : list->entries) {
    if (e.name == "bob-link" || e.name == "passwd-link") {
      EXPECT_EQ(e.type, EntryType::kForeign) << e.name;
      EXPECT_EQ(e.size, 0) << e.name;
    }
  }
  EXPECT_EQ(Slurp(bob_ + "/secret.txt"), "bob's secret");
  EXPECT_EQ(Slurp(tmp_.path() + "/etc/passwd"), "root:x:0:0\n");
  struct stat st {};
  ASSERT_EQ(::stat((tmp_.path() + "/etc/passwd").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(AccountFilesTest, TheWorkIsDoneAsTheAccountNotAsRoot) {
  // A folder of root's inside the home: root could write there, the account cannot.
  Dir(alice_ + "/rootdir", 0, 0755);
  auto w = WriteWhole("rootdir/x.php", "x");
  ASSERT_FALSE(w);
  EXPECT_EQ(CodeOf(w.error()), "file.permission");
  EXPECT_NE(::access((alice_ + "/rootdir/.x.php.hp-part").c_str(), F_OK), 0);
  // A file of root's that the account may not read (root could).
  Put(alice_ + "/private", "root only", 0, 0600);
  auto r = files_.Read(home_, {"private", 0, 100});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "file.permission");
  auto c = files_.Chmod(home_, "rootdir", 0777);
  ASSERT_FALSE(c);
  EXPECT_EQ(CodeOf(c.error()), "file.foreign");
  EXPECT_GT(os_.become_calls.load(), 0);

  os_.refuse_identity = true;
  auto refused = files_.List(home_, Listing("", 10));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);

  auto as_root = files_.OpenHome(root_fd_, "home/alice", {0, 0});
  ASSERT_FALSE(as_root);  // the home is alice's, not root's
  AccountHome root_home{Fd(::open(alice_.c_str(), O_RDONLY | O_DIRECTORY)), {0, 0}};
  os_.refuse_identity = false;
  auto never_root = files_.List(root_home, Listing("", 10));
  ASSERT_FALSE(never_root);
  EXPECT_EQ(never_root.error().code, ErrorCode::kForbidden);
}

TEST_F(AccountFilesTest, AHomeThatIsALinkOrSomeoneElsesIsNotOpened) {
  ASSERT_EQ(::symlink("bob", (tmp_.path() + "/home/carol").c_str()), 0);
  auto link = files_.OpenHome(root_fd_, "home/carol", {kAlice, kAlice});
  ASSERT_FALSE(link);
  EXPECT_EQ(CodeOf(link.error()), "home.symlink");
  auto other = files_.OpenHome(root_fd_, "home/bob", {kAlice, kAlice});
  ASSERT_FALSE(other);
  EXPECT_EQ(CodeOf(other.error()), "home.not_owned");
  auto none = files_.OpenHome(root_fd_, "home/dave", {kAlice, kAlice});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST_F(AccountFilesTest, DotDotAndAbsolutePathsAreRefusedInEveryField) {
  for (const std::string bad : {"../bob/secret.txt", "/etc/passwd", "public_html/../../bob"}) {
    auto l = files_.List(home_, Listing(bad, 10));
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().fields.count("path"), 1u);
    auto r = files_.Read(home_, {bad, 0, 10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().fields.count("path"), 1u);
    auto w = WriteWhole(bad, "x");
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().fields.count("path"), 1u);
    auto mk = files_.Mkdir(home_, bad);
    ASSERT_FALSE(mk);
    auto m1 = files_.Move(home_, bad, "x");
    ASSERT_FALSE(m1);
    EXPECT_EQ(m1.error().fields.count("from"), 1u);
    auto m2 = files_.Move(home_, "public_html", bad);
    ASSERT_FALSE(m2);
    EXPECT_EQ(m2.error().fields.count("to"), 1u);
    auto d = files_.Delete(home_, bad, true);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().fields.count("path"), 1u);
    auto c = files_.Chmod(home_, bad, 0644);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().fields.count("path"), 1u);
  }
  EXPECT_EQ(os_.become_calls.load(), 0) << "a refused path reached the OS";
  EXPECT_EQ(Slurp(bob_ + "/secret.txt"), "bob's secret");
  struct stat st {};
  EXPECT_EQ(::stat((alice_ + "/public_html").c_str(), &st), 0);
}

TEST_F(AccountFilesTest, MkdirMoveChmodAndDeleteToTheTrashOrAtOnce) {
  ASSERT_TRUE(files_.Mkdir(home_, "public_html/img"));
  ASSERT_TRUE(WriteWhole("public_html/img/a.png", "png"));
  ASSERT_TRUE(files_.Move(home_, "public_html/img", "public_html/images"));
  EXPECT_EQ(Slurp(alice_ + "/public_html/images/a.png"), "png");
  auto into = files_.Move(home_, "public_html", "public_html/images/p");
  ASSERT_FALSE(into);
  EXPECT_EQ(CodeOf(into.error()), "move.into_itself");
  ASSERT_TRUE(WriteWhole("b.txt", "b"));
  auto taken = files_.Move(home_, "b.txt", "public_html/images/a.png");
  ASSERT_FALSE(taken);
  EXPECT_EQ(CodeOf(taken.error()), "file.exists");

  ASSERT_TRUE(files_.Chmod(home_, "b.txt", 0600));
  struct stat st {};
  ASSERT_EQ(::stat((alice_ + "/b.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto suid = files_.Chmod(home_, "b.txt", 04755);
  ASSERT_FALSE(suid);
  EXPECT_EQ(CodeOf(suid.error()), "mode.special");

  auto trashed = files_.Delete(home_, "public_html/images", false);
  ASSERT_TRUE(trashed) << trashed.error().message;
  EXPECT_NE(trashed->find("-images"), std::string::npos);
  EXPECT_EQ(Slurp(alice_ + "/.hp-trash/" + *trashed + "/a.png"), "png");
  ASSERT_EQ(::stat((alice_ + "/.hp-trash").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAlice);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  ASSERT_TRUE(files_.Delete(home_, std::string(kTrashDir) + "/" + *trashed, false));
  EXPECT_NE(::access((alice_ + "/.hp-trash/" + *trashed).c_str(), F_OK), 0);

  ASSERT_TRUE(files_.Mkdir(home_, "tree"));
  ASSERT_TRUE(files_.Mkdir(home_, "tree/a"));
  ASSERT_TRUE(WriteWhole("tree/a/f", "f"));
  ASSERT_EQ(::symlink((bob_).c_str(), (alice_ + "/tree/a/bob").c_str()), 0);
  auto gone = files_.Delete(home_, "tree", true);
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_EQ(*gone, "");
  EXPECT_NE(::access((alice_ + "/tree").c_str(), F_OK), 0);
  EXPECT_EQ(Slurp(bob_ + "/secret.txt"), "bob's secret") << "the link's target was kept";
}

TEST_F(AccountFilesTest, ATrashThatIsALinkIsNotUsed) {
  ASSERT_EQ(::symlink(bob_.c_str(), (alice_ + "/.hp-trash").c_str()), 0);
  ASSERT_TRUE(WriteWhole("x", "x"));
  auto d = files_.Delete(home_, "x", false);
  ASSERT_FALSE(d);
  EXPECT_EQ(CodeOf(d.error()), "trash.unusable");
  EXPECT_EQ(Slurp(alice_ + "/x"), "x");
}

TEST_F(AccountFilesTest, ADiskErrorFailsTheWriteAndLeavesTheOldFile) {
  ASSERT_TRUE(WriteWhole("keep.php", "old"));
  os_.write_errno = ENOSPC;
  auto w = WriteWhole("keep.php", "new");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kLimit);
  EXPECT_EQ(CodeOf(w.error()), "file.no_space");
  EXPECT_EQ(Slurp(alice_ + "/keep.php"), "old");
  os_.write_errno = EIO;
  auto io = WriteWhole("keep.php", "new");
  ASSERT_FALSE(io);
  EXPECT_EQ(io.error().code, ErrorCode::kIo);
  EXPECT_EQ(Slurp(alice_ + "/keep.php"), "old");
}

TEST_F(AccountFilesTest, ChunkSizesAreBounded) {
  auto w = WriteWhole("big", std::string(1025, 'x'));
  ASSERT_FALSE(w);
  EXPECT_EQ(CodeOf(w.error()), "limit.chunk");
  ASSERT_TRUE(WriteWhole("small", "x"));
  auto r = files_.Read(home_, {"small", 0, 1025});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "limit.chunk");
}

TEST_F(AccountFilesTest, AFifoIsNotReadAndDoesNotHang) {
  ASSERT_EQ(::mkfifo((alice_ + "/fifo").c_str(), 0644), 0);
  ASSERT_EQ(::chown((alice_ + "/fifo").c_str(), kAlice, kAlice), 0);
  auto r = files_.Read(home_, {"fifo", 0, 10});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "file.not_regular");
}

}  // namespace
}  // namespace hostplane::agent::files
