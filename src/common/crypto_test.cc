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

namespace hostplane {
namespace {

TEST(Crypto, Base64RoundTripsEveryByteAndRefusesJunk) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (const std::string& bytes : {std::string(), std::string("a"), std::string("ab"), all}) {
    auto back = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(back) << bytes.size();
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(Base64Encode("hostplane"), "aG9zdHBsYW5l");
  for (const char* junk : {"aG9zdHBsYW5l!", "aG9z dHBs", "@@@@"}) {
    auto r = Base64Decode(junk);
    ASSERT_FALSE(r) << junk;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  }
}

TEST(Crypto, HasherOverPiecesEqualsHashOfTheWhole) {
  const std::string whole = std::string(100'000, 'q') + "tail";
  Blake2bHasher h;
  h.Update(whole.substr(0, 4096));
  h.Update(whole.substr(4096));
  EXPECT_EQ(h.HexDigest(), Blake2bHex(whole));
  Blake2bHasher other;
  other.Update("different");
  EXPECT_NE(other.HexDigest(), Blake2bHex(whole));
}

}  // namespace
}  // namespace hostplane
