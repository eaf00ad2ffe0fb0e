#include "cmd/up_data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.h"

namespace hostplane::cmd {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// A temporary tree: <base>/home (the user's folder, mode set per test) and <base>/lib (stands for
// /var/lib/hostplane/up), removed afterwards.
class UpDataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    char tmpl[] = "/tmp/hp-datadir.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ASSERT_EQ(::chmod(base_.c_str(), 0755), 0);
    home_ = base_ + "/home";
    lib_ = base_ + "/lib/up";
    fs::create_directories(home_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  void HomeMode(mode_t mode) { ASSERT_EQ(::chmod(home_.c_str(), mode), 0); }

  std::string base_, home_, lib_;
};

TEST_F(UpDataDirTest, ATraversableFolderKeepsTheDataInPlace) {
  HomeMode(0755);
  auto placed = PlaceUpDataDir(home_ + "/clone/var/", true, lib_);
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_EQ(placed->path, home_ + "/clone/var");
  EXPECT_EQ(placed->link, "");
  EXPECT_TRUE(fs::is_directory(placed->path));
  EXPECT_FALSE(fs::is_symlink(placed->path));
  EXPECT_EQ(ModeOf(placed->path), 0755u);
  EXPECT_FALSE(fs::exists(lib_));
}

TEST_F(UpDataDirTest, AFolderTheDaemonsCannotTraverseGetsALinkToATraversablePlace) {
  HomeMode(0700);
  const std::string requested = home_ + "/clone/var";
  auto placed = PlaceUpDataDir(requested, true, lib_);
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_EQ(placed->path, lib_ + "/" + UpInstanceName(requested));
  EXPECT_EQ(placed->link, requested);
  EXPECT_NE(placed->why.find(home_ + " is mode 0700"), std::string::npos) << placed->why;
  EXPECT_TRUE(fs::is_symlink(requested));
  EXPECT_EQ(fs::canonical(requested).string(), placed->path);
  EXPECT_EQ(ModeOf(placed->path), 0755u);
  EXPECT_EQ(ModeOf(home_), 0700u);  // nothing outside hostplane's data was opened up
  EXPECT_FALSE(FirstUntraversable(placed->path));

  // The next start follows the link to the same place.
  auto again = PlaceUpDataDir(requested, true, lib_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->path, placed->path);
  EXPECT_EQ(again->link, requested);
}

TEST_F(UpDataDirTest, AnEmptyDirectoryOutOfReachIsReplacedByTheLink) {
  HomeMode(0700);
  const std::string requested = home_ + "/var";
  fs::create_directories(requested);
  auto placed = PlaceUpDataDir(requested, true, lib_);
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_TRUE(fs::is_symlink(requested));
  EXPECT_EQ(placed->link, requested);
}

TEST_F(UpDataDirTest, DataOutOfReachIsRefusedWithTheCommandsThatMoveIt) {
  HomeMode(0700);
  const std::string requested = home_ + "/var";
  fs::create_directories(requested);
  std::ofstream(requested + "/store.db") << "data";
  auto placed = PlaceUpDataDir(requested, true, lib_);
  ASSERT_FALSE(placed);
  EXPECT_EQ(placed.error().code, ErrorCode::kConflict);
  const std::string target = lib_ + "/" + UpInstanceName(requested);
  EXPECT_NE(placed.error().message.find("mv " + requested + " " + target), std::string::npos)
      << placed.error().message;
  EXPECT_NE(placed.error().message.find("ln -s " + target + " " + requested), std::string::npos);
  EXPECT_FALSE(fs::is_symlink(requested));  // nothing moved
  EXPECT_TRUE(fs::exists(requested + "/store.db"));
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(UpDataDirTest, EarlierDataWithoutItsLinkIsNeitherReusedNorOverwritten) {
  HomeMode(0700);
  const std::string requested = home_ + "/var";
  auto placed = PlaceUpDataDir(requested, true, lib_);
  ASSERT_TRUE(placed) << placed.error().message;
  std::ofstream(placed->path + "/store.db") << "data";
  fs::remove(requested);  // the link only
  auto again = PlaceUpDataDir(requested, true, lib_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_NE(again.error().message.find("ln -s " + placed->path + " " + requested),
            std::string::npos)
      << again.error().message;
  EXPECT_NE(again.error().message.find("rm -rf " + placed->path), std::string::npos);
  EXPECT_FALSE(fs::exists(requested));
  EXPECT_TRUE(fs::exists(placed->path + "/store.db"));
}

TEST_F(UpDataDirTest, ALinkToNothingIsRefused) {
  HomeMode(0755);
  const std::string requested = home_ + "/var";
  fs::create_directory_symlink(base_ + "/gone", requested);
  auto placed = PlaceUpDataDir(requested, true, lib_);
  ASSERT_FALSE(placed);
  EXPECT_EQ(placed.error().code, ErrorCode::kConflict);
  EXPECT_NE(placed.error().message.find("rm " + requested), std::string::npos);
}

TEST_F(UpDataDirTest, WithoutRootEveryDaemonRunsAsUsAndTheDataStaysInPlace) {
  HomeMode(0700);
  auto placed = PlaceUpDataDir(home_ + "/var", false, lib_);
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_EQ(placed->path, home_ + "/var");
  EXPECT_EQ(placed->link, "");
  EXPECT_FALSE(fs::exists(lib_));
}

TEST_F(UpDataDirTest, FirstUntraversableNamesTheFirstClosedDirectory) {
  HomeMode(0700);
  fs::create_directories(home_ + "/a/b");
  auto blocked = FirstUntraversable(home_ + "/a/b");
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->dir, home_);
  EXPECT_EQ(blocked->mode & 07777, 0700u);
  HomeMode(0711);  // traversable without being readable is enough
  EXPECT_FALSE(FirstUntraversable(home_ + "/a/b"));
  EXPECT_FALSE(FirstUntraversable(home_ + "/a/not-yet/c"));
}

TEST(UpInstanceNameTest, ReadableShortAndDistinctPerPath) {
  ASSERT_TRUE(InitCrypto());
  std::string name = UpInstanceName("/root/try-readme/var");
  EXPECT_EQ(name.rfind("try-readme-var-", 0), 0u) << name;
  EXPECT_EQ(name.size(), std::string("try-readme-var-").size() + 8);
  EXPECT_EQ(name, UpInstanceName("/root/try-readme/var"));
  EXPECT_NE(name, UpInstanceName("/home/x/try-readme/var"));
  std::string odd = UpInstanceName("/srv/My Clone_with.A-very-long-name-indeed/DATA");
  EXPECT_EQ(odd.rfind("my-clone-with-a-very-lon-", 0), 0u) << odd;
  for (char c : odd) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
}

}  // namespace
}  // namespace hostplane::cmd
