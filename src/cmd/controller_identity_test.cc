#include "cmd/controller_identity.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.h"
#include "common/fs/filesystem.h"

namespace hostplane::cmd {
namespace {

class ControllerIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    char tmpl[] = "/tmp/hp-identity.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(ControllerIdentityTest, MadeOncePrivatelyThenKept) {
  PosixFilesystem files(dir_);
  auto first = ControllerIdentity(files);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->size(), 32u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/controller.id").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto again = ControllerIdentity(files);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first) << "a restart keeps its identity";
  PosixFilesystem other_dir_files(dir_ + "-other");
  std::filesystem::create_directories(dir_ + "-other");
  auto other = ControllerIdentity(other_dir_files);
  std::filesystem::remove_all(dir_ + "-other");
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *first) << "another data directory is another controller";
}

TEST_F(ControllerIdentityTest, AnEditedFileIsRefusedNotReplaced) {
  std::ofstream(dir_ + "/controller.id") << "not-an-identity\n";
  PosixFilesystem files(dir_);
  auto id = ControllerIdentity(files);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().fields.at("controller.id"), "controller_id.invalid");
  std::ifstream in(dir_ + "/controller.id");
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "not-an-identity");
}

}  // namespace
}  // namespace hostplane::cmd
