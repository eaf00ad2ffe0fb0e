#include "common/passwd/service_password.h"

#include <gtest/gtest.h>

#include <string>

namespace hostplane {
namespace {

TEST(ServicePasswordTest, HashesVerifyAndAreSaltedYescrypt) {
  auto a = HashServicePassword("correct horse battery staple");
  auto b = HashServicePassword("correct horse battery staple");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_TRUE(a->starts_with("$y$")) << *a;
  EXPECT_NE(*a, *b);  // a fresh salt each time
  EXPECT_TRUE(IsServicePasswordHash(*a));
  EXPECT_TRUE(VerifyServicePassword("correct horse battery staple", *a));
  EXPECT_TRUE(VerifyServicePassword("correct horse battery staple", *b));
  EXPECT_FALSE(VerifyServicePassword("correct horse battery stapl", *a));
  EXPECT_FALSE(VerifyServicePassword("", *a));
}

TEST(ServicePasswordTest, RefusesNulAndMalformedHashes) {
  auto nul = HashServicePassword(std::string("abc\0defghijklmn", 15));
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalid);
  struct Case {
    std::string hash;
    bool valid;
  };
  const Case cases[] = {
      {"$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./ab", true},
      {"$6$saltsalt$abcdefghijklmnopqrstuvwxyz", true},
      {"", false},
      {"plain", false},
      {"$1$md5isweak$abcdefghijklmnopqrstuv", false},
      {"$y$j9T$abc:def$ghijklmnopqrstuvwxyz0123", false},
      {"$y$j9T$abc\ndef$ghijklmnopqrstuvwxyz0123", false},
      {"$y$short", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsServicePasswordHash(c.hash), c.valid) << c.hash;
  }
  EXPECT_FALSE(VerifyServicePassword("anything", "$y$j9T$abc:def$ghijklmnopqrstuvwxyz0123"));
}

}  // namespace
}  // namespace hostplane
