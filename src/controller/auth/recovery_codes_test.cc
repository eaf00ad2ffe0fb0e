#include "controller/auth/recovery_codes.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "controller/auth/testing/memory_recovery_store.h"

namespace hostplane::auth {
namespace {

TEST(RecoveryCodes, TenDistinctCodesShownOnceStoredOnlyAsHashes) {
  testing::MemoryRecoveryStore store;
  RecoveryCodes codes(store);
  auto shown = codes.Regenerate("u1");
  ASSERT_TRUE(shown);
  ASSERT_EQ(shown->size(), 10u);
  std::regex shape(
      "[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-"
      "[0-9A-HJKMNP-TV-Z]{4}");
  std::set<std::string> distinct(shown->begin(), shown->end());
  EXPECT_EQ(distinct.size(), 10u);
  auto stored = store.Stored("u1");
  EXPECT_EQ(stored.size(), 10u);
  for (const auto& code : *shown) {
    EXPECT_TRUE(std::regex_match(code, shape)) << code;
    std::string bare = NormaliseRecoveryCode(code);
    for (const auto& h : stored) {
      EXPECT_EQ(h.find(bare), std::string::npos);
      EXPECT_EQ(h.size(), 64u);
    }
  }
  EXPECT_EQ(codes.Remaining("u1").value(), 10);
}

TEST(RecoveryCodes, EachWorksOnceAndOnlyForItsUser) {
  testing::MemoryRecoveryStore store;
  RecoveryCodes codes(store);
  auto shown = codes.Regenerate("u1").value();
  ASSERT_TRUE(codes.Regenerate("u2"));
  auto other_user = codes.Redeem("u2", shown[0]);
  ASSERT_FALSE(other_user);
  EXPECT_TRUE(codes.Redeem("u1", shown[0]));
  auto again = codes.Redeem("u1", shown[0]);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(again.error().fields.at("code"), "recovery_code.invalid");
  EXPECT_EQ(codes.Remaining("u1").value(), 9);
}

TEST(RecoveryCodes, TypingIsForgivingTheCrockfordWay) {
  testing::MemoryRecoveryStore store;
  RecoveryCodes codes(store, 3);
  auto shown = codes.Regenerate("u1").value();
  std::string bare = NormaliseRecoveryCode(shown[0]);
  std::string lower;
  for (char c : bare) lower.push_back(static_cast<char>(std::tolower(c)));
  EXPECT_TRUE(codes.Redeem("u1", " " + lower.substr(0, 8) + " " + lower.substr(8) + " "));
  EXPECT_EQ(NormaliseRecoveryCode("oOiI-lL01-2345-6789"), "0011110123456789");
  EXPECT_EQ(HashRecoveryCode("ABCD-EFGH-JKMN-PQRS"), HashRecoveryCode("abcdefghjkmnpqrs"));
  for (const char* bad : {"", "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRSТ", "ABCD-EFGH-JKMN-PQRU",
                          "ABCD-EFGH-JKMN-PQRS-0"}) {
    EXPECT_EQ(NormaliseRecoveryCode(bad), "") << bad;
    auto r = codes.Redeem("u1", bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().fields.at("code"), "recovery_code.invalid");
  }
}

TEST(RecoveryCodes, ANewSetVoidsTheOldOne) {
  testing::MemoryRecoveryStore store;
  RecoveryCodes codes(store);
  auto first = codes.Regenerate("u1").value();
  auto second = codes.Regenerate("u1").value();
  EXPECT_FALSE(codes.Redeem("u1", first[1]));
  EXPECT_TRUE(codes.Redeem("u1", second[1]));
}

}  // namespace
}  // namespace hostplane::auth
