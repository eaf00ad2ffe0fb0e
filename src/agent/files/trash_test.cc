#include "agent/files/trash.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "agent/files/account_files.h"
#include "agent/files/testing/test_home.h"
#include "agent/files/trash_sweeper.h"

namespace hostplane::agent::files {
namespace {

using testing::CodeOf;
using testing::Dir;
using testing::Exists;
using testing::kAlice;
using testing::kBob;
using testing::Put;

constexpr int64_t kDay = int64_t{86'400} * 1'000'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class TrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(homes_.root_fd, 0);
    auto h = files_.OpenHome(homes_.root_fd, "home/alice", {kAlice, kAlice});
    ASSERT_TRUE(h) << h.error().message;
    home_ = std::move(*h);
    trash_ = homes_.alice + "/" + kTrashDir;
  }

  // An entry as Delete leaves it, trashed `days` ago: a folder with a file in it.
  std::string Trashed(int64_t days, const std::string& name) {
    const std::string entry = std::to_string(NowNs() - days * kDay) + "-" + name;
    if (!Exists(trash_)) Dir(trash_, kAlice, 0700);
    Dir(trash_ + "/" + entry, kAlice, 0755);
    Put(trash_ + "/" + entry + "/index.php", "x", kAlice, 0644);
    return entry;
  }

  testing::TestHomes homes_;
  PosixFileOs os_;
  AccountFiles files_{os_, FileLimits{}};
  Trash trash_engine_{os_, FileLimits{}};
  AccountHome home_;
  std::string trash_;
};

TEST_F(TrashTest, EntriesOlderThanTheLimitGoAndNewerOnesStay) {
  const std::string old_entry = Trashed(31, "old");
  const std::string new_entry = Trashed(2, "new");
  auto removed = trash_engine_.Expire(home_, NowNs() - 30 * kDay);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(Exists(trash_ + "/" + old_entry));
  EXPECT_TRUE(Exists(trash_ + "/" + new_entry + "/index.php"));
}

TEST_F(TrashTest, EmptyRemovesEverythingAndATrashlessHomeHasNothingToDo) {
  auto none = trash_engine_.Empty(home_);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(*none, 0);
  WriteRequest w;
  w.path = "a.txt";
  w.data = "a";
  ASSERT_TRUE(files_.Write(home_, w));
  auto deleted = files_.Delete(home_, "a.txt", false);
  ASSERT_TRUE(deleted) << deleted.error().message;
  Trashed(0, "site");
  auto removed = trash_engine_.Empty(home_);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  EXPECT_TRUE(Exists(trash_));
  EXPECT_FALSE(Exists(trash_ + "/" + *deleted));
}

TEST_F(TrashTest, ALinkInTheTrashIsRemovedNotFollowed) {
  Dir(trash_, kAlice, 0700);
  const std::string link = std::to_string(NowNs() - 40 * kDay) + "-link";
  ASSERT_EQ(::symlink(homes_.bob.c_str(), (trash_ + "/" + link).c_str()), 0);
  ASSERT_EQ(::lchown((trash_ + "/" + link).c_str(), kAlice, kAlice), 0);
  auto removed = trash_engine_.Empty(home_);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  EXPECT_TRUE(Exists(homes_.bob + "/secret.txt"));
  EXPECT_FALSE(Exists(trash_ + "/" + link));
}

TEST_F(TrashTest, ATrashThatIsALinkIsUnusable) {
  ASSERT_EQ(::symlink(homes_.bob.c_str(), trash_.c_str()), 0);
  auto r = trash_engine_.Empty(home_);
  ASSERT_FALSE(r);
  EXPECT_EQ(CodeOf(r.error()), "trash.unusable");
  EXPECT_TRUE(Exists(homes_.bob + "/secret.txt"));
}

TEST_F(TrashTest, TheDailyPassExpiresEveryHomeAsItsOwner) {
  const std::string old_entry = Trashed(31, "old");
  const std::string new_entry = Trashed(1, "new");
  const std::string bob_trash = homes_.bob + "/" + kTrashDir;
  Dir(bob_trash, kBob, 0700);
  const std::string bob_old = std::to_string(NowNs() - 45 * kDay) + "-x";
  Put(bob_trash + "/" + bob_old, "x", kBob, 0644);
  // A home whose trash belongs to someone else is skipped, not emptied by root.
  Dir(homes_.tmp_.path() + "/home/carol", 61003, 0755);
  Dir(homes_.tmp_.path() + "/home/carol/.hp-trash", kBob, 0700);
  const std::string carol_old =
      homes_.tmp_.path() + "/home/carol/.hp-trash/" + std::to_string(NowNs() - 45 * kDay) + "-x";
  Put(carol_old, "x", kBob, 0644);
  TrashSweeper sweeper(os_, FileLimits{}, homes_.root_fd, "home");
  auto r = sweeper.SweepOnce(NowNs());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->homes, 3);
  EXPECT_EQ(r->removed, 2);
  EXPECT_EQ(r->failed, 1);
  EXPECT_FALSE(Exists(trash_ + "/" + old_entry));
  EXPECT_TRUE(Exists(trash_ + "/" + new_entry));
  EXPECT_FALSE(Exists(bob_trash + "/" + bob_old));
  EXPECT_TRUE(Exists(carol_old));
}

}  // namespace
}  // namespace hostplane::agent::files
