// api/openapi.json and ApiServer::Routes() describe the same API: every (method, path) of one is
// in the other. Adding a route without documenting it (or the reverse) fails here.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "controller/api/api_server.h"
#include "controller/api/api_test_env.h"
#include "controller/auth/token_scopes.h"
#include "controller/store/entity_json.h"
#include "controller/store/people_json.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;
using Endpoint = std::pair<std::string, std::string>;  // (METHOD, path template)

json LoadDocument() {
  std::ifstream in(testing::OpenApiPath());
  EXPECT_TRUE(in) << testing::OpenApiPath();
  return json::parse(in, nullptr, false);
}

TEST(OpenApi, DocumentIsOpenApi303WithBearerSecurity) {
  json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded()) << "api/openapi.json is not valid JSON";
  EXPECT_EQ(doc.value("openapi", ""), "3.0.3");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
  for (const char* schema : {"Customer", "Site", "Node", "Plan", "Task", "AuditEntry", "Error",
                             "CustomerChange", "SiteChange", "NodeChange"}) {
    EXPECT_TRUE(doc["components"]["schemas"].contains(schema)) << schema;
  }
}

TEST(OpenApi, DocumentsExactlyTheServedRoutes) {
  json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  std::set<Endpoint> documented;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return std::toupper(c); });
      documented.insert({upper, path});
    }
  }
  std::set<Endpoint> served;
  for (const auto& r : ApiServer::Routes()) served.insert({r.method, r.path});

  for (const auto& e : served) {
    EXPECT_TRUE(documented.count(e)) << "served but not documented: " << e.first << " " << e.second;
  }
  for (const auto& e : documented) {
    EXPECT_TRUE(served.count(e)) << "documented but not served: " << e.first << " " << e.second;
  }
}

// Public routes are exactly the ones the document marks with an empty security list.
TEST(OpenApi, SecurityMatchesAuthentication) {
  json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  for (const auto& r : ApiServer::Routes()) {
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    const json& op = doc["paths"][r.path][method];
    bool is_public = op.contains("security") && op["security"].empty();
    EXPECT_EQ(is_public, !r.authenticated) << r.method << " " << r.path;
  }
}

// Every authenticated route names the token scope it requires (x-required-scope), and it is a
// scope tokens can have: "<area>:read" for a GET, "<area>:write" otherwise (the relay's user list
// is read with nodes:write: it carries their password hashes).
TEST(OpenApi, EveryAuthenticatedRouteNamesItsScope) {
  json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  for (const auto& r : ApiServer::Routes()) {
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    const json& op = doc["paths"][r.path][method];
    if (!r.authenticated) {
      EXPECT_FALSE(op.contains("x-required-scope")) << r.method << " " << r.path;
      continue;
    }
    ASSERT_TRUE(op.contains("x-required-scope")) << r.method << " " << r.path;
    const std::string scope = op["x-required-scope"].get<std::string>();
    auto checked = auth::CheckScopes({scope});
    EXPECT_TRUE(checked) << r.method << " " << r.path << ": " << scope;
    const bool write = scope.size() > 6 && scope.substr(scope.size() - 6) == ":write";
    if (r.path.rfind("/api/v1/relay/", 0) != 0) {
      EXPECT_EQ(write, r.method != "GET") << r.method << " " << r.path << ": " << scope;
    }
  }
}

// Every $ref points at something that exists.
void CollectRefs(const json& j, std::set<std::string>& refs) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "$ref" && v.is_string()) refs.insert(v.get<std::string>());
      CollectRefs(v, refs);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) CollectRefs(v, refs);
  }
}

TEST(OpenApi, EveryReferenceResolves) {
  json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  std::set<std::string> refs;
  CollectRefs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << "dangling " << ref;
  }
}

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (const auto& [k, v] : object.items()) keys.insert(k);
  return keys;
}

// The schemas list exactly the fields entity_json.h writes, so clients generated from the
// document see every field and no phantom ones.
TEST(OpenApi, EntitySchemasMatchTheirJsonEncoders) {
  json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  const json& schemas = doc["components"]["schemas"];
  const std::vector<std::pair<std::string, json>> cases = {
      {"Plan", ToJson(Plan{})},         {"Customer", ToJson(Customer{})},
      {"Site", ToJson(Site{})},         {"Node", ToJson(Node{})},
      {"Task", ToJson(TaskRecord{})},   {"AuditEntry", ToJson(AuditEntry{})},
      {"Reseller", ToJson(Reseller{})}, {"User", ToJson(User{})},
      {"ApiToken", ToJson(ApiToken{})},
  };
  for (const auto& [name, encoded] : cases) {
    EXPECT_EQ(Keys(schemas[name]["properties"]), Keys(encoded)) << name;
  }
}

}  // namespace
}  // namespace hostplane::controller
