// Every refused class of domain, login and path input of shared/SECURITY.md gets a 4xx with a
// machine-readable code per field, and nothing is stored, queued or written.

#include <gtest/gtest.h>

#include "test_support.h"

namespace hostplane::testing {
namespace {

struct Case {
  const char* name;
  Json body;
  const char* field;
  const char* code;
};

class RefusedInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    up_ = new UpInstance();
    ASSERT_OK(up_->Start());
    auto r =
        up_->Api("POST", "/api/v1/customers", {{"login", "acme"}, {"email", "ops@acme.example"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static void TearDownTestSuite() {
    delete up_;
    up_ = nullptr;
  }
  static UpInstance* up_;
};
UpInstance* RefusedInput::up_ = nullptr;

Json Site(const std::string& domain) { return {{"domain", domain}, {"customer", "acme"}}; }

TEST_F(RefusedInput, EveryClassIsRefusedWithItsCodeAndNothingChanges) {
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'b') + ".";
  long_name += "example";
  const std::vector<Case> cases = {
      {"empty domain", Site(""), "domain", "domain.empty"},
      {"newline", Site("evil.example\nserver_name x"), "domain", "domain.invalid_character"},
      {"semicolon", Site("evil.example;"), "domain", "domain.invalid_character"},
      {"brace", Site("evil{.example"), "domain", "domain.invalid_character"},
      {"quote", Site("ev\"il.example"), "domain", "domain.invalid_character"},
      {"dollar", Site("$host.example"), "domain", "domain.invalid_character"},
      {"space", Site("ev il.example"), "domain", "domain.invalid_character"},
      {"label too long", Site(long_label + ".example"), "domain", "domain.label_too_long"},
      {"name too long", Site(long_name), "domain", "domain.too_long"},
      {"empty label", Site("a..example"), "domain", "domain.label_empty"},
      {"leading hyphen", Site("-a.example"), "domain", "domain.hyphen"},
      {"trailing hyphen", Site("a-.example"), "domain", "domain.hyphen"},
      {"single label", Site("localhostish"), "domain", "domain.single_label"},
      {"ipv4 literal", Site("192.168.1.10"), "domain", "domain.ip_literal"},
      {"ipv6 literal", Site("[::1]"), "domain", "domain.ip_literal"},
      {"numeric tld", Site("example.123"), "domain", "domain.numeric_tld"},
      {"mixed script", Site("p\xD0\xB0ypal.example"), "domain", "domain.mixed_script"},
      {"reserved", Site("x.hostplane.internal"), "domain", "domain.reserved"},
      {"alias bad",
       {{"domain", "fine.example"},
        {"customer", "acme"},
        {"aliases", {"ok.example", "bad;.example"}}},
       "aliases[1]",
       "domain.invalid_character"},
      {"path dot dot",
       {{"domain", "p1.example"}, {"customer", "acme"}, {"docroot", "../../etc"}},
       "docroot",
       "path.dot_dot"},
      {"path absolute",
       {{"domain", "p2.example"}, {"customer", "acme"}, {"docroot", "/etc"}},
       "docroot",
       "path.absolute"},
      {"path backslash",
       {{"domain", "p3.example"}, {"customer", "acme"}, {"docroot", "a\\b"}},
       "docroot",
       "path.backslash"},
      {"path control",
       {{"domain", "p4.example"}, {"customer", "acme"}, {"docroot", "a\nb"}},
       "docroot",
       "path.control_character"},
  };
  for (const auto& c : cases) {
    auto r = up_->Api("POST", "/api/v1/sites", c.body);
    EXPECT_GE(r.status, 400) << c.name;
    EXPECT_LT(r.status, 500) << c.name;
    Json j = r.json();
    ASSERT_TRUE(j.contains("error")) << c.name << ": " << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string()) << c.name;
    EXPECT_EQ(j["error"]["fields"].value(c.field, ""), c.code) << c.name << ": " << r.body;
  }
  const std::vector<Case> logins = {
      {"digit first",
       {{"login", "0day"}, {"email", "a@b.example"}},
       "login",
       "login.starts_with_digit"},
      {"root", {{"login", "root"}, {"email", "a@b.example"}}, "login", "login.reserved"},
      {"www-data",
       {{"login", "www-data"}, {"email", "a@b.example"}},
       "login",
       "login.invalid_character"},
      {"too short", {{"login", "ab"}, {"email", "a@b.example"}}, "login", "login.too_short"},
      {"too long",
       {{"login", "abcdefghijklmnopq"}, {"email", "a@b.example"}},
       "login",
       "login.too_long"},
      {"uppercase",
       {{"login", "Acme2"}, {"email", "a@b.example"}},
       "login",
       "login.invalid_character"},
      {"bad email", {{"login", "fine"}, {"email", "not-an-email"}}, "email", "email.invalid"},
      {"short password",
       {{"login", "fine"}, {"email", "a@b.example"}, {"password", "short"}},
       "password",
       "password.too_short"},
  };
  for (const auto& c : logins) {
    auto r = up_->Api("POST", "/api/v1/customers", c.body);
    EXPECT_GE(r.status, 400) << c.name;
    EXPECT_LT(r.status, 500) << c.name;
    EXPECT_EQ(r.json()["error"]["fields"].value(c.field, ""), c.code) << c.name << ": " << r.body;
  }
  // Nothing stored, queued or written.
  auto sites = up_->Api("GET", "/api/v1/sites").json();
  EXPECT_EQ(sites.dump().find("example"), std::string::npos) << sites.dump();
  auto customers = up_->Api("GET", "/api/v1/customers").json();
  EXPECT_EQ(customers.dump().find("fine"), std::string::npos) << customers.dump();
  auto tasks = up_->Api("GET", "/api/v1/tasks").json();
  EXPECT_EQ(tasks.dump().find("site."), std::string::npos) << tasks.dump();
  for (const auto& f : ListDir(up_->data_dir() + "/nginx/sites")) {
    EXPECT_EQ(f.find(".example"), std::string::npos) << f;
  }
}

TEST_F(RefusedInput, DuplicatesAndOtherCustomersDomainsAreRefused) {
  auto r =
      up_->Api("POST", "/api/v1/customers", {{"login", "other"}, {"email", "o@other.example"}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = up_->Api("POST", "/api/v1/sites", Site("owned.example"));
  ASSERT_EQ(r.status, 201) << r.body;
  r = up_->Api("POST", "/api/v1/sites", {{"domain", "owned.example"}, {"customer", "other"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"]["fields"].value("domain", ""), "domain.taken") << r.body;
  r = up_->Api("POST", "/api/v1/sites", {{"domain", "shop.owned.example"}, {"customer", "other"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"]["fields"].value("domain", ""), "domain.owned_by_other_customer")
      << r.body;
  // Unauthenticated: 401, nothing created.
  r = up_->Api("POST", "/api/v1/sites", Site("anon.example"), /*auth=*/false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(up_->Api("GET", "/api/v1/sites/anon.example").status, 404);
}

}  // namespace
}  // namespace hostplane::testing
