// The REST API's front door under hostile input (issue 12, items 1 and 3): bodies over the limit
// are refused with 413 whatever their transfer encoding and before the token is looked at, JSON
// with a duplicate key is refused with its field code, and nothing is stored either way.

#include <gtest/gtest.h>

#include <string>

#include "controller/api/api_test_env.h"
#include "controller/http/raw_client_for_test.h"

namespace hostplane::controller {
namespace {

using http::testing::Get;
using http::testing::RawClient;

class ApiLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = env_.Client()->Post("/api/v1/customers", R"({"login":"acme","email":"a@a.test"})",
                                 "application/json");
    ASSERT_TRUE(c);
    ASSERT_EQ(c->status, 201) << c->body;
    ASSERT_TRUE(env_.Client()->Post("/api/v1/customers", R"({"login":"bob","email":"b@b.test"})",
                                    "application/json"));
  }
  int port() { return std::stoi(env_.url().substr(env_.url().rfind(':') + 1)); }
  size_t SiteCount() { return env_.store().ListSites(std::nullopt, {0, 1000})->size(); }
  // The start of a chunked POST /api/v1/sites, with or without the admin token.
  std::string ChunkedHead(bool token) {
    std::string head =
        "POST /api/v1/sites HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n";
    if (token) head += "Authorization: Bearer " + env_.token() + "\r\n";
    return head + "\r\n";
  }

  testing::ApiEnv env_;
};

TEST_F(ApiLimitsTest, AChunkedBodyOverTheLimitIs413BeforeAuthenticationAndClosed) {
  for (bool token : {false, true}) {
    SCOPED_TRACE(token ? "with a token" : "without a token");
    RawClient c(port());
    ASSERT_TRUE(c.Send(ChunkedHead(token)));
    // Up to 10 MiB in 64 KiB chunks; the server stops reading at 1 MiB.
    const std::string chunk = "10000\r\n" + std::string(65536, ' ') + "\r\n";
    for (int i = 0; i < 160; ++i) {
      if (!c.Send(chunk)) break;
    }
    std::string r = c.ReadResponse();
    EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r;
    EXPECT_NE(r.find("\"code\":\"too_large\""), std::string::npos) << r;
    EXPECT_EQ(r.find("401"), std::string::npos) << "authenticated before the body limit: " << r;
    EXPECT_TRUE(c.Closed());
  }
  // Announced with Content-Length: refused from the header alone.
  RawClient c(port());
  ASSERT_TRUE(
      c.Send("POST /api/v1/sites HTTP/1.1\r\nHost: x\r\nContent-Length: 314572800\r\n\r\n"));
  std::string r = c.ReadResponse();
  EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r;
  EXPECT_EQ(SiteCount(), 0u);
}

TEST_F(ApiLimitsTest, ABodyJustUnderTheLimitIsReadAndJudgedOnItsFields) {
  // 1 MiB of JSON with the token: read whole, then refused for what it says (not its size).
  std::string body = R"({"domain":"x.example","customer":"acme","docroot":")" +
                     std::string((1 << 20) - 100, 'a') + R"("})";
  auto r = env_.Client()->Post("/api/v1/sites", body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body.substr(0, 300);
  EXPECT_EQ(SiteCount(), 0u);
}

TEST_F(ApiLimitsTest, DuplicateKeysAreRefusedWithTheirFieldAndNothingIsCreated) {
  // The issue's body: "customer" twice, the last one would have won.
  auto r = env_.Client()->Post("/api/v1/sites",
                               R"({"domain":"x.example","customer":"b","customer":"acme"})",
                               "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["error"]["fields"], (nlohmann::json{{"customer", "field.duplicate"}})) << r->body;
  EXPECT_EQ(SiteCount(), 0u);
  // Nested, on another route.
  r = env_.Client()->Post(
      "/api/v1/plans",
      R"({"name":"p1","limits":{"sites":1,"sites":1000,"mailboxes":1,"mailbox_quota_mb":1,)"
      R"("forwarders":1,"ftp_users":1,"dns_zones":1,"databases":1,"disk_mb":1}})",
      "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"]["fields"]["limits.sites"], "field.duplicate");
  EXPECT_EQ(env_.Client()->Get("/api/v1/plans/p1")->status, 404);
}

TEST_F(ApiLimitsTest, ManyIdleKeepAliveClientsDoNotStarveTheApi) {
  // 300 idle keep-alive connections hold no worker: a request still answers at once.
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<RawClient>(port()));
  for (auto& c : idle) ASSERT_TRUE(c->connected());
  RawClient c(port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send(Get("/api/v1/customers", "Authorization: Bearer " + env_.token() + "\r\n")));
  std::string r = c.ReadResponse();
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace hostplane::controller
