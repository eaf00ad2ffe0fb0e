#include "common/passwd/bcrypt.h"

#include <gtest/gtest.h>

#include <string>

namespace hostplane {
namespace {

TEST(BcryptTest, HashVerifiesOnlyItsPassword) {
  auto hash = BcryptHash("0123456789abcdef0123456789abcdef", 4);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_TRUE(hash->starts_with("$2b$04$")) << *hash;
  EXPECT_TRUE(IsBcryptHash(*hash)) << *hash;
  EXPECT_TRUE(BcryptVerify("0123456789abcdef0123456789abcdef", *hash));
  EXPECT_FALSE(BcryptVerify("0123456789abcdef0123456789abcdee", *hash));
  EXPECT_FALSE(BcryptVerify("", *hash));
  // A fresh salt each time.
  auto again = BcryptHash("0123456789abcdef0123456789abcdef", 4);
  ASSERT_TRUE(again);
  EXPECT_NE(*hash, *again);
}

TEST(BcryptTest, DefaultCostIsEleven) {
  auto hash = BcryptHash("pw");
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_TRUE(hash->starts_with("$2b$11$")) << *hash;
}

// A hash made by another bcrypt implementation ($2a$, Go's / OpenBSD's) verifies too.
TEST(BcryptTest, VerifiesAForeignHash) {
  // python3 crypt.crypt("pw1", "$2b$10$Izpcr6Dg3esIOVtfWnJzET"), re-labelled $2a$ (same algorithm
  // for ASCII passwords).
  EXPECT_TRUE(BcryptVerify("pw1", "$2b$10$Izpcr6Dg3esIOVtfWnJzEOGo5aZLD/dEGttbJB58ZgmzxJBYdhdI2"));
  EXPECT_TRUE(BcryptVerify("pw1", "$2a$10$Izpcr6Dg3esIOVtfWnJzEOGo5aZLD/dEGttbJB58ZgmzxJBYdhdI2"));
  EXPECT_FALSE(BcryptVerify("pw2", "$2b$10$Izpcr6Dg3esIOVtfWnJzEOGo5aZLD/dEGttbJB58ZgmzxJBYdhdI2"));
}

TEST(BcryptTest, RefusesWhatBcryptWouldCut) {
  struct Case {
    const char* name;
    std::string password;
    int cost;
  };
  const Case cases[] = {
      {"NUL byte", std::string("ab\0cd", 5), 4},
      {"73 bytes", std::string(73, 'a'), 4},
      {"cost 3", "pw", 3},
      {"cost 32", "pw", 32},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto hash = BcryptHash(c.password, c.cost);
    ASSERT_FALSE(hash);
    EXPECT_EQ(hash.error().code, ErrorCode::kInvalid);
  }
}

TEST(BcryptTest, ShapeOfAHash) {
  const std::string body = "Izpcr6Dg3esIOVtfWnJzEOGo5aZLD/dEGttbJB58ZgmzxJBYdhdI2";
  struct Case {
    std::string hash;
    bool ok;
  };
  const Case cases[] = {
      {"$2b$10$" + body, true},
      {"$2a$04$" + body, true},
      {"$2y$31$" + body, true},
      {"$2x$10$" + body, false},  // the crypt_blowfish bug-compatible variant
      {"$2b$03$" + body, false},
      {"$2b$32$" + body, false},
      {"$2b$1$" + body + "a", false},
      {"$2b$10$" + body.substr(1), false},
      {"$2b$10$" + body + "a", false},
      {"$2b$10$" + body.substr(1) + "\"", false},
      {"$2b$10$" + body.substr(1) + "\n", false},
      {"$y$j9T$" + body, false},
      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsBcryptHash(c.hash), c.ok) << c.hash;
  EXPECT_FALSE(BcryptVerify("pw1", "$2b$10$" + body.substr(1) + "\""));
}

}  // namespace
}  // namespace hostplane
