#include "common/fs/filesystem.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/failpoint.h"

namespace hostplane {
namespace {

namespace stdfs = std::filesystem;

class PosixFilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hpfs.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs_ = std::make_unique<PosixFilesystem>(root_);
  }
  void TearDown() override { stdfs::remove_all(root_); }

  std::string Slurp(const std::string& rel) {
    std::ifstream in(root_ + "/" + rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Put(const std::string& rel, const std::string& content) {
    stdfs::create_directories(stdfs::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel, std::ios::binary) << content;
  }
  FileOwner Me() const { return {::getuid(), ::getgid()}; }

  std::string root_;
  std::unique_ptr<PosixFilesystem> fs_;
};

TEST_F(PosixFilesystemTest, HostPathJoinsRoot) {
  EXPECT_EQ(fs_->HostPath("etc/x.conf"), root_ + "/etc/x.conf");
  EXPECT_EQ(fs_->HostPath("/etc/x.conf"), root_ + "/etc/x.conf");
  EXPECT_EQ(PosixFilesystem("/").HostPath("etc/x"), "/etc/x");
  EXPECT_EQ(PosixFilesystem("/srv/").HostPath("a"), "/srv/a");
}

TEST_F(PosixFilesystemTest, WriteFileAtomicReplacesAndLeavesNoTemp) {
  ASSERT_TRUE(fs_->WriteFileAtomic("etc/sites/a.conf", "one\n", 0640));
  EXPECT_EQ(Slurp("etc/sites/a.conf"), "one\n");
  ASSERT_TRUE(fs_->WriteFileAtomic("etc/sites/a.conf", "two\n", 0644));
  EXPECT_EQ(Slurp("etc/sites/a.conf"), "two\n");
  auto names = fs_->ListDir("etc/sites");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"a.conf"});
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/etc/sites/a.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

// A failure between the durable temporary file and the rename leaves the old file and no temp.
TEST_F(PosixFilesystemTest, AFailureBeforeTheRenameKeepsTheOldFile) {
  ASSERT_TRUE(fs_->WriteFileAtomic("etc/a.conf", "old\n", 0644));
  failpoint::Enable("fs.write_atomic.before_rename", failpoint::Action::kError);
  auto s = fs_->WriteFileAtomic("etc/a.conf", "new\n", 0644);
  failpoint::DisableAll();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "failpoint fs.write_atomic.before_rename");
  EXPECT_EQ(Slurp("etc/a.conf"), "old\n");
  EXPECT_EQ(*fs_->ListDir("etc"), std::vector<std::string>{"a.conf"});
}

// A batch that fails after its first rename: that file is new, the others old, no temp is left.
TEST_F(PosixFilesystemTest, ABatchFailingAfterARenameLeavesEachFileOldOrNew) {
  Put("etc/a.conf", "old a\n");
  Put("etc/b.conf", "old b\n");
  failpoint::Enable("fs.apply_files.after_rename", failpoint::Action::kError);
  const std::vector<FileWrite> writes = {{"etc/a.conf", std::string("new a\n"), 0644},
                                         {"etc/b.conf", std::string("new b\n"), 0644},
                                         {"etc/c.conf", std::string("new c\n"), 0644}};
  auto s = fs_->ApplyFiles(writes, {});
  EXPECT_EQ(failpoint::Hits("fs.apply_files.after_rename"), 1);
  failpoint::DisableAll();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(Slurp("etc/a.conf"), "new a\n");
  EXPECT_EQ(Slurp("etc/b.conf"), "old b\n");
  EXPECT_EQ(*fs_->ListDir("etc"), (std::vector<std::string>{"a.conf", "b.conf"}));
}

// Every failpoint of the atomic-write path (P3, P11 of shared/SECURITY.md).
const std::vector<std::string> kWriteAtomicPoints = {
    "fs.write_atomic.after_write", "fs.write_atomic.after_fsync", "fs.write_atomic.before_rename",
    "fs.write_atomic.after_rename", "fs.write_atomic.after_dir_fsync"};
const std::vector<std::string> kApplyFilesPoints = {
    "fs.apply_files.after_write", "fs.apply_files.after_sync", "fs.apply_files.after_rename",
    "fs.apply_files.after_dir_fsync"};

// A full disk at each step: the call fails with the OS's words, each file is its old or its new
// content, and no temporary file is left.
TEST_F(PosixFilesystemTest, AFullDiskAtAnyStepFailsLoudlyAndLeavesOldOrNew) {
  for (const auto& point : kWriteAtomicPoints) {
    SCOPED_TRACE(point);
    Put("etc/a.conf", "old\n");
    ASSERT_TRUE(failpoint::Configure(point + "=error(enospc)"));
    auto s = fs_->WriteFileAtomic("etc/a.conf", "new\n", 0644);
    failpoint::DisableAll();
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, ErrorCode::kIo);
    EXPECT_NE(s.error().message.find("No space left on device"), std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find(point), std::string::npos) << s.error().message;
    const std::string now = Slurp("etc/a.conf");
    EXPECT_TRUE(now == "old\n" || now == "new\n") << now;
    EXPECT_EQ(*fs_->ListDir("etc"), std::vector<std::string>{"a.conf"});
  }
  for (const auto& point : kApplyFilesPoints) {
    SCOPED_TRACE(point);
    Put("etc/a.conf", "old a\n");
    Put("etc/b.conf", "old b\n");
    ASSERT_TRUE(failpoint::Configure(point + "=error(eio)"));
    auto s = fs_->ApplyFiles({{"etc/a.conf", std::string("new a\n"), 0644},
                              {"etc/b.conf", std::string("new b\n"), 0644}},
                             {});
    failpoint::DisableAll();
    ASSERT_FALSE(s.has_value());
    EXPECT_NE(s.error().message.find("Input/output error"), std::string::npos) << s.error().message;
    for (const char* f : {"a", "b"}) {
      const std::string now = Slurp(std::string("etc/") + f + ".conf");
      EXPECT_TRUE(now == std::string("old ") + f + "\n" || now == std::string("new ") + f + "\n")
          << now;
    }
    EXPECT_EQ(*fs_->ListDir("etc"), (std::vector<std::string>{"a.conf", "b.conf"}));
  }
}

// kill -9 at each step, in a child process: afterwards each file is old or new (never torn or
// empty), and the only debris is ".*.tmp" files that RemoveTempDebris takes away.
TEST_F(PosixFilesystemTest, ACrashAtAnyStepLeavesOldOrNewAndOnlyRemovableDebris) {
  std::vector<std::string> points = kWriteAtomicPoints;
  points.insert(points.end(), kApplyFilesPoints.begin(), kApplyFilesPoints.end());
  const std::string big_new(1 << 20, 'n');  // big enough that a torn write would show
  for (const auto& point : points) {
    SCOPED_TRACE(point);
    Put("etc/a.conf", "old a\n");
    Put("etc/b.conf", "old b\n");
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      (void)failpoint::Configure(point + "=crash");
      if (point.starts_with("fs.write_atomic.")) {
        (void)fs_->WriteFileAtomic("etc/a.conf", big_new, 0644);
      } else {
        (void)fs_->ApplyFiles(
            {{"etc/a.conf", big_new, 0644}, {"etc/b.conf", std::string("new b\n"), 0644}}, {});
      }
      ::_exit(0);  // the point was not reached: the parent fails the test
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "did not crash at it";
    const std::string a = Slurp("etc/a.conf");
    EXPECT_TRUE(a == "old a\n" || a == big_new) << "torn: " << a.size() << " bytes";
    const std::string b = Slurp("etc/b.conf");
    EXPECT_TRUE(b == "old b\n" || b == "new b\n") << b;
    ASSERT_TRUE(fs_->RemoveTempDebris("etc"));
    EXPECT_EQ(*fs_->ListDir("etc"), (std::vector<std::string>{"a.conf", "b.conf"}));
  }
}

TEST_F(PosixFilesystemTest, ReadMissingIsNullopt) {
  auto r = fs_->ReadFile("nope/x");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
  Put("x", "abc");
  r = fs_->ReadFile("x");
  ASSERT_TRUE(r);
  EXPECT_EQ(**r, "abc");
}

TEST_F(PosixFilesystemTest, WriteErrorCarriesPathAndReason) {
  Put("blocker", "file, not a dir");
  auto s = fs_->WriteFileAtomic("blocker/x.conf", "x", 0644);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("blocker"), std::string::npos);
  EXPECT_NE(s.error().message.find("Not a directory"), std::string::npos);
}

TEST_F(PosixFilesystemTest, RemoveTempDebrisRemovesOnlyTempFiles) {
  Put("sites/a.conf", "a");
  Put("sites/.a.conf.tmp", "half");
  Put("sites/.b.conf.tmp", "half");
  Put("sites/.hidden", "keep");
  auto n = fs_->RemoveTempDebris("sites");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  auto names = fs_->ListDir("sites");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{".hidden", "a.conf"}));
  auto none = fs_->RemoveTempDebris("missing");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}

TEST_F(PosixFilesystemTest, RemoveFileIsIdempotent) {
  Put("a", "x");
  ASSERT_TRUE(fs_->RemoveFile("a"));
  EXPECT_FALSE(fs_->Exists("a"));
  EXPECT_TRUE(fs_->RemoveFile("a"));
}

TEST_F(PosixFilesystemTest, MakeDirsBeneathCreatesAndOwns) {
  ASSERT_TRUE(fs_->MakeDirs("home", 0755));
  ASSERT_TRUE(fs_->MakeDirsBeneath("home", "alice/web/public", 0750, Me()));
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/home/alice/web/public").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_uid, ::getuid());
  // Again: nothing to do.
  EXPECT_TRUE(fs_->MakeDirsBeneath("home", "alice/web/public", 0750, Me()));
  auto empty = fs_->DirEmptyBeneath("home", "alice/web/public");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(*empty);
  ASSERT_TRUE(fs_->CreateFileBeneath("home", "alice/web/public/index.html", "hi", 0644, Me()));
  EXPECT_EQ(Slurp("home/alice/web/public/index.html"), "hi");
  // Exists already: left as it is.
  ASSERT_TRUE(fs_->CreateFileBeneath("home", "alice/web/public/index.html", "other", 0644, Me()));
  EXPECT_EQ(Slurp("home/alice/web/public/index.html"), "hi");
  empty = fs_->DirEmptyBeneath("home", "alice/web/public");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  empty = fs_->DirEmptyBeneath("home", "alice/missing");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
}

// A tenant replaces a directory of its tree with a symlink to something outside: every *Beneath
// operation must refuse it and leave the target untouched (SECURITY rule 4, P13).
TEST_F(PosixFilesystemTest, SymlinkInTenantPathIsRefused) {
  Put("outside/secret/keep.txt", "precious");
  ASSERT_TRUE(fs_->MakeDirs("home/alice", 0755));
  ASSERT_EQ(::symlink((root_ + "/outside/secret").c_str(), (root_ + "/home/alice/web").c_str()), 0);
  ASSERT_EQ(::symlink("../../outside", (root_ + "/home/alice/rel").c_str()), 0);

  struct Case {
    std::string sub;
  };
  for (const Case& c : std::vector<Case>{{"alice/web"}, {"alice/web/public"}, {"alice/rel/x"}}) {
    SCOPED_TRACE(c.sub);
    auto mk = fs_->MakeDirsBeneath("home", c.sub + "/deeper", 0755, Me());
    ASSERT_FALSE(mk);
    EXPECT_EQ(mk.error().code, ErrorCode::kForbidden);
    EXPECT_FALSE(fs_->DirEmptyBeneath("home", c.sub));
    EXPECT_FALSE(fs_->CreateFileBeneath("home", c.sub + "/index.html", "pwned", 0644, Me()));
  }
  // Removing the tree removes the link itself, never what it points to.
  EXPECT_FALSE(fs_->RemoveTreeBeneath("home", "alice/web/keep.txt"));
  ASSERT_TRUE(fs_->RemoveTreeBeneath("home", "alice/web"));
  EXPECT_FALSE(fs_->Exists("home/alice/web"));
  EXPECT_EQ(Slurp("outside/secret/keep.txt"), "precious");
  auto esc = fs_->MakeDirsBeneath("home", "../outside/new", 0755, Me());
  ASSERT_FALSE(esc);
  EXPECT_FALSE(fs_->Exists("outside/new"));
}

// Removing a docroot that holds symlinks and hard links to files outside deletes the names only.
TEST_F(PosixFilesystemTest, RemoveTreeNeverFollowsLinks) {
  Put("outside/file.txt", "outside");
  Put("outside/dir/inner.txt", "inner");
  Put("home/alice/web/index.html", "site");
  Put("home/alice/web/sub/deep/a.txt", "a");
  std::string web = root_ + "/home/alice/web";
  ASSERT_EQ(::symlink((root_ + "/outside/dir").c_str(), (web + "/dirlink").c_str()), 0);
  ASSERT_EQ(::symlink((root_ + "/outside/file.txt").c_str(), (web + "/sub/filelink").c_str()), 0);
  ASSERT_EQ(::link((root_ + "/outside/file.txt").c_str(), (web + "/hard.txt").c_str()), 0);

  ASSERT_TRUE(fs_->RemoveTreeBeneath("home", "alice/web"));
  EXPECT_FALSE(fs_->Exists("home/alice/web"));
  EXPECT_TRUE(fs_->Exists("home/alice"));
  EXPECT_EQ(Slurp("outside/file.txt"), "outside");
  EXPECT_EQ(Slurp("outside/dir/inner.txt"), "inner");
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/outside/file.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  // Missing is not an error.
  EXPECT_TRUE(fs_->RemoveTreeBeneath("home", "alice/web"));
  EXPECT_TRUE(fs_->RemoveTreeBeneath("nohome", "alice/web"));
}

}  // namespace
}  // namespace hostplane
