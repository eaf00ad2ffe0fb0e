// One's own API tokens through the API (`/api/v1/tokens`, issue 14), against the real HTTP front
// and store: a login makes, lists and revokes its own tokens; the secret is shown once and never
// listed; a token never makes a wider one; a read-only token writes nothing; a revoked token
// answers 401 at once; last use is recorded; someone else's token is 404; every change is in the
// audit log.

#include <gtest/gtest.h>

#include <string>

#include "login_fixture.h"

namespace hostplane::controller {
namespace {

class ApiTokensTest : public LoginFixture {
 protected:
  Answer AsToken(const std::string& token, const std::string& method, const std::string& path,
                 json body = nullptr) {
    return Send({method, path, std::move(body), {{"Authorization", "Bearer " + token}}});
  }

  // A token made by a browser session of login; its secret.
  std::string Made(const Browser& b, json scopes, const std::string& name = "ci") {
    Answer a = AsBrowser(b, "POST", "/api/v1/tokens",
                         {{"name", name}, {"scopes", std::move(scopes)}, {"expires_in_days", 30}});
    EXPECT_EQ(a.status, 201) << a.raw;
    return a.body.value("secret", "");
  }

  json Listed(const Browser& b) {
    Answer a = AsBrowser(b, "GET", "/api/v1/tokens");
    EXPECT_EQ(a.status, 200) << a.raw;
    return a.body["tokens"];
  }
};

TEST_F(ApiTokensTest, MadeListedAndNeverShownAgain) {
  Browser acme = Session("acme");
  Answer made = AsBrowser(acme, "POST", "/api/v1/tokens",
                          {{"name", "deploy"}, {"scopes", {"sites:read"}}, {"expires_in_days", 7}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string secret = made.body.value("secret", "");
  EXPECT_EQ(secret.rfind("hp_", 0), 0u) << secret;
  EXPECT_EQ(made.body["token"]["scopes"], json({"sites:read"}));
  EXPECT_TRUE(made.body["token"]["expires_at"].is_string());
  json list = Listed(acme);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["name"], "deploy");
  EXPECT_TRUE(list[0]["last_used_at"].is_null());
  for (const auto& [key, value] : list[0].items()) {
    EXPECT_TRUE(key != "secret" && key != "hash" && key != "token_hash") << key;
  }
  EXPECT_EQ(list.dump().find(secret), std::string::npos);
  EXPECT_EQ(list.dump().find(HashApiToken(secret)), std::string::npos);
  // Used once: its last use is recorded.
  EXPECT_EQ(AsToken(secret, "GET", "/api/v1/sites").status, 200);
  EXPECT_TRUE(Listed(acme)[0]["last_used_at"].is_string());
  // Another login lists only its own.
  EXPECT_TRUE(Listed(Session("other")).empty());
}

TEST_F(ApiTokensTest, PagedLikeTheOtherLists) {
  Browser acme = Session("acme");
  for (const char* n : {"a", "b", "c"}) Made(acme, {"sites:read"}, n);
  Answer first = AsBrowser(acme, "GET", "/api/v1/tokens?limit=2");
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["tokens"].size(), 2u);
  ASSERT_TRUE(first.body["next_after"].is_number());
  Answer rest = AsBrowser(
      acme, "GET",
      "/api/v1/tokens?limit=2&after=" + std::to_string(first.body["next_after"].get<int64_t>()));
  ASSERT_EQ(rest.status, 200) << rest.raw;
  ASSERT_EQ(rest.body["tokens"].size(), 1u);
  EXPECT_EQ(rest.body["tokens"][0]["name"], "c");
  EXPECT_TRUE(rest.body["next_after"].is_null());
}

TEST_F(ApiTokensTest, AReadOnlyTokenWritesNothing) {
  Browser acme = Session("acme");
  const std::string reader = Made(acme, {"sites:read", "tokens:read"});
  Answer site =
      AsToken(reader, "POST", "/api/v1/sites", {{"domain", "ro.example"}, {"customer", "acme"}});
  // Asked on the customer it would belong to, as every create is: not yours to write, not found.
  EXPECT_EQ(site.status, 404) << site.raw;
  EXPECT_EQ(FieldCode(site, "customer"), "customer.not_found");
  Answer token =
      AsToken(reader, "POST", "/api/v1/tokens", {{"name", "more"}, {"scopes", {"sites:read"}}});
  EXPECT_EQ(token.status, 403) << token.raw;
  const int64_t id = Listed(acme)[0]["id"].get<int64_t>();
  EXPECT_EQ(AsToken(reader, "DELETE", "/api/v1/tokens/" + std::to_string(id)).status, 404);
  // It still reads, and nothing was written.
  EXPECT_EQ(AsToken(reader, "GET", "/api/v1/tokens").status, 200);
  EXPECT_EQ(Admin("GET", "/api/v1/sites").body["sites"].size(), 0u);
  EXPECT_EQ(Listed(acme).size(), 1u);
}

TEST_F(ApiTokensTest, ATokenNeverMintsAWiderOne) {
  Browser acme = Session("acme");
  const std::string narrow = Made(acme, {"sites:read", "tokens:write"});
  Answer wider = AsToken(narrow, "POST", "/api/v1/tokens",
                         {{"name", "wider"}, {"scopes", {"sites:read", "sites:write", "admin"}}});
  EXPECT_EQ(wider.status, 422) << wider.raw;
  EXPECT_EQ(FieldCode(wider, "scopes[1]"), "scopes.too_wide");
  EXPECT_EQ(FieldCode(wider, "scopes[2]"), "scopes.too_wide");
  EXPECT_EQ(FieldCode(wider, "scopes[0]"), "");
  EXPECT_EQ(Listed(acme).size(), 1u);
  Answer same =
      AsToken(narrow, "POST", "/api/v1/tokens", {{"name", "same"}, {"scopes", {"sites:read"}}});
  EXPECT_EQ(same.status, 201) << same.raw;
  // A customer's own rights: nothing of the company's nodes, whatever the scope says.
  Answer nodes =
      AsBrowser(acme, "POST", "/api/v1/tokens", {{"name", "n"}, {"scopes", {"nodes:write"}}});
  EXPECT_EQ(FieldCode(nodes, "scopes[0]"), "scopes.too_wide") << nodes.raw;
}

TEST_F(ApiTokensTest, EveryBadFieldAtOnceAndNothingStored) {
  Browser acme = Session("acme");
  Answer bad = AsBrowser(acme, "POST", "/api/v1/tokens",
                         {{"name", ""},
                          {"scopes", {"bogus:read", "sites:read", "sites:read"}},
                          {"expires_in_days", 0}});
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(FieldCode(bad, "name"), "name.invalid");
  EXPECT_EQ(FieldCode(bad, "scopes[0]"), "scopes.unknown");
  EXPECT_EQ(FieldCode(bad, "scopes[2]"), "scopes.duplicate");
  EXPECT_EQ(FieldCode(bad, "expires_in_days"), "expires_in_days.out_of_range");
  Answer late = AsBrowser(acme, "POST", "/api/v1/tokens",
                          {{"name", "x"}, {"scopes", {"sites:read"}}, {"expires_in_days", 5000}});
  EXPECT_EQ(FieldCode(late, "expires_in_days"), "expires_in_days.out_of_range") << late.raw;
  EXPECT_TRUE(Listed(acme).empty());
}

TEST_F(ApiTokensTest, RevokedAnswers401AtOnceAndOthersAre404) {
  Browser acme = Session("acme");
  Browser other = Session("other");
  const std::string mine = Made(acme, {"admin"});
  const std::string theirs = Made(other, {"admin"});
  const int64_t mine_id = Listed(acme)[0]["id"].get<int64_t>();
  const int64_t their_id = Listed(other)[0]["id"].get<int64_t>();
  // Someone else's token is not found, and keeps working.
  Answer foreign = AsBrowser(acme, "DELETE", "/api/v1/tokens/" + std::to_string(their_id));
  EXPECT_EQ(foreign.status, 404) << foreign.raw;
  EXPECT_EQ(FieldCode(foreign, "id"), "token.not_found");
  EXPECT_EQ(AsToken(theirs, "GET", "/api/v1/sites").status, 200);
  EXPECT_EQ(AsBrowser(acme, "DELETE", "/api/v1/tokens/nope").status, 404);
  // A token revokes itself; the very next request is refused.
  EXPECT_EQ(AsToken(mine, "GET", "/api/v1/sites").status, 200);
  Answer revoked = AsToken(mine, "DELETE", "/api/v1/tokens/" + std::to_string(mine_id));
  EXPECT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_EQ(AsToken(mine, "GET", "/api/v1/sites").status, 401);
  EXPECT_TRUE(Listed(acme).empty());
  // Both changes are in the audit log, under the token's login.
  Answer audit = Admin("GET", "/api/v1/audit?object=token:" + std::to_string(mine_id));
  ASSERT_EQ(audit.status, 200) << audit.raw;
  ASSERT_EQ(audit.body["audit"].size(), 2u) << audit.raw;
  EXPECT_EQ(audit.body["audit"][0]["action"], "token.create");
  EXPECT_EQ(audit.body["audit"][1]["action"], "token.revoke");
  EXPECT_EQ(audit.body["audit"][1]["actor"], "user:acme");
}

}  // namespace
}  // namespace hostplane::controller
