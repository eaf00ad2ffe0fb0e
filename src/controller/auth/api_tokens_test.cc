#include "controller/auth/api_tokens.h"

#include <gtest/gtest.h>

#include "controller/auth/secret_token.h"
#include "controller/auth/testing/memory_api_token_store.h"
#include "controller/auth/token_scopes.h"

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

class ApiTokensTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  testing::MemoryApiTokenStore store_;
  ApiTokens tokens_{store_, clock_};
};

TEST_F(ApiTokensTest, CreatedOnceAuthenticatedByHash) {
  auto created = tokens_.Create("u1", "deploy from CI", {"sites:write", "dns:read"}, std::nullopt);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->token.rfind("hp_", 0), 0u);
  EXPECT_EQ(created->record.hash, HashSecret(created->token));
  EXPECT_EQ(created->record.scopes, (std::vector<std::string>{"dns:read", "sites:write"}));
  auto r = tokens_.Authenticate(created->token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->last_used_ms, clock_.NowMillis());
  auto listed = tokens_.List("u1").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "deploy from CI");
}

TEST_F(ApiTokensTest, ExpiryAndRevocation) {
  auto t = tokens_.Create("u1", "short", {"admin"}, 1h).value();
  clock_.Advance(59min);
  EXPECT_TRUE(tokens_.Authenticate(t.token));
  clock_.Advance(1min);
  auto expired = tokens_.Authenticate(t.token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().fields.at("token"), "token.expired");

  auto u = tokens_.Create("u1", "long", {"mail:read"}, std::nullopt).value();
  auto wrong_user = tokens_.Revoke("u2", u.record.hash);
  ASSERT_FALSE(wrong_user);
  EXPECT_EQ(wrong_user.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(tokens_.Authenticate(u.token));
  EXPECT_TRUE(tokens_.Revoke("u1", u.record.hash));
  auto revoked = tokens_.Authenticate(u.token);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().fields.at("token"), "token.invalid");
  auto malformed = tokens_.Authenticate("hps_" + u.token.substr(3));
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().fields.at("token"), "token.malformed");
}

TEST_F(ApiTokensTest, LastUseIsWrittenAtMostOncePerMinute) {
  auto t = tokens_.Create("u1", "busy script", {"sites:read"}, std::nullopt).value();
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(tokens_.Authenticate(t.token));
    clock_.Advance(1s);
  }
  EXPECT_EQ(store_.touches(), 1);
  clock_.Advance(31s);
  ASSERT_TRUE(tokens_.Authenticate(t.token));
  EXPECT_EQ(store_.touches(), 2);
}

TEST_F(ApiTokensTest, BadInputIsRefusedPerField) {
  struct Case {
    std::string name;
    std::vector<std::string> scopes;
    std::optional<std::chrono::seconds> ttl;
    const char* field;
    const char* code;
  } cases[] = {
      {"", {"admin"}, std::nullopt, "name", "token.name_invalid"},
      {std::string(65, 'n'), {"admin"}, std::nullopt, "name", "token.name_invalid"},
      {"a\nb", {"admin"}, std::nullopt, "name", "token.name_invalid"},
      {"ok", {}, std::nullopt, "scopes", "scope.empty"},
      {"ok", {"sites:read", "sites:delete"}, std::nullopt, "scopes[1]", "scope.invalid"},
      {"ok", {"root"}, std::nullopt, "scopes[0]", "scope.invalid"},
      {"ok", {"kernel:write"}, std::nullopt, "scopes[0]", "scope.unknown_area"},
      {"ok", {"dns:read", "dns:read"}, std::nullopt, "scopes[1]", "scope.duplicate"},
      {"ok", {"admin"}, 0s, "expires_in", "token.expiry_invalid"},
      {"ok",
       {"admin"},
       std::chrono::seconds(6LL * 366 * 86400),
       "expires_in",
       "token.expiry_invalid"},
  };
  for (const auto& c : cases) {
    auto r = tokens_.Create("u1", c.name, c.scopes, c.ttl);
    ASSERT_FALSE(r) << c.code;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(r.error().fields.at(c.field), c.code);
  }
  EXPECT_TRUE(tokens_.List("u1")->empty()) << "nothing stored";
}

TEST(TokenScopes, WriteIncludesReadAdminIncludesAll) {
  struct Case {
    std::vector<std::string> scopes;
    const char* area;
    Access access;
    bool allowed;
  } cases[] = {
      {{"sites:read"}, "sites", Access::kRead, true},
      {{"sites:read"}, "sites", Access::kWrite, false},
      {{"sites:write"}, "sites", Access::kRead, true},
      {{"sites:write"}, "sites", Access::kWrite, true},
      {{"sites:write"}, "mail", Access::kRead, false},
      {{"mail:read", "dns:write"}, "dns", Access::kWrite, true},
      {{"admin"}, "nodes", Access::kWrite, true},
      {{}, "sites", Access::kRead, false},
      {{"sites:read"}, "site", Access::kRead, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ScopesAllow(c.scopes, c.area, c.access), c.allowed) << c.area;
  }
}

}  // namespace
}  // namespace hostplane::auth
