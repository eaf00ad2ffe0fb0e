// The panel served by the real API server (its Boost.Beast front): the same origin answers the
// app, its files and the API, and the API keeps its own 404 and 405 answers.
#include "controller/api/panel_route.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "controller/api/api_test_env.h"
#include "controller/panel/panel_files.h"

namespace hostplane::controller {
namespace {

constexpr const char* kIndex = "<!doctype html><title>panel</title><div id=\"app\"></div>";

std::string BigScript() {
  std::string s;
  for (int i = 0; i < 1000; ++i) s += "console.log('line " + std::to_string(i) + "');\n";
  return s;
}

std::unique_ptr<PanelFiles> MakePanel(const std::string& dir) {
  PosixFilesystem files(dir);
  EXPECT_TRUE(files.WriteFileAtomic("index.html", kIndex, 0644));
  EXPECT_TRUE(files.WriteFileAtomic("assets/index-AbC123.js", "export const x = 1;\n", 0644));
  EXPECT_TRUE(files.WriteFileAtomic("assets/big-Big000.js", BigScript(), 0644));
  auto panel = PanelFiles::Load(files);
  EXPECT_TRUE(panel) << panel.error().message;
  return std::make_unique<PanelFiles>(std::move(*panel));
}

class PanelRouteTest : public ::testing::Test {
 protected:
  PanelRouteTest() {
    char tmpl[] = "/tmp/hp-panel-route.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    panel_ = MakePanel(dir_);
    env_ = std::make_unique<testing::ApiEnv>(panel_.get());
  }
  ~PanelRouteTest() override {
    env_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  std::unique_ptr<PanelFiles> panel_;
  std::unique_ptr<testing::ApiEnv> env_;
};

TEST_F(PanelRouteTest, ServesTheAppAtEveryScreenPath) {
  auto client = env_->Client("");
  client->set_keep_alive(true);  // one connection: a HEAD's answer must not leave bytes behind
  for (const char* path : {"/", "/sign-in", "/sites/shop.acme.example?tab=dns"}) {
    auto res = client->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->body, kIndex) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"),
              std::string::npos);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  auto js = client->Get("/assets/index-AbC123.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "export const x = 1;\n");
  EXPECT_EQ(js->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto head = client->Head("/sign-in");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  // The headers a GET gets, its length included.
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(std::string(kIndex).size()));
  EXPECT_EQ(head->get_header_value("Content-Type"), "text/html; charset=utf-8");
  // And the connection is still good for the next request (no body was expected or sent).
  auto after = client->Get("/assets/index-AbC123.js");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "export const x = 1;\n");
}

TEST_F(PanelRouteTest, SendsWhatPanelFilesCompressedAndNothingElse) {
  for (const char* accept : {"gzip, deflate, br, zstd", "gzip", ""}) {
    // httplib's client undoes the coding itself (set_decompress is on by default).
    auto client = env_->Client("");
    httplib::Headers headers;
    if (*accept) headers.emplace("Accept-Encoding", accept);
    auto res = client->Get("/assets/big-Big000.js", headers);
    ASSERT_TRUE(res) << accept;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, BigScript()) << accept;
    const std::string expected = std::string(accept) == "gzip" ? "gzip" : *accept ? "br" : "";
    EXPECT_EQ(res->get_header_value("Content-Encoding"), expected) << accept;
    EXPECT_EQ(res->get_header_value_count("Content-Encoding"), expected.empty() ? 0u : 1u);
  }
  // On the wire: the compressed bytes once, with their length.
  auto raw = env_->Client("");
  raw->set_decompress(false);
  auto res = raw->Get("/assets/big-Big000.js", {{"Accept-Encoding", "br"}});
  ASSERT_TRUE(res);
  EXPECT_LT(res->body.size(), BigScript().size() / 4);
  EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(res->body.size()));
}

TEST_F(PanelRouteTest, RevalidatesWithTheETag) {
  auto client = env_->Client("");
  auto first = client->Get("/");
  ASSERT_TRUE(first);
  std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = client->Get("/", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(PanelRouteTest, TheApiKeepsItsOwnAnswers) {
  auto client = env_->Client();
  auto sites = client->Get("/api/v1/sites");
  ASSERT_TRUE(sites);
  EXPECT_EQ(sites->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(sites->body, nullptr, false).contains("sites"));

  auto unknown = client->Get("/api/v1/no-such-route");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(nlohmann::json::parse(unknown->body, nullptr, false)["error"]["code"], "not_found");

  auto wrong_method = client->Get("/api/v1/join");  // POST only
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->get_header_value("Allow"), "POST");

  auto unknown_post = client->Post("/api/v1/no-such-things", "{}", "application/json");
  ASSERT_TRUE(unknown_post);
  EXPECT_EQ(unknown_post->status, 404);
  EXPECT_EQ(nlohmann::json::parse(unknown_post->body, nullptr, false)["error"]["code"],
            "not_found");

  auto health = client->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(health->get_header_value("Content-Security-Policy").empty());
  // HEAD of an API route is its GET without the body.
  auto head = client->Head("/api/v1/sites");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(sites->body.size()));
}

TEST_F(PanelRouteTest, OtherMethodsOnScreensAreRefused) {
  auto client = env_->Client("");
  auto res = client->Post("/sign-in", "login=x", "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(nlohmann::json::parse(res->body, nullptr, false)["error"]["code"],
            "method_not_allowed");
}

TEST(PanelRouteWithout, TheApiAloneAnswersNotFoundAtTheRoot) {
  testing::ApiEnv env;
  auto res = env.Client("")->Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

}  // namespace
}  // namespace hostplane::controller
