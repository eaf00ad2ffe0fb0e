// Every refused class of domain, login and path input of shared/SECURITY.md gets a 4xx with a
// machine-readable code per field, and nothing is stored, queued or written. Issue 12 added the
// classes an attack with a hostile corpus found: reserved names, invisible code points, DNS owner
// names, paths starting with '-', weak and unnormalised passwords, duplicate JSON keys, bodies
// over the limit in any transfer encoding, and names above or below another customer's.

#include <gtest/gtest.h>

#include "controller/http/raw_client_for_test.h"
#include "protocol/testing/refused_values.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

struct Case {
  std::string name;
  Json body;
  std::string field;
  std::string code;
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
  // Every refused value of the shared table (protocol/testing/refused_values.h) that JSON can
  // carry; the same values reach the agent in signed bundles in tests/proof.
  namespace refused = protocol::testing;
  std::vector<Case> cases;
  for (const auto& r : refused::RefusedDomains()) {
    if (refused::FitsInJson(r.value)) cases.push_back({r.value, Site(r.value), "domain", r.code});
  }
  int n = 0;
  for (const auto& r : refused::RefusedPaths()) {
    // An empty docroot is the default one, not a refusal.
    if (r.code == "path.empty" || !refused::FitsInJson(r.value)) continue;
    cases.push_back({r.value,
                     {{"domain", "p" + std::to_string(++n) + ".example"},
                      {"customer", "acme"},
                      {"docroot", r.value}},
                     "docroot",
                     r.code});
  }
  cases.push_back({"alias bad",
                   {{"domain", "fine.example"},
                    {"customer", "acme"},
                    {"aliases", {"ok.example", "bad;.example"}}},
                   "aliases[1]",
                   "domain.invalid_character"});
  for (const auto& c : cases) {
    auto r = up_->Api("POST", "/api/v1/sites", c.body);
    EXPECT_GE(r.status, 400) << c.name;
    EXPECT_LT(r.status, 500) << c.name;
    Json j = r.json();
    ASSERT_TRUE(j.contains("error")) << c.name << ": " << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string()) << c.name;
    EXPECT_EQ(j["error"]["fields"].value(c.field, ""), c.code) << c.name << ": " << r.body;
  }
  std::vector<Case> logins;
  for (const auto& r : refused::RefusedLogins()) {
    if (!refused::FitsInJson(r.value)) continue;
    logins.push_back({r.value, {{"login", r.value}, {"email", "a@b.example"}}, "login", r.code});
  }
  for (const auto& r : refused::RefusedEmails()) {
    if (!refused::FitsInJson(r.value)) continue;
    logins.push_back({r.value, {{"login", "fine"}, {"email", r.value}}, "email", r.code});
  }
  for (const auto& r : refused::RefusedPasswords()) {
    // No password is a customer without one, not a refusal.
    if (r.value.empty() || !refused::FitsInJson(r.value)) continue;
    logins.push_back({r.value,
                      {{"login", "fine"}, {"email", "a@b.example"}, {"password", r.value}},
                      "password",
                      r.code});
  }
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

TEST_F(RefusedInput, Issue12ClassesAreRefusedWithTheirCodesAndNothingChanges) {
  const std::string zwsp = "sh\xe2\x80\x8bop.example";  // U+200B ZERO WIDTH SPACE
  struct Call {
    const char* name;
    const char* method;
    std::string path;
    Json body;
    const char* field;
    const char* code;
  };
  const std::vector<Call> calls = {
      {"reserved site", "POST", "/api/v1/sites", Site("localhost.localdomain"), "domain",
       "domain.reserved"},
      {"reserved alias",
       "POST",
       "/api/v1/sites",
       {{"domain", "fine.example"}, {"customer", "acme"}, {"aliases", {"localhost.localdomain"}}},
       "aliases[0]",
       "domain.reserved"},
      {"reserved zone",
       "POST",
       "/api/v1/zones",
       {{"zone", "localhost.localdomain"}, {"customer", "acme"}},
       "zone",
       "domain.reserved"},
      {"reserved mail domain",
       "POST",
       "/api/v1/mailboxes",
       {{"address", "root@localhost.localdomain"},
        {"customer", "acme"},
        {"password", "a-long-passw0rd"}},
       "address",
       "domain.reserved"},
      {".local", "POST", "/api/v1/sites", Site("printer.local"), "domain", "domain.reserved"},
      {".arpa", "POST", "/api/v1/sites", Site("x.arpa"), "domain", "domain.reserved"},
      {"zero-width space", "POST", "/api/v1/sites", Site(zwsp), "domain",
       "domain.disallowed_codepoint"},
      {"docroot -rf",
       "POST",
       "/api/v1/sites",
       {{"domain", "p5.example"}, {"customer", "acme"}, {"docroot", "-rf"}},
       "docroot",
       "path.leading_hyphen"},
      {"ftp home -x",
       "POST",
       "/api/v1/ftp-users",
       {{"user", "acme_web"},
        {"customer", "acme"},
        {"password", "a-long-passw0rd"},
        {"home", "web/-x"}},
       "home",
       "path.leading_hyphen"},
      {"record -bad",
       "POST",
       "/api/v1/zones/acme.example/records",
       {{"name", "-bad"}, {"type", "A"}, {"value", "192.0.2.1"}},
       "name",
       "record.name_invalid"},
      {"password = login",
       "POST",
       "/api/v1/customers",
       {{"login", "samepassword12"}, {"email", "a@b.example"}, {"password", "samepassword12"}},
       "password",
       "password.same_as_user"},
      {"password = ftp user",
       "POST",
       "/api/v1/ftp-users",
       {{"user", "acme_webmaster"}, {"customer", "acme"}, {"password", "acme_webmaster"}},
       "password",
       "password.same_as_user"},
      {"password not NFC",
       "POST",
       "/api/v1/customers",
       {{"login", "nfcuser"}, {"email", "a@b.example"}, {"password", "cafe\xcc\x81-au-lait-42"}},
       "password",
       "password.not_nfc"},
  };
  for (const auto& c : calls) {
    auto r = up_->Api(c.method, c.path, c.body);
    EXPECT_GE(r.status, 400) << c.name;
    EXPECT_LT(r.status, 500) << c.name;
    EXPECT_EQ(r.json()["error"]["fields"].value(c.field, ""), c.code) << c.name << ": " << r.body;
    EXPECT_TRUE(r.json()["error"]["message"].is_string()) << c.name;
  }

  // Duplicate keys: the last "customer" would have won; refused instead.
  using controller::http::testing::RawClient;
  const std::string token = "Authorization: Bearer " + up_->token() + "\r\n";
  const std::string body = R"({"domain":"dup.example","customer":"other","customer":"acme"})";
  RawClient dup(up_->api_port());
  ASSERT_TRUE(dup.Send("POST /api/v1/sites HTTP/1.1\r\nHost: x\r\n" + token +
                       "Content-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string answer = dup.ReadResponse();
  EXPECT_NE(answer.find("HTTP/1.1 422"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("customer":"field.duplicate")"), std::string::npos) << answer;

  // A chunked body over 1 MiB without a token: 413 (not 401), read no further than the limit.
  RawClient big(up_->api_port());
  ASSERT_TRUE(
      big.Send("POST /api/v1/sites HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(65536, ' ') + "\r\n";
  for (int i = 0; i < 64 && big.Send(chunk); ++i) {
  }
  answer = big.ReadResponse();
  EXPECT_NE(answer.find("HTTP/1.1 413"), std::string::npos) << answer;
  EXPECT_TRUE(big.Closed());

  // Nothing stored, queued or written.
  auto sites = up_->Api("GET", "/api/v1/sites").json().dump();
  for (const char* name : {"localhost", "fine.example", "p5.example", "dup.example", "printer"}) {
    EXPECT_EQ(sites.find(name), std::string::npos) << sites;
  }
  auto customers = up_->Api("GET", "/api/v1/customers").json().dump();
  EXPECT_EQ(customers.find("samepassword12"), std::string::npos);
  EXPECT_EQ(customers.find("nfcuser"), std::string::npos);
  EXPECT_EQ(up_->Api("GET", "/api/v1/ftp-users").json().dump().find("acme_web"), std::string::npos);
  for (const auto& f : ListDir(up_->data_dir() + "/nginx/sites")) {
    EXPECT_EQ(f.find("localhost"), std::string::npos) << f;
    EXPECT_EQ(f.find("dup.example"), std::string::npos) << f;
  }
}

TEST_F(RefusedInput, NamesAboveOrBelowAnotherCustomersAreRefusedInEitherOrder) {
  auto r = up_->Api("POST", "/api/v1/customers", {{"login", "third"}, {"email", "t@t.example"}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = up_->Api("POST", "/api/v1/sites", {{"domain", "shop.parent.example"}, {"customer", "acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  // Above acme's site: the takeover of issue 12, as a site, an alias, a zone and a mail domain.
  const std::vector<std::pair<std::string, Json>> above = {
      {"/api/v1/sites", {{"domain", "parent.example"}, {"customer", "third"}}},
      {"/api/v1/sites",
       {{"domain", "third.example"}, {"customer", "third"}, {"aliases", {"parent.example"}}}},
      {"/api/v1/zones", {{"zone", "parent.example"}, {"customer", "third"}}},
      {"/api/v1/mailboxes",
       {{"address", "info@parent.example"},
        {"customer", "third"},
        {"password", "a-long-passw0rd"}}},
      {"/api/v1/sites", {{"domain", "x.shop.parent.example"}, {"customer", "third"}}},
  };
  for (const auto& [path, body] : above) {
    r = up_->Api("POST", path, body);
    EXPECT_EQ(r.status, 409) << path << " " << body.dump() << ": " << r.body;
    EXPECT_NE(r.body.find("domain.owned_by_other_customer"), std::string::npos) << r.body;
  }
  EXPECT_EQ(up_->Api("GET", "/api/v1/sites/parent.example").status, 404);
  EXPECT_EQ(up_->Api("GET", "/api/v1/sites/third.example").status, 404);
}

}  // namespace
}  // namespace hostplane::testing
