#pragma once

// The fixture of the login tests (label auth): a real API server (Beast front, SQLite store) with
// two customers, acme and other, that have the password kPassword; requests as a client sends
// them (httplib, from a chosen 127.0.0.x address), as the admin's token or as a browser with its
// session cookie and CSRF token.

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "controller/api/api_test_env.h"

namespace hostplane::controller {

using nlohmann::json;

inline constexpr const char* kPassword = "correct horse battery staple";

struct Answer {
  int status = 0;
  json body;
  std::string raw;
  std::string set_cookie;   // the Set-Cookie header, whole
  std::string retry_after;  // the Retry-After header
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Call {
  Call(std::string method_in, std::string path_in, json body_in = nullptr, Headers headers_in = {},
       std::string source_in = "")
      : method(std::move(method_in)),
        path(std::move(path_in)),
        body(std::move(body_in)),
        headers(std::move(headers_in)),
        source(std::move(source_in)) {}
  std::string method;
  std::string path;
  json body;  // null: no body
  Headers headers;
  std::string source;  // the client's address (127.0.0.x); empty: the kernel's choice
};

// The "name=value" a Set-Cookie header sets.
inline std::string CookiePair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

inline std::string FieldCode(const Answer& a, const std::string& field) {
  if (!a.body.is_object() || !a.body.contains("error")) return "";
  return a.body["error"]["fields"].value(field, "");
}

class LoginFixture : public ::testing::Test {
 protected:
  LoginFixture() : LoginFixture(Options()) {}
  // A fixture of its own options (a policy under test); Options() is the base of them.
  explicit LoginFixture(ApiOptions options) : env_(nullptr, std::move(options)) {}

  static ApiOptions Options() {
    ApiOptions o;
    o.login.argon2 = auth::Argon2Params::Cheapest();
    return o;
  }

  void SetUp() override {
    ASSERT_EQ(Admin("POST", "/api/v1/customers",
                    {{"login", "acme"}, {"email", "ops@acme.example"}, {"password", kPassword}})
                  .status,
              201);
    ASSERT_EQ(Admin("POST", "/api/v1/customers",
                    {{"login", "other"}, {"email", "ops@other.example"}, {"password", kPassword}})
                  .status,
              201);
  }

  Answer Send(const Call& c) {
    httplib::Client cli("127.0.0.1", env_.port());
    cli.set_read_timeout(std::chrono::seconds(60));
    if (!c.source.empty()) cli.set_interface(c.source);
    httplib::Request req;
    req.method = c.method;
    req.path = c.path;
    for (const auto& [k, v] : c.headers) req.headers.emplace(k, v);
    if (!c.body.is_null()) {
      req.body = c.body.dump();
      req.headers.emplace("Content-Type", "application/json");
    }
    auto res = cli.send(req);
    Answer a;
    if (!res) {
      ADD_FAILURE() << "no HTTP answer: " << httplib::to_string(res.error());
      return a;
    }
    a.status = res->status;
    a.raw = res->body;
    a.body = json::parse(res->body, nullptr, false);
    a.set_cookie = res->get_header_value("Set-Cookie");
    a.retry_after = res->get_header_value("Retry-After");
    return a;
  }

  Answer Admin(const std::string& method, const std::string& path, json body = nullptr) {
    return Send({method, path, std::move(body), {{"Authorization", "Bearer " + env_.token()}}});
  }

  Answer LogIn(const std::string& login, const std::string& password,
               const std::string& source = "",
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Send({"POST",
                 "/api/v1/sessions",
                 {{"login", login}, {"password", password}},
                 std::move(headers),
                 source});
  }

  // A logged-in browser: its cookie and CSRF token.
  struct Browser {
    std::string cookie;
    std::string csrf;
  };
  Browser Session(const std::string& login, const std::string& password = kPassword) {
    Answer a = LogIn(login, password);
    EXPECT_EQ(a.status, 201) << a.raw;
    return {CookiePair(a.set_cookie), a.body["session"].value("csrf_token", "")};
  }

  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(env_.port()); }

  // A request of the browser; with_csrf adds the token and the page's own Origin.
  Answer AsBrowser(const Browser& b, const std::string& method, const std::string& path,
                   json body = nullptr, bool with_csrf = true) {
    Call c{method, path, std::move(body), {{"Cookie", b.cookie}}, ""};
    if (with_csrf) {
      c.headers.emplace_back("Origin", Origin());
      c.headers.emplace_back("X-CSRF-Token", b.csrf);
    }
    return Send(c);
  }

  testing::ApiEnv env_;
};

}  // namespace hostplane::controller
