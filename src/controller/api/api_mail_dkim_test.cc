// Issue 16 part 2 through the REST API: a mail domain's records to copy
// (GET /api/v1/mail-domains/{domain}/dns) and its DKIM rotation
// (POST /api/v1/mail-domains/{domain}/dkim/rotate), and what both do with hostile input: a field
// code or a 404, nothing rotated, no task queued.

#include <gtest/gtest.h>

#include <string>

#include "controller/api/api_test_env.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;

class ApiMailDkimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Post("/api/v1/nodes", R"({"name":"mx1","roles":["mail"],"ipv4":"192.0.2.10"})", 201);
    Post("/api/v1/customers", R"({"login":"acme","email":"a@a.test"})", 201);
    Post("/api/v1/mailboxes",
         R"({"address":"info@acme.example","customer":"acme","password":"s3cret-Passw0rd"})", 201);
  }
  json Post(const std::string& path, const std::string& body, int status) {
    auto r = env_.Client()->Post(path, body, "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, status) << path << " " << body << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  json Get(const std::string& path, int status) {
    auto r = env_.Client()->Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, status) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  std::string Selector() {
    return Get("/api/v1/mail-domains/acme.example/dns", 200)["mail_domain"]["dkim_selector"]
        .get<std::string>();
  }
  size_t Tasks() {
    TaskFilter f;
    f.page = {0, 10000};
    return env_.store().ListTasks(f)->size();
  }

  testing::ApiEnv env_;
};

TEST_F(ApiMailDkimTest, ShowsTheRecordsToCopyAndRotatesTheKey) {
  json dns = Get("/api/v1/mail-domains/acme.example/dns", 200);
  const json& d = dns["mail_domain"];
  EXPECT_EQ(d["domain"], "acme.example");
  EXPECT_TRUE(d["zone"].is_null()) << "no zone of acme is served here";
  EXPECT_EQ(d["dkim_selector"], "hp1");
  std::map<std::string, std::string> by_name;
  for (const auto& r : d["records"]) {
    by_name[r["name"].get<std::string>() + " " + r["type"].get<std::string>()] =
        r["value"].get<std::string>();
  }
  EXPECT_TRUE(by_name["hp1._domainkey.acme.example TXT"].starts_with("v=DKIM1; k=rsa; p="));
  EXPECT_EQ(by_name["_dmarc.acme.example TXT"], "v=DMARC1; p=none");
  EXPECT_EQ(by_name["acme.example MX"], "10 mail.acme.example.");
  EXPECT_EQ(by_name["mail.acme.example A"], "192.0.2.10");

  json rotated = Post("/api/v1/mail-domains/acme.example/dkim/rotate", "", 202);
  EXPECT_EQ(rotated["mail_domain"]["dkim_selector"], "hp2") << rotated.dump();
  bool ensure = false;
  for (const auto& t : rotated["tasks"]) ensure = ensure || t["kind"] == "maildomain.ensure";
  EXPECT_TRUE(ensure) << rotated.dump();
  EXPECT_EQ(Selector(), "hp2");
}

TEST_F(ApiMailDkimTest, HostileInputIsRefusedAndChangesNothing) {
  const size_t tasks = Tasks();
  // Names that are no mail domain of anyone: 404 (or 400 where the front refuses the path
  // itself), the one error shape.
  for (const char* name : {"nope.example", "acme.example%0A", "..%2F..%2Fetc", "%00",
                           "acme.example%20", "a%22b", "xn--", "-acme.example"}) {
    SCOPED_TRACE(name);
    for (const bool rotate : {false, true}) {
      const std::string path =
          std::string("/api/v1/mail-domains/") + name + (rotate ? "/dkim/rotate" : "/dns");
      auto r =
          rotate ? env_.Client()->Post(path, "", "application/json") : env_.Client()->Get(path);
      ASSERT_TRUE(r);
      EXPECT_TRUE(r->status == 404 || r->status == 400) << r->status << " " << r->body;
      json body = json::parse(r->body, nullptr, false);
      EXPECT_TRUE(body["error"]["code"].is_string()) << r->body;
    }
  }
  const std::string long_name(300, 'a');
  Get("/api/v1/mail-domains/" + long_name + ".example/dns", 404);
  // Fields and parameters the routes do not take.
  json unknown = Post("/api/v1/mail-domains/acme.example/dkim/rotate",
                      R"({"selector":"evil","private_key":"-----BEGIN"})", 422);
  EXPECT_EQ(unknown["error"]["code"], "invalid") << unknown.dump();
  EXPECT_TRUE(unknown["error"]["fields"].contains("selector")) << unknown.dump();
  Post("/api/v1/mail-domains/acme.example/dkim/rotate", "[1]", 422);
  Post("/api/v1/mail-domains/acme.example/dkim/rotate", "{\"", 400);
  json query = Get("/api/v1/mail-domains/acme.example/dns?zone=evil.example", 422);
  EXPECT_TRUE(query["error"]["fields"].contains("zone")) << query.dump();
  // Without a token: 401.
  auto anonymous = env_.Client("")->Get("/api/v1/mail-domains/acme.example/dns");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto anonymous_rotate = env_.Client("")->Post("/api/v1/mail-domains/acme.example/dkim/rotate", "",
                                                "application/json");
  ASSERT_TRUE(anonymous_rotate);
  EXPECT_EQ(anonymous_rotate->status, 401);
  // Wrong method.
  auto put = env_.Client()->Put("/api/v1/mail-domains/acme.example/dns", "{}", "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  // Nothing rotated, nothing queued.
  EXPECT_EQ(Selector(), "hp1");
  EXPECT_EQ(Tasks(), tasks);
}

}  // namespace
}  // namespace hostplane::controller
