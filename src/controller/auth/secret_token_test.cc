#include "controller/auth/secret_token.h"

#include <gtest/gtest.h>

#include <set>

#include "common/crypto.h"

namespace hostplane::auth {
namespace {

TEST(SecretToken, EachKindHasItsPrefixAndTheHashIsTheStoredForm) {
  struct Case {
    SecretKind kind;
    const char* prefix;
  } cases[] = {{SecretKind::kSession, "hps_"},
               {SecretKind::kApiToken, "hp_"},
               {SecretKind::kPasswordReset, "hpr_"},
               {SecretKind::kEmailConfirmation, "hpe_"},
               {SecretKind::kOrderLink, "hpo_"}};
  std::set<std::string> seen;
  for (const auto& c : cases) {
    for (int i = 0; i < 20; ++i) {
      auto s = IssueSecret(c.kind);
      EXPECT_EQ(s.token.rfind(c.prefix, 0), 0u) << s.token;
      EXPECT_EQ(s.token.size(), strlen(c.prefix) + 43);
      EXPECT_EQ(s.hash, HashSecret(s.token));
      EXPECT_EQ(s.hash.size(), 64u);
      EXPECT_EQ(s.hash.find(s.token.substr(strlen(c.prefix))), std::string::npos);
      EXPECT_TRUE(CheckSecretShape(s.token, c.kind));
      EXPECT_TRUE(seen.insert(s.token).second) << "never twice";
    }
  }
  // The admin tokens crypto.h made before stay valid API tokens.
  std::string admin = NewApiToken();
  EXPECT_TRUE(CheckSecretShape(admin, SecretKind::kApiToken));
  EXPECT_EQ(HashSecret(admin), HashApiToken(admin));
}

TEST(SecretToken, ShapeCheckTable) {
  std::string good = IssueSecret(SecretKind::kSession).token;
  struct Case {
    std::string token;
    SecretKind kind;
  } bad[] = {
      {"", SecretKind::kSession},
      {good, SecretKind::kApiToken},  // another kind's
      {good, SecretKind::kPasswordReset},
      {good.substr(0, good.size() - 1), SecretKind::kSession},
      {good + "A", SecretKind::kSession},
      {"hps_" + std::string(42, 'A') + "=", SecretKind::kSession},
      {"hps_" + std::string(42, 'A') + "\n", SecretKind::kSession},
      {"HPS_" + good.substr(4), SecretKind::kSession},
  };
  for (const auto& c : bad) {
    auto r = CheckSecretShape(c.token, c.kind);
    ASSERT_FALSE(r) << c.token;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(r.error().fields.at("token"), "token.malformed");
    if (!c.token.empty()) {
      EXPECT_EQ(r.error().message.find(c.token), std::string::npos);
    }
  }
}

TEST(SecretToken, ConstantTimeEqualsTable) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace hostplane::auth
