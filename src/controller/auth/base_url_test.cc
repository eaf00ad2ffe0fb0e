#include "controller/auth/base_url.h"

#include <gtest/gtest.h>

namespace hostplane::auth {
namespace {

TEST(BaseUrl, AcceptedFormsTable) {
  struct Case {
    const char* in;
    const char* origin;
    const char* path;
    bool secure;
  } cases[] = {
      {"https://panel.example.com", "https://panel.example.com", "", true},
      {"https://Panel.Example.COM/", "https://panel.example.com", "", true},
      {"https://panel.example.com:443/hosting/", "https://panel.example.com", "/hosting", true},
      {"https://panel.example.com:8443", "https://panel.example.com:8443", "", true},
      {"http://127.0.0.1:8080", "http://127.0.0.1:8080", "", false},
      {"http://localhost", "http://localhost", "", false},
      {"http://[::1]:9000/x", "http://[::1]:9000", "/x", false},
  };
  for (const auto& c : cases) {
    auto b = BaseUrl::Parse(c.in);
    ASSERT_TRUE(b) << c.in << ": " << b.error().message;
    EXPECT_EQ(b->origin(), c.origin) << c.in;
    EXPECT_EQ(b->path(), c.path) << c.in;
    EXPECT_EQ(b->secure(), c.secure) << c.in;
  }
  EXPECT_TRUE(BaseUrl::Parse("http://panel.example.com", /*allow_http=*/true));
}

TEST(BaseUrl, RefusedFormsTable) {
  struct Case {
    const char* in;
    const char* code;
  } cases[] = {
      {"", "base_url.invalid"},
      {"panel.example.com", "base_url.invalid"},
      {"/relative", "base_url.invalid"},
      {"ftp://panel.example.com", "base_url.scheme"},
      {"javascript:alert(1)", "base_url.invalid"},
      {"http://panel.example.com", "base_url.insecure"},
      {"https://user:pw@panel.example.com", "base_url.userinfo"},
      {"https://panel.example.com/?next=x", "base_url.query"},
      {"https://panel.example.com/?", "base_url.query"},
      {"https://panel.example.com/#top", "base_url.fragment"},
  };
  for (const auto& c : cases) {
    auto b = BaseUrl::Parse(c.in);
    ASSERT_FALSE(b) << c.in;
    EXPECT_EQ(b.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(b.error().fields.at("base_url"), c.code) << c.in;
  }
}

TEST(BaseUrl, LinksEscapeTheirQueryAndRefuseOddPaths) {
  auto b = BaseUrl::Parse("https://panel.example.com/hosting").value();
  EXPECT_EQ(b.Link("/reset", {{"token", "hpr_a-b_c"}}).value(),
            "https://panel.example.com/hosting/reset?token=hpr_a-b_c");
  EXPECT_EQ(b.Link("/x", {{"a b", "c&d=e/f?#"}, {"n", "1"}}).value(),
            "https://panel.example.com/hosting/x?a%20b=c%26d%3De%2Ff%3F%23&n=1");
  EXPECT_EQ(b.Link("/").value(), "https://panel.example.com/hosting/");
  for (const char* bad : {"", "reset", "//evil.example", "/a/../b", "/a?b", "/a#b", "/a\\b", "/a b",
                          "/a%2e", "/a\nb"}) {
    EXPECT_FALSE(b.Link(bad)) << bad;
  }
}

TEST(OriginOf, Table) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"https://panel.example.com", "https://panel.example.com"},
      {"https://panel.example.com/some/page?x=1#y", "https://panel.example.com"},
      {"HTTPS://PANEL.example.com:443", "https://panel.example.com"},
      {"http://panel.example.com:80/", "http://panel.example.com"},
      {"https://panel.example.com:444", "https://panel.example.com:444"},
  };
  for (const auto& c : cases) EXPECT_EQ(OriginOf(c.in).value(), c.out) << c.in;
  for (const char* bad : {"", "null", "panel.example.com", "ftp://x.example", "https://"}) {
    EXPECT_FALSE(OriginOf(bad)) << bad;
  }
}

}  // namespace
}  // namespace hostplane::auth
