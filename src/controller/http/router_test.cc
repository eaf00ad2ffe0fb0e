#include "controller/http/router.h"

#include <gtest/gtest.h>

#include "controller/http/http_message.h"

namespace hostplane::controller::http {
namespace {

std::vector<std::string> Segments(const std::string& target) {
  HttpRequest r;
  ParseTarget(target, r);
  return r.segments;
}

TEST(RouterTest, MatchesMethodAndTemplateAndSaysWhichMethodsAnotherPathTakes) {
  Router router;
  ASSERT_EQ(router.Add("GET", "/api/v1/sites"), 0u);
  ASSERT_EQ(router.Add("GET", "/api/v1/sites/{domain}"), 1u);
  ASSERT_EQ(router.Add("DELETE", "/api/v1/sites/{domain}"), 2u);
  ASSERT_EQ(router.Add("GET", "/api/v1/tasks/{id}/wait"), 3u);

  auto m = router.Find("GET", Segments("/api/v1/sites/shop.example"));
  ASSERT_TRUE(m.route);
  EXPECT_EQ(*m.route, 1u);
  EXPECT_EQ(m.params.at("domain"), "shop.example");

  m = router.Find("DELETE", Segments("/api/v1/sites/info%40a.example"));
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.params.at("domain"), "info@a.example");

  // An encoded '/' stays in its parameter: it never reaches another route.
  m = router.Find("GET", Segments("/api/v1/tasks/7%2Fwait"));
  EXPECT_FALSE(m.route);
  m = router.Find("GET", Segments("/api/v1/tasks/7/wait"));
  ASSERT_TRUE(m.route);
  EXPECT_EQ(*m.route, 3u);
  EXPECT_EQ(m.params.at("id"), "7");
}

TEST(RouterTest, EmptySegmentsTrailingSlashesAndUnknownPaths) {
  Router router;
  router.Add("GET", "/api/v1/sites/{domain}");
  router.Add("POST", "/api/v1/sites");
  EXPECT_FALSE(router.Find("GET", Segments("/api/v1/sites/")).route);  // empty parameter
  EXPECT_FALSE(router.Find("POST", Segments("/api/v1/sites/")).route);
  EXPECT_FALSE(router.Find("GET", Segments("/api/v1/nope")).route);
  EXPECT_TRUE(router.Find("GET", Segments("/api/v1/nope")).allowed.empty());
  auto m = router.Find("PUT", Segments("/api/v1/sites"));
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allowed, std::vector<std::string>{"POST"});
}

TEST(ParseTargetTest, DecodesSegmentsAndQueriesLikeBrowsersSendThem) {
  HttpRequest r;
  ParseTarget("/a%20b/c?x=1&y=a+b%26c&x=2&flag&=v&bad=%zz", r);
  EXPECT_EQ(r.segments, (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(r.path, "/a b/c");
  EXPECT_EQ(r.get_param_value_count("x"), 2u);
  EXPECT_EQ(r.get_param_value("x"), "1");
  EXPECT_EQ(r.get_param_value("y"), "a b&c");
  EXPECT_TRUE(r.has_param("flag"));
  EXPECT_EQ(r.get_param_value("flag"), "");
  EXPECT_EQ(r.get_param_value("bad"), "%zz");
  EXPECT_EQ(r.get_param_value(""), "v");
  r.headers = {{"Authorization", "Bearer t"}};
  EXPECT_EQ(r.get_header_value("authorization"), "Bearer t");
  EXPECT_EQ(r.get_header_value("x-none"), "");
}

}  // namespace
}  // namespace hostplane::controller::http
