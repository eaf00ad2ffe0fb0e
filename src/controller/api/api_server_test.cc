#include "controller/api/api_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/api/api_test_env.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;
using testing::ApiEnv;

struct Answer {
  int status = 0;
  json body;
  std::string raw;
  httplib::Headers headers;
};

Answer Parse(const httplib::Result& r) {
  Answer a;
  if (!r) {
    ADD_FAILURE() << "no HTTP answer: " << httplib::to_string(r.error());
    return a;
  }
  a.status = r->status;
  a.raw = r->body;
  a.headers = r->headers;
  a.body = json::parse(r->body, nullptr, false);
  return a;
}

class ApiServerTest : public ::testing::Test {
 protected:
  Answer Get(const std::string& path) { return Parse(client_->Get(path.c_str())); }
  Answer Delete(const std::string& path) { return Parse(client_->Delete(path.c_str())); }
  Answer Post(const std::string& path, const std::string& body) {
    return Parse(client_->Post(path.c_str(), body, "application/json"));
  }
  Answer Post(const std::string& path, const json& body) { return Post(path, body.dump()); }
  Answer Patch(const std::string& path, const json& body) {
    return Parse(client_->Patch(path.c_str(), body.dump(), "application/json"));
  }

  void AddNode() {
    Answer a =
        Post("/api/v1/nodes", json{{"name", "local"}, {"roles", {"web"}}, {"capacity", 100}});
    ASSERT_EQ(a.status, 201) << a.raw;
  }
  void AddCustomer(const std::string& login = "acme") {
    Answer a = Post("/api/v1/customers", json{{"login", login}, {"email", "ops@acme.example"}});
    ASSERT_EQ(a.status, 201) << a.raw;
  }

  // The shape every error has, whatever produced it.
  static void ExpectErrorShape(const Answer& a, const std::string& code) {
    ASSERT_TRUE(a.body.is_object()) << a.raw;
    ASSERT_TRUE(a.body.contains("error")) << a.raw;
    const json& e = a.body["error"];
    EXPECT_EQ(e.value("code", ""), code) << a.raw;
    EXPECT_TRUE(e["message"].is_string()) << a.raw;
    EXPECT_FALSE(e["message"].get<std::string>().empty()) << a.raw;
    EXPECT_TRUE(e["fields"].is_object()) << a.raw;
  }
  static std::string FieldCode(const Answer& a, const std::string& field) {
    return a.body["error"]["fields"].value(field, "");
  }

  ApiEnv env_;
  std::unique_ptr<httplib::Client> client_ = env_.Client();
};

TEST_F(ApiServerTest, HealthzAndOpenApiNeedNoToken) {
  auto anonymous = env_.Client("");
  Answer h = Parse(anonymous->Get("/healthz"));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, json({{"status", "ok"}}));

  Answer doc = Parse(anonymous->Get("/api/v1/openapi.json"));
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body.value("openapi", ""), "3.0.3");
}

TEST_F(ApiServerTest, EveryApiRouteRefusesMissingOrUnknownTokens) {
  const std::vector<std::string> bad_headers = {"", "Basic YWRtaW46eA==", "Bearer ", "Bearer nope",
                                                "Bearer " + env_.token() + "x"};
  for (const auto& route : ApiServer::Routes()) {
    if (!route.authenticated) continue;
    std::string path = route.path;
    for (auto [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"{login}", "acme"},
                                                          {"{domain}", "acme.example"},
                                                          {"{name}", "local"},
                                                          {"{id}", "1"}}) {
      if (auto at = path.find(from); at != std::string::npos) path.replace(at, from.size(), to);
    }
    for (const auto& header : bad_headers) {
      httplib::Client c(env_.url());
      httplib::Headers headers;
      if (!header.empty()) headers.emplace("Authorization", header);
      auto send = [&]() -> httplib::Result {
        if (route.method == "POST") return c.Post(path.c_str(), headers, "{}", "application/json");
        if (route.method == "PATCH")
          return c.Patch(path.c_str(), headers, "{}", "application/json");
        if (route.method == "DELETE") return c.Delete(path.c_str(), headers);
        return c.Get(path.c_str(), headers);
      };
      httplib::Result r = send();
      Answer a = Parse(r);
      EXPECT_EQ(a.status, 401) << route.method << " " << path << " with '" << header << "'";
      ExpectErrorShape(a, "unauthorized");
    }
  }
  // Nothing was created by any of those requests.
  EXPECT_EQ(Get("/api/v1/customers").body["customers"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/nodes").body["nodes"].size(), 0u);
}

TEST_F(ApiServerTest, CustomerLifecycle) {
  Answer created = Post("/api/v1/customers", json{{"login", "acme"},
                                                  {"name", "Acme Ltd"},
                                                  {"email", "ops@acme.example"},
                                                  {"password", "correct horse battery"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["customer"]["login"], "acme");
  EXPECT_EQ(created.body["customer"]["name"], "Acme Ltd");
  EXPECT_TRUE(created.body["tasks"].is_array());
  EXPECT_TRUE(created.body["change_id"].is_number_integer());
  EXPECT_EQ(created.raw.find("password"), std::string::npos) << "no secret in responses";
  EXPECT_EQ(created.raw.find("argon2"), std::string::npos) << "no hash in responses";

  Answer list = Get("/api/v1/customers");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["customers"].size(), 1u);
  EXPECT_EQ(list.body["customers"][0]["login"], "acme");
  EXPECT_TRUE(list.body["next_after"].is_null());

  Answer one = Get("/api/v1/customers/acme");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["customer"]["email"], "ops@acme.example");

  Answer again = Post("/api/v1/customers", json{{"login", "acme"}, {"email", "x@acme.example"}});
  EXPECT_EQ(again.status, 409);
  ExpectErrorShape(again, "conflict");

  Answer deleted = Delete("/api/v1/customers/acme");
  EXPECT_EQ(deleted.status, 202) << deleted.raw;
  EXPECT_TRUE(deleted.body["tasks"].is_array());

  Answer gone = Get("/api/v1/customers/acme");
  EXPECT_EQ(gone.status, 404);
  ExpectErrorShape(gone, "not_found");
}

TEST_F(ApiServerTest, ListsArePagedByKeyset) {
  for (std::string login : {"alpha", "bravo", "charlie"}) AddCustomer(login);
  Answer first = Get("/api/v1/customers?limit=2");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.body["customers"].size(), 2u);
  ASSERT_TRUE(first.body["next_after"].is_number_integer());
  Answer second = Get("/api/v1/customers?limit=2&after=" + first.body["next_after"].dump());
  ASSERT_EQ(second.body["customers"].size(), 1u);
  EXPECT_EQ(second.body["customers"][0]["login"], "charlie");
  EXPECT_TRUE(second.body["next_after"].is_null());
}

TEST_F(ApiServerTest, SiteLifecycleQueuesTasksForTheNode) {
  AddNode();
  AddCustomer();
  Answer created = Post("/api/v1/sites", json{{"domain", "Shop.Acme.Example."},
                                              {"customer", "acme"},
                                              {"aliases", {"www.shop.acme.example"}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["site"]["domain"], "shop.acme.example");
  ASSERT_EQ(created.body["tasks"].size(), 2u);
  EXPECT_EQ(created.body["tasks"][0]["kind"], "account.ensure");
  EXPECT_EQ(created.body["tasks"][1]["kind"], "site.ensure");
  EXPECT_EQ(created.body["tasks"][1]["state"], "pending");

  Answer by_customer = Get("/api/v1/sites?customer=acme");
  ASSERT_EQ(by_customer.status, 200);
  ASSERT_EQ(by_customer.body["sites"].size(), 1u);

  Answer one = Get("/api/v1/sites/shop.acme.example");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["site"]["aliases"], json({"www.shop.acme.example"}));

  Answer patched = Patch("/api/v1/sites/shop.acme.example", json{{"aliases", json::array()}});
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["site"]["aliases"], json::array());
  EXPECT_EQ(patched.body["tasks"].size(), 1u);

  Answer removed = Delete("/api/v1/sites/shop.acme.example?remove_content=true");
  ASSERT_EQ(removed.status, 202) << removed.raw;
  ASSERT_EQ(removed.body["tasks"].size(), 1u);
  EXPECT_EQ(removed.body["tasks"][0]["kind"], "site.remove");
  EXPECT_EQ(Get("/api/v1/sites/shop.acme.example").status, 404);

  Answer audit = Get("/api/v1/audit?object=site:shop.acme.example");
  ASSERT_EQ(audit.status, 200);
  EXPECT_GE(audit.body["audit"].size(), 3u);
}

TEST_F(ApiServerTest, WaitReturnsThePendingTaskAtTimeoutAndTheFinalOneAfterAReport) {
  AddNode();
  AddCustomer();
  Answer created = Post("/api/v1/sites", json{{"domain", "acme.example"}, {"customer", "acme"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  int64_t id = created.body["tasks"][0]["id"];
  int64_t revision = created.body["tasks"][0]["revision"];
  std::string wait = "/api/v1/tasks/" + std::to_string(id) + "/wait";

  Answer pending = Get(wait + "?timeout_ms=50");
  ASSERT_EQ(pending.status, 200) << pending.raw;
  EXPECT_EQ(pending.body["task"]["state"], "pending");
  auto header = pending.headers.find("X-Hostplane-Timeout");
  ASSERT_NE(header, pending.headers.end());
  EXPECT_EQ(header->second, "1");

  ASSERT_TRUE(env_.ReportResult("local", id, revision, protocol::TaskOutcome::kApplied));
  Answer applied = Get(wait + "?timeout_ms=5000");
  ASSERT_EQ(applied.status, 200);
  EXPECT_EQ(applied.body["task"]["state"], "applied");
  EXPECT_EQ(applied.headers.count("X-Hostplane-Timeout"), 0u);

  Answer one = Get("/api/v1/tasks/" + std::to_string(id));
  EXPECT_EQ(one.body["task"]["state"], "applied");
  Answer by_node = Get("/api/v1/tasks?node=local&state=applied");
  ASSERT_EQ(by_node.status, 200);
  EXPECT_EQ(by_node.body["tasks"].size(), 1u);
}

TEST_F(ApiServerTest, MetricsExposeTaskStateAndNodes) {
  AddNode();
  AddCustomer();
  ASSERT_EQ(Post("/api/v1/sites", json{{"domain", "acme.example"}, {"customer", "acme"}}).status,
            201);
  auto anonymous = env_.Client("");
  auto r = anonymous->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  // The site and its account.
  EXPECT_NE(r->body.find("hostplane_tasks{state=\"pending\"} 2\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("hostplane_nodes 1\n"), std::string::npos);
  EXPECT_NE(r->body.find("hostplane_node_head_revision{node=\"local\"} 2\n"), std::string::npos);
}

TEST_F(ApiServerTest, PlansListTheDefaultPlan) {
  Answer plans = Get("/api/v1/plans");
  ASSERT_EQ(plans.status, 200);
  EXPECT_GE(plans.body["plans"].size(), 1u);
}

// Every limit stated, each unlimited unless overridden.
json PlanBody(const std::string& name, json overrides = json::object()) {
  json limits = json::object();
  for (const char* l : {"sites", "mailboxes", "mailbox_quota_mb", "forwarders", "ftp_users",
                        "dns_zones", "databases", "disk_mb"}) {
    limits[l] = overrides.contains(l) ? overrides[l] : json{{"unlimited", true}};
  }
  return {{"name", name}, {"limits", limits}};
}

TEST_F(ApiServerTest, PlansAreCreatedReadAndChosenForCustomers) {
  Answer created = Post("/api/v1/plans", PlanBody("small", {{"sites", 1}, {"disk_mb", 500}}));
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["plan"]["limits"]["sites"], 1);
  EXPECT_EQ(created.body["plan"]["limits"]["disk_mb"], 500);
  EXPECT_EQ(created.body["plan"]["limits"]["mailboxes"], json({{"unlimited", true}}));
  // The sending limit, added later, is optional: omitted, a plan sends 100 messages an hour.
  EXPECT_EQ(created.body["plan"]["limits"]["messages_per_hour"], 100);
  EXPECT_GT(created.body["change_id"].get<int64_t>(), 0);
  json sending = PlanBody("sender");
  sending["limits"]["messages_per_hour"] = 0;
  Answer zero = Post("/api/v1/plans", sending);
  EXPECT_EQ(zero.status, 422) << zero.raw;
  EXPECT_EQ(FieldCode(zero, "limits.messages_per_hour"), "number.out_of_range") << zero.raw;
  sending["limits"]["messages_per_hour"] = 250;
  Answer set = Post("/api/v1/plans", sending);
  ASSERT_EQ(set.status, 201) << set.raw;
  EXPECT_EQ(set.body["plan"]["limits"]["messages_per_hour"], 250);

  Answer got = Get("/api/v1/plans/small");
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body["plan"], created.body["plan"]);
  EXPECT_EQ(Get("/api/v1/plans/nope").status, 404);
  EXPECT_EQ(Get("/api/v1/plans").body["plans"].size(), 3u);  // default, small, sender

  Answer dup = Post("/api/v1/plans", PlanBody("small"));
  EXPECT_EQ(dup.status, 409) << dup.raw;
  ExpectErrorShape(dup, "conflict");
  EXPECT_EQ(FieldCode(dup, "name"), "plan.taken");

  // Chosen at creation, changed later; refused below the customer's usage.
  AddNode();
  Answer customer = Post("/api/v1/customers",
                         json{{"login", "acme"}, {"email", "ops@acme.example"}, {"plan", "small"}});
  ASSERT_EQ(customer.status, 201) << customer.raw;
  EXPECT_EQ(customer.body["customer"]["plan_id"], created.body["plan"]["id"]);
  ASSERT_EQ(Post("/api/v1/sites", json{{"domain", "a.acme.example"}, {"customer", "acme"}}).status,
            201);
  Answer over = Post("/api/v1/sites", json{{"domain", "b.acme.example"}, {"customer", "acme"}});
  EXPECT_EQ(over.status, 409) << over.raw;
  EXPECT_EQ(FieldCode(over, "domain"), "plan.sites_limit");

  Answer roomy = Patch("/api/v1/customers/acme", json{{"plan", "default"}});
  ASSERT_EQ(roomy.status, 200) << roomy.raw;
  EXPECT_NE(roomy.body["customer"]["plan_id"], created.body["plan"]["id"]);
  ASSERT_EQ(Post("/api/v1/sites", json{{"domain", "b.acme.example"}, {"customer", "acme"}}).status,
            201);
  Answer below = Patch("/api/v1/customers/acme", json{{"plan", "small"}});
  EXPECT_EQ(below.status, 409) << below.raw;
  ExpectErrorShape(below, "limit_reached");
  EXPECT_EQ(FieldCode(below, "plan"), "plan.below_usage");
  EXPECT_EQ(Get("/api/v1/customers/acme").body["customer"]["plan_id"],
            roomy.body["customer"]["plan_id"]);

  Answer unknown = Patch("/api/v1/customers/acme", json{{"plan", "gold"}});
  EXPECT_EQ(unknown.status, 422) << unknown.raw;
  EXPECT_EQ(FieldCode(unknown, "plan"), "plan.unknown");
  Answer typed = Patch("/api/v1/customers/acme", json{{"plan", 3}, {"email", "x@y.example"}});
  EXPECT_EQ(typed.status, 422) << typed.raw;
  EXPECT_EQ(FieldCode(typed, "plan"), "field.type");
  EXPECT_EQ(FieldCode(typed, "email"), "field.unknown");
  EXPECT_EQ(Patch("/api/v1/customers/nobody", json{{"plan", "small"}}).status, 404);
}

TEST_F(ApiServerTest, PlanLimitsAreNumbersOrTheUnlimitedFlagAndNothingElse) {
  struct Case {
    const char* name;
    json body;
    std::map<std::string, std::string> fields;
  };
  auto limit = [](const char* field, json value) { return PlanBody("gold", {{field, value}}); };
  json missing_limit = PlanBody("gold");
  missing_limit["limits"].erase("ftp_users");
  json extra_limit = PlanBody("gold");
  extra_limit["limits"]["cpu"] = 5;
  json typed_name = PlanBody("gold");
  typed_name["name"] = 7;
  const std::vector<Case> cases = {
      {"minus one", limit("sites", -1), {{"limits.sites", "number.out_of_range"}}},
      {"negative", limit("mailboxes", -20), {{"limits.mailboxes", "number.out_of_range"}}},
      {"above the range", limit("sites", 1'000'001), {{"limits.sites", "number.out_of_range"}}},
      {"zero quota",
       limit("mailbox_quota_mb", 0),
       {{"limits.mailbox_quota_mb", "number.out_of_range"}}},
      {"huge",
       limit("disk_mb", json(uint64_t{18'000'000'000'000'000'000u})),
       {{"limits.disk_mb", "field.type"}}},
      {"string", limit("sites", "10"), {{"limits.sites", "field.type"}}},
      {"string unlimited", limit("sites", "unlimited"), {{"limits.sites", "field.type"}}},
      {"float", limit("sites", 2.5), {{"limits.sites", "field.type"}}},
      {"whole float", limit("forwarders", 2.0), {{"limits.forwarders", "field.type"}}},
      {"boolean", limit("sites", true), {{"limits.sites", "field.type"}}},
      {"null", limit("databases", nullptr), {{"limits.databases", "field.required"}}},
      {"unlimited false", limit("sites", {{"unlimited", false}}), {{"limits.sites", "field.type"}}},
      {"unlimited with more",
       limit("dns_zones", {{"unlimited", true}, {"max", 3}}),
       {{"limits.dns_zones", "field.type"}}},
      {"array", limit("sites", json::array({1})), {{"limits.sites", "field.type"}}},
      {"missing limit", missing_limit, {{"limits.ftp_users", "field.required"}}},
      {"unknown limit", extra_limit, {{"limits.cpu", "field.unknown"}}},
      {"no limits", json{{"name", "gold"}}, {{"limits", "field.required"}}},
      {"limits not an object", json{{"name", "gold"}, {"limits", 5}}, {{"limits", "field.type"}}},
      {"bad name", PlanBody("Gold!"), {{"name", "plan.invalid_name"}}},
      {"name not a string", typed_name, {{"name", "field.type"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Answer a = Post("/api/v1/plans", c.body);
    EXPECT_EQ(a.status, 422) << a.raw;
    ExpectErrorShape(a, "invalid");
    std::map<std::string, std::string> fields;
    for (const auto& [k, v] : a.body["error"]["fields"].items()) fields[k] = v;
    EXPECT_EQ(fields, c.fields) << a.raw;
  }
  Answer plans = Get("/api/v1/plans");
  ASSERT_EQ(plans.body["plans"].size(), 1u) << "a refused plan was stored";
  EXPECT_EQ(Get("/api/v1/audit").body["audit"].size(), 0u);
}

struct BadRequest {
  std::string name;
  std::string method;
  std::string path;
  std::string body;
  int status;
  std::string code;
  std::string field;  // empty: no field expected
  std::string field_code;
};

TEST_F(ApiServerTest, EveryErrorHasTheOneShape) {
  AddNode();
  AddCustomer();
  const std::vector<BadRequest> cases = {
      {"malformed JSON", "POST", "/api/v1/customers", "{\"login\":", 400, "invalid_json", "body",
       "invalid_json"},
      {"empty body", "POST", "/api/v1/sites", "", 400, "invalid_json", "body", "invalid_json"},
      {"body not an object", "POST", "/api/v1/customers", "[1,2]", 422, "invalid", "body",
       "field.type"},
      {"wrong type", "POST", "/api/v1/customers", R"({"login": 5, "email": "a@b.example"})", 422,
       "invalid", "login", "field.type"},
      {"missing field", "POST", "/api/v1/customers", R"({"login": "bravo"})", 422, "invalid",
       "email", "field.required"},
      {"unknown field", "POST", "/api/v1/customers",
       R"({"login": "bravo", "email": "a@b.example", "admin": true})", 422, "invalid", "admin",
       "field.unknown"},
      {"aliases of the wrong type", "POST", "/api/v1/sites",
       R"({"domain": "b.example", "customer": "acme", "aliases": "c.example"})", 422, "invalid",
       "aliases", "field.type"},
      {"alias not a string", "POST", "/api/v1/sites",
       R"({"domain": "b.example", "customer": "acme", "aliases": ["c.example", 7]})", 422,
       "invalid", "aliases[1]", "field.type"},
      {"capacity not an integer", "POST", "/api/v1/nodes",
       R"({"name": "web2", "roles": ["web"], "capacity": "many"})", 422, "invalid", "capacity",
       "field.type"},
      {"unknown customer", "POST", "/api/v1/sites",
       R"({"domain": "b.example", "customer": "zulu"})", 404, "not_found", "", ""},
      {"limit out of range", "GET", "/api/v1/customers?limit=0", "", 422, "invalid", "limit",
       "limit.out_of_range"},
      {"limit not a number", "GET", "/api/v1/sites?limit=ten", "", 422, "invalid", "limit",
       "limit.out_of_range"},
      {"after not an id", "GET", "/api/v1/mailboxes?after=-3", "", 422, "invalid", "after",
       "after.invalid"},
      {"unknown query parameter", "GET", "/api/v1/sites?custmer=acme", "", 422, "invalid",
       "custmer", "field.unknown"},
      {"remove_content not a bool", "DELETE", "/api/v1/sites/acme.example?remove_content=yes", "",
       422, "invalid", "remove_content", "field.type"},
      {"task id not a number", "GET", "/api/v1/tasks/abc", "", 422, "invalid", "id",
       "number.not_integer"},
      {"wait too long", "GET", "/api/v1/tasks/1/wait?timeout_ms=600000", "", 422, "invalid",
       "timeout_ms", "number.out_of_range"},
      {"unknown task", "GET", "/api/v1/tasks/999", "", 404, "not_found", "", ""},
      {"unknown site", "GET", "/api/v1/sites/nothing.example", "", 404, "not_found", "", ""},
      {"unknown node", "GET", "/api/v1/nodes/nothing", "", 404, "not_found", "", ""},
      {"unknown route", "GET", "/api/v1/nothing", "", 404, "not_found", "", ""},
      {"unknown top-level path", "GET", "/index.php", "", 404, "not_found", "", ""},
      {"wrong method", "PUT", "/api/v1/customers", "{}", 405, "method_not_allowed", "", ""},
      {"wrong method on a template", "POST", "/api/v1/sites/acme.example", "{}", 405,
       "method_not_allowed", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto send = [&]() -> httplib::Result {
      if (c.method == "POST") return client_->Post(c.path.c_str(), c.body, "application/json");
      if (c.method == "PUT") return client_->Put(c.path.c_str(), c.body, "application/json");
      if (c.method == "DELETE") return client_->Delete(c.path.c_str());
      return client_->Get(c.path.c_str());
    };
    httplib::Result r = send();
    Answer a = Parse(r);
    EXPECT_EQ(a.status, c.status) << a.raw;
    ExpectErrorShape(a, c.code);
    if (!c.field.empty()) EXPECT_EQ(FieldCode(a, c.field), c.field_code) << a.raw;
    if (c.status == 405) EXPECT_FALSE(r->get_header_value("Allow").empty());
  }
  EXPECT_EQ(Get("/api/v1/sites").body["sites"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/tasks").body["tasks"].size(), 0u);
}

struct HostileInput {
  std::string name;
  std::string path;  // POST target
  json body;
  std::string field;
  std::string code;
};

// shared/SECURITY.md rule 3 and "Input grammars": every refusal is a 4xx with the field's code,
// and nothing is stored or queued.
TEST_F(ApiServerTest, HostileInputsAreRefusedAndNothingIsStored) {
  AddNode();
  AddCustomer();
  auto site = [](const std::string& domain) {
    return json{{"domain", domain}, {"customer", "acme"}};
  };
  const std::string label64(64, 'a');
  const std::vector<HostileInput> cases = {
      {"newline", "/api/v1/sites", site("a\nb.example.com"), "domain", "domain.invalid_character"},
      {"CRLF", "/api/v1/sites", site("a.example.com\r\nHost: x"), "domain",
       "domain.invalid_character"},
      {"semicolon", "/api/v1/sites", site("a;b.example.com"), "domain", "domain.invalid_character"},
      {"brace", "/api/v1/sites", site("a{b.example.com"), "domain", "domain.invalid_character"},
      {"quote", "/api/v1/sites", site("a\"b.example.com"), "domain", "domain.invalid_character"},
      {"dollar", "/api/v1/sites", site("$host.example.com"), "domain", "domain.invalid_character"},
      {"space", "/api/v1/sites", site("a b.example.com"), "domain", "domain.invalid_character"},
      {"IP literal", "/api/v1/sites", site("192.168.1.10"), "domain", "domain.ip_literal"},
      {"localhost", "/api/v1/sites", site("localhost"), "domain", "domain.reserved"},
      {"single label", "/api/v1/sites", site("intranet"), "domain", "domain.single_label"},
      {"64-char label", "/api/v1/sites", site(label64 + ".example.com"), "domain",
       "domain.label_too_long"},
      {"alias with a newline", "/api/v1/sites",
       json{{"domain", "ok.example.com"}, {"customer", "acme"}, {"aliases", {"x\n.example.com"}}},
       "aliases[0]", "domain.invalid_character"},
      {"docroot escaping the home", "/api/v1/sites",
       json{{"domain", "ok.example.com"}, {"customer", "acme"}, {"docroot", "../x"}}, "docroot",
       "path.dot_dot"},
      {"absolute docroot", "/api/v1/sites",
       json{{"domain", "ok.example.com"}, {"customer", "acme"}, {"docroot", "/etc"}}, "docroot",
       "path.absolute"},
      {"login starting with a digit", "/api/v1/customers",
       json{{"login", "1abc"}, {"email", "a@b.example"}}, "login", "login.starts_with_digit"},
      {"reserved login", "/api/v1/customers", json{{"login", "root"}, {"email", "a@b.example"}},
       "login", "login.reserved"},
      {"login with a newline", "/api/v1/customers",
       json{{"login", "ab\ncd"}, {"email", "a@b.example"}}, "login", "login.invalid_character"},
      {"short password", "/api/v1/customers",
       json{{"login", "bravo"}, {"email", "a@b.example"}, {"password", "short"}}, "password",
       "password.too_short"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Answer a = Post(c.path, c.body);
    EXPECT_EQ(a.status, 422) << a.raw;
    ExpectErrorShape(a, "invalid");
    EXPECT_EQ(FieldCode(a, c.field), c.code) << a.raw;
  }
  EXPECT_EQ(Get("/api/v1/sites").body["sites"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/tasks").body["tasks"].size(), 0u);
  Answer customers = Get("/api/v1/customers");
  ASSERT_EQ(customers.body["customers"].size(), 1u);  // only the fixture's
  EXPECT_EQ(customers.body["customers"][0]["login"], "acme");
}

TEST_F(ApiServerTest, HostilePathParametersAreRefusedOrUnknown) {
  AddCustomer();
  for (std::string path : {"/api/v1/sites/a%0Ab.example", "/api/v1/sites/a%3Bb.example",
                           "/api/v1/customers/ro%0Aot", "/api/v1/sites/..%2Fx"}) {
    SCOPED_TRACE(path);
    Answer a = Get(path);
    EXPECT_TRUE(a.status == 422 || a.status == 404) << a.status << " " << a.raw;
    ASSERT_TRUE(a.body.contains("error")) << a.raw;
  }
}

}  // namespace
}  // namespace hostplane::controller
