#include "agent/files/copy_tree.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "agent/files/account_files.h"
#include "agent/files/testing/test_home.h"

namespace hostplane::agent::files {
namespace {

using testing::CodeOf;
using testing::Dir;
using testing::Exists;
using testing::kAlice;
using testing::kBob;
using testing::Put;
using testing::Slurp;

class FileCopierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(homes_.root_fd, 0);
    auto h = files_.OpenHome(homes_.root_fd, "home/alice", {kAlice, kAlice});
    ASSERT_TRUE(h) << h.error().message;
    home_ = std::move(*h);
    site_ = homes_.alice + "/site";
    Dir(site_, kAlice, 0750);
    Dir(site_ + "/css", kAlice, 0755);
    std::string binary;
    for (int i = 0; i < 3'000'000; ++i) binary += static_cast<char>(i * 31 % 251);
    Put(site_ + "/index.php", "<?php echo 'hi';", kAlice, 0640);
    Put(site_ + "/css/big.bin", binary, kAlice, 0600);
  }

  testing::TestHomes homes_;
  PosixFileOs os_;
  AccountFiles files_{os_, FileLimits{}};
  FileCopier copier_{os_, FileLimits{}};
  AccountHome home_;
  std::string site_;
};

TEST_F(FileCopierTest, ATreeIsCopiedByteExactOwnedByTheAccountWithItsModes) {
  auto r = copier_.Copy(home_, {"site", "public_html/site-copy", false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->entries, 4);
  EXPECT_EQ(r->bytes, 3'000'000 + 16);
  const std::string to = homes_.alice + "/public_html/site-copy";
  EXPECT_EQ(Slurp(to + "/css/big.bin"), Slurp(site_ + "/css/big.bin"));
  EXPECT_EQ(Slurp(to + "/index.php"), "<?php echo 'hi';");
  struct stat st {};
  ASSERT_EQ(::stat((to + "/index.php").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAlice);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_EQ(::stat(to.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  EXPECT_FALSE(Exists(homes_.alice + "/public_html/.site-copy.hp-copy"));
}

TEST_F(FileCopierTest, AnExistingTargetIsKeptUnlessOverwriteIsAsked) {
  Put(homes_.alice + "/public_html/index.php", "old", kAlice, 0644);
  auto r = copier_.Copy(home_, {"site/index.php", "public_html/index.php", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "file.exists");
  EXPECT_EQ(Slurp(homes_.alice + "/public_html/index.php"), "old");
  ASSERT_TRUE(copier_.Copy(home_, {"site/index.php", "public_html/index.php", true}));
  EXPECT_EQ(Slurp(homes_.alice + "/public_html/index.php"), "<?php echo 'hi';");
  // A folder over a folder that is not empty: refused even when asked.
  auto tree = copier_.Copy(home_, {"site", "public_html", true});
  ASSERT_FALSE(tree);
  EXPECT_EQ(CodeOf(tree.error()), "file.exists");
}

TEST_F(FileCopierTest, ASymlinkInTheTreeRefusesTheCopyAndNothingIsLeftBehind) {
  ASSERT_EQ(::symlink((homes_.bob + "/secret.txt").c_str(), (site_ + "/css/zz-link").c_str()), 0);
  ASSERT_EQ(::lchown((site_ + "/css/zz-link").c_str(), kAlice, kAlice), 0);
  auto r = copier_.Copy(home_, {"site", "copy", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "path.symlink");
  EXPECT_FALSE(Exists(homes_.alice + "/copy"));
  EXPECT_FALSE(Exists(homes_.alice + "/.copy.hp-copy"));
  // The link itself as the source: refused too, its target never read.
  auto link = copier_.Copy(home_, {"site/css/zz-link", "stolen.txt", false});
  ASSERT_FALSE(link);
  EXPECT_EQ(CodeOf(link.error()), "path.symlink");
  EXPECT_FALSE(Exists(homes_.alice + "/stolen.txt"));
}

TEST_F(FileCopierTest, AnotherTenantsFilesAreNeverReached) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"../bob/secret.txt", "x"},
                                 {"/etc/passwd", "x"},
                                 {"site/index.php", "../bob/x"}}) {
    auto r = copier_.Copy(home_, {from, to, false});
    ASSERT_FALSE(r) << from << " -> " << to;
    EXPECT_TRUE(CodeOf(r.error()) == "path.dotdot" || CodeOf(r.error()) == "path.absolute")
        << CodeOf(r.error());
  }
  // A hard link to bob's file planted in alice's home: refused, not copied.
  ASSERT_EQ(::link((homes_.bob + "/secret.txt").c_str(), (site_ + "/hard").c_str()), 0);
  auto hard = copier_.Copy(home_, {"site/hard", "mine.txt", false});
  ASSERT_FALSE(hard);
  EXPECT_EQ(CodeOf(hard.error()), "file.foreign_link");
  EXPECT_FALSE(Exists(homes_.alice + "/mine.txt"));
  EXPECT_FALSE(Exists(homes_.bob + "/x"));
}

TEST_F(FileCopierTest, ACopyIntoItselfIsRefused) {
  auto r = copier_.Copy(home_, {"site", "site/css/again", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "copy.into_itself");
  EXPECT_FALSE(Exists(site_ + "/css/again"));
}

TEST_F(FileCopierTest, ACopyOverTheByteBoundStopsAndRemovesWhatItWrote) {
  FileLimits small;
  small.max_copy_bytes = 1'000'000;
  FileCopier bounded(os_, small);
  auto r = bounded.Copy(home_, {"site", "copy", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "limit.copy");
  EXPECT_FALSE(Exists(homes_.alice + "/copy"));
  EXPECT_FALSE(Exists(homes_.alice + "/.copy.hp-copy"));
}

TEST_F(FileCopierTest, TheCopyRunsAsTheAccountSoItCannotWriteWhereTheAccountMayNot) {
  Dir(homes_.alice + "/locked", kBob, 0755);  // a folder of someone else's in the home
  auto r = copier_.Copy(home_, {"site/index.php", "locked/index.php", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "file.permission");
  EXPECT_FALSE(Exists(homes_.alice + "/locked/index.php"));
}

}  // namespace
}  // namespace hostplane::agent::files
