#include "common/crypto.h"

#include <gtest/gtest.h>

namespace hostplane {
namespace {

TEST(Crypto, PasswordHashVerifies) {
  auto h = HashPassword("correct horse battery staple");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword("", "x"));
}

TEST(Crypto, TokensAreRandomAndHashedStably) {
  std::string a = NewApiToken(), b = NewApiToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("hp_", 0), 0u);
  EXPECT_EQ(a.size(), 3u + 43u);
  EXPECT_EQ(HashApiToken(a), HashApiToken(a));
  EXPECT_NE(HashApiToken(a), HashApiToken(b));
  EXPECT_EQ(HashApiToken(a).size(), 64u);
}

}  // namespace
}  // namespace hostplane
