#include "controller/api/request_body.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "controller/api/api_error.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;
using Fields = std::map<std::string, std::string>;

TEST(ParseJsonObject, RefusesNonJsonAndNonObjects) {
  struct Case {
    std::string body;
    int status;
    Fields fields;
  };
  const std::vector<Case> cases = {
      {"", 400, {{"body", "invalid_json"}}},
      {"{", 400, {{"body", "invalid_json"}}},
      {"{\"a\":1} trailing", 400, {{"body", "invalid_json"}}},
      {"[]", 422, {{"body", "field.type"}}},
      {"\"text\"", 422, {{"body", "field.type"}}},
      {"null", 422, {{"body", "field.type"}}},
  };
  for (const auto& c : cases) {
    auto r = ParseJsonObject(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(HttpStatusFor(r.error()), c.status) << c.body;
    EXPECT_EQ(r.error().fields, c.fields) << c.body;
  }
  EXPECT_TRUE(ParseJsonObject("{}"));
}

TEST(ParseJsonObject, RefusesDuplicateKeysAtAnyDepth) {
  struct Case {
    std::string body;
    Fields fields;
  };
  const std::vector<Case> cases = {
      {R"({"domain":"x.example","customer":"b","customer":"a"})",
       {{"customer", "field.duplicate"}}},
      {R"({"a":1,"a":1})", {{"a", "field.duplicate"}}},
      {R"({"limits":{"sites":1,"sites":2}})", {{"limits.sites", "field.duplicate"}}},
      {R"({"x":[{"k":1},{"k":1,"k":2}]})", {{"x[1].k", "field.duplicate"}}},
      {R"({"x":[[1],{"k":1,"k":2}]})", {{"x[1].k", "field.duplicate"}}},
      {R"({"a":{"b":1},"a":{"b":1}})", {{"a", "field.duplicate"}}},
  };
  for (const auto& c : cases) {
    auto r = ParseJsonObject(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(HttpStatusFor(r.error()), 422) << c.body;
    EXPECT_EQ(r.error().fields, c.fields) << c.body;
  }
  // The same key in different objects, or as a value, is not a duplicate.
  for (const char* ok : {R"({"a":{"k":1},"b":{"k":1}})", R"({"x":[{"k":1},{"k":1}]})",
                         R"({"k":"k","v":{"k":"k"}})"}) {
    auto r = ParseJsonObject(ok);
    EXPECT_TRUE(r) << ok << ": " << (r ? "" : r.error().message);
  }
}

struct ReadCase {
  std::string name;
  json body;
  Fields fields;  // empty: accepted
};

// Reads the body of a hypothetical route: {name: string (required), tags: [string], n: int}.
Status ReadAll(const json& body) {
  BodyReader r(body);
  r.String("name", Presence::kRequired);
  r.StringArray("tags", Presence::kOptional);
  r.Integer("n", Presence::kOptional);
  return r.Finish();
}

TEST(BodyReader, ReportsEveryBadFieldAtOnce) {
  const std::vector<ReadCase> cases = {
      {"minimal", {{"name", "x"}}, {}},
      {"full", {{"name", "x"}, {"tags", {"a", "b"}}, {"n", 3}}, {}},
      {"null optional is absent", {{"name", "x"}, {"n", nullptr}}, {}},
      {"missing required", json::object(), {{"name", "field.required"}}},
      {"null required", {{"name", nullptr}}, {{"name", "field.required"}}},
      {"number for string", {{"name", 1}}, {{"name", "field.type"}}},
      {"string for array", {{"name", "x"}, {"tags", "a"}}, {{"tags", "field.type"}}},
      {"bad element", {{"name", "x"}, {"tags", {"a", 2}}}, {{"tags[1]", "field.type"}}},
      {"float for integer", {{"name", "x"}, {"n", 1.5}}, {{"n", "field.type"}}},
      {"string for integer", {{"name", "x"}, {"n", "3"}}, {{"n", "field.type"}}},
      {"too large for int64",
       {{"name", "x"}, {"n", 18446744073709551615ull}},
       {{"n", "field.type"}}},
      {"unknown", {{"name", "x"}, {"admin", true}}, {{"admin", "field.unknown"}}},
      {"several at once",
       {{"tags", 1}, {"extra", 0}},
       {{"name", "field.required"}, {"tags", "field.type"}, {"extra", "field.unknown"}}},
  };
  for (const auto& c : cases) {
    Status s = ReadAll(c.body);
    if (c.fields.empty()) {
      EXPECT_TRUE(s) << c.name << ": " << s.error().message;
      continue;
    }
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << c.name;
    EXPECT_EQ(HttpStatusFor(s.error()), 422) << c.name;
    EXPECT_EQ(s.error().fields, c.fields) << c.name;
  }
}

TEST(HttpStatusFor, MapsEveryCodeOnce) {
  const std::vector<std::pair<Error, int>> cases = {
      {Error::Invalid("x"), 422},   {InvalidJsonError("x"), 400},   {Error::NotFound("x"), 404},
      {Error::Conflict("x"), 409},  {Error::Limit("x"), 409},       {Error::Unauthorized("x"), 401},
      {Error::Forbidden("x"), 403}, {Error::Unavailable("x"), 503}, {Error::Timeout("x"), 504},
      {Error::Io("x"), 500},        {Error::Validation("x"), 500},  {Error::Internal("x"), 500},
  };
  for (const auto& [e, status] : cases) {
    EXPECT_EQ(HttpStatusFor(e), status) << ErrorCodeName(e.code);
  }
  json body = ErrorJson(Error::Limit("Plan allows 1 site."));
  EXPECT_EQ(body["error"]["code"], "limit_reached");
  EXPECT_EQ(body["error"]["message"], "Plan allows 1 site.");
  EXPECT_EQ(body["error"]["fields"], json::object());
  EXPECT_EQ(ErrorJson(InvalidJsonError("x"))["error"]["code"], "invalid_json");
}

}  // namespace
}  // namespace hostplane::controller
