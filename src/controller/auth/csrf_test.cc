#include "controller/auth/csrf.h"

#include <gtest/gtest.h>

#include "controller/auth/secret_token.h"

namespace hostplane::auth {
namespace {

const std::vector<std::string> kAllowed = {"https://panel.example.com"};

TEST(Csrf, OriginCheckTable) {
  using Opt = std::optional<std::string_view>;
  struct Case {
    const char* method;
    Opt origin;
    Opt referer;
    const char* code;  // nullptr: passes
  } cases[] = {
      {"GET", std::nullopt, std::nullopt, nullptr},
      {"HEAD", Opt("https://evil.example"), std::nullopt, nullptr},
      {"OPTIONS", std::nullopt, std::nullopt, nullptr},
      {"POST", Opt("https://panel.example.com"), std::nullopt, nullptr},
      {"POST", Opt("https://panel.example.com:443"), std::nullopt, nullptr},
      {"DELETE", Opt("https://PANEL.example.com"), std::nullopt, nullptr},
      {"POST", std::nullopt, Opt("https://panel.example.com/sites?x=1"), nullptr},
      {"POST", Opt("https://evil.example"), Opt("https://panel.example.com/"),
       "csrf.origin_mismatch"},
      {"POST", Opt("http://panel.example.com"), std::nullopt, "csrf.origin_mismatch"},
      {"POST", Opt("https://panel.example.com:8443"), std::nullopt, "csrf.origin_mismatch"},
      {"POST", Opt("https://panel.example.com.evil.example"), std::nullopt, "csrf.origin_mismatch"},
      {"PUT", Opt("null"), std::nullopt, "csrf.origin_null"},
      {"PATCH", std::nullopt, std::nullopt, "csrf.origin_missing"},
      {"POST", std::nullopt, Opt("https://evil.example/panel.example.com"), "csrf.origin_mismatch"},
      {"POST", std::nullopt, Opt("not a url"), "csrf.origin_missing"},
      {"POST", Opt("garbage"), std::nullopt, "csrf.origin_mismatch"},
      {"get", std::nullopt, std::nullopt, "csrf.origin_missing"},  // methods are case-sensitive
  };
  for (const auto& c : cases) {
    auto r = CheckRequestOrigin(c.method, c.origin, c.referer, kAllowed);
    if (c.code == nullptr) {
      EXPECT_TRUE(r) << c.method << " " << c.origin.value_or("-") << ": " << r.error().message;
    } else {
      ASSERT_FALSE(r) << c.method << " " << c.origin.value_or("-");
      EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
      EXPECT_EQ(r.error().fields.at("origin"), c.code) << c.origin.value_or("-");
    }
  }
  EXPECT_FALSE(CheckRequestOrigin("POST", "https://panel.example.com", std::nullopt, {}))
      << "no allowed origin: nothing passes";
}

TEST(Csrf, TokenIsBoundToTheSessionAndNotTheStoredHash) {
  std::string session = IssueSecret(SecretKind::kSession).token;
  std::string other = IssueSecret(SecretKind::kSession).token;
  std::string token = CsrfTokenFor(session);
  EXPECT_EQ(token, CsrfTokenFor(session)) << "stable for the session";
  EXPECT_EQ(token.size(), 43u);
  EXPECT_NE(token, CsrfTokenFor(other));
  EXPECT_NE(token, HashSecret(session));
  EXPECT_EQ(token.find(session.substr(4, 10)), std::string::npos);

  const std::string others = CsrfTokenFor(other), cut = token.substr(1);
  using Opt = std::optional<std::string_view>;
  struct Case {
    const char* method;
    Opt presented;
    const char* code;
  } cases[] = {
      {"POST", Opt(token), nullptr},
      {"GET", std::nullopt, nullptr},
      {"POST", std::nullopt, "csrf.token_missing"},
      {"POST", Opt(""), "csrf.token_missing"},
      {"POST", Opt(others), "csrf.token_mismatch"},
      {"DELETE", Opt(cut), "csrf.token_mismatch"},
  };
  for (const auto& c : cases) {
    auto r = CheckCsrfToken(c.method, session, c.presented);
    if (c.code == nullptr) {
      EXPECT_TRUE(r) << c.method;
    } else {
      ASSERT_FALSE(r) << c.code;
      EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
      EXPECT_EQ(r.error().fields.at("csrf_token"), c.code);
    }
  }
}

TEST(Csrf, ACrossOriginPostWithAValidCookieAndTokenIsStillRefused) {
  std::string session = IssueSecret(SecretKind::kSession).token;
  auto r = CheckCsrf("POST", "https://evil.example", std::nullopt, kAllowed, session,
                     CsrfTokenFor(session));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at("origin"), "csrf.origin_mismatch");
  EXPECT_TRUE(CheckCsrf("POST", "https://panel.example.com", std::nullopt, kAllowed, session,
                        CsrfTokenFor(session)));
  auto no_token =
      CheckCsrf("POST", "https://panel.example.com", std::nullopt, kAllowed, session, std::nullopt);
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().fields.at("csrf_token"), "csrf.token_missing");
}

}  // namespace
}  // namespace hostplane::auth
