#include "protocol/spec_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostplane::protocol {
namespace {

// The fields a FieldErrors recorded: {path: code}, empty when there was none.
std::map<std::string, std::string> Fields(const FieldErrors& errors) {
  if (errors.empty()) return {};
  return errors.ToError().fields;
}

TEST(SpecReaderTest, ReadsPresentMembersOfTheirType) {
  Json j = {{"s", "x"}, {"b", true}, {"i", 7}, {"n", 2.5}, {"list", {"a", "b"}}};
  FieldErrors errors;
  SpecReader r(j, errors);
  EXPECT_EQ(r.String("s"), "x");
  EXPECT_EQ(r.Bool("b"), true);
  EXPECT_EQ(r.Integer("i", 0, 10), 7);
  EXPECT_EQ(r.NonNegativeNumber("n"), 2.5);
  EXPECT_EQ(r.Strings("list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(errors.empty());
}

TEST(SpecReaderTest, AbsentMembersTakeTheFallbackOrAreMissing) {
  Json j = Json::object();
  FieldErrors errors;
  SpecReader r(j, errors);
  EXPECT_EQ(r.String("s", std::string("d")), "d");
  EXPECT_EQ(r.Bool("b", false), false);
  EXPECT_EQ(r.Integer("i", 0, 10, int64_t{3}), 3);
  ASSERT_NE(r.Array("optional_list", /*optional=*/true), nullptr);
  EXPECT_TRUE(r.Array("optional_list", /*optional=*/true)->empty());
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(r.String("s"), std::nullopt);
  EXPECT_EQ(r.Array("list"), nullptr);
  EXPECT_EQ(r.Object("o"), nullptr);
  EXPECT_EQ(Fields(errors),
            (std::map<std::string, std::string>{
                {"s", "field.missing"}, {"list", "field.missing"}, {"o", "field.missing"}}));
}

TEST(SpecReaderTest, RefusesAWrongTypeAndNull) {
  const struct {
    const char* name;
    Json value;
    std::function<bool(const SpecReader&)> read;  // true when the read gave a value
  } cases[] = {
      {"null string", nullptr, [](const SpecReader& r) { return r.String("k", "x").has_value(); }},
      {"number string", 5, [](const SpecReader& r) { return r.String("k").has_value(); }},
      {"int bool", 1, [](const SpecReader& r) { return r.Bool("k", false).has_value(); }},
      {"float integer", 5.0, [](const SpecReader& r) { return r.Integer("k", 0, 9).has_value(); }},
      {"string integer", "5", [](const SpecReader& r) { return r.Integer("k", 0, 9).has_value(); }},
      {"string number", "1",
       [](const SpecReader& r) { return r.NonNegativeNumber("k").has_value(); }},
      {"mixed strings", {"a", 1}, [](const SpecReader& r) { return r.Strings("k").has_value(); }},
      {"object array", Json::object(), [](const SpecReader& r) { return r.Array("k") != nullptr; }},
      {"array object", Json::array(), [](const SpecReader& r) { return r.Object("k") != nullptr; }},
  };
  for (const auto& c : cases) {
    Json j = {{"k", c.value}};
    FieldErrors errors;
    SpecReader r(j, errors);
    EXPECT_FALSE(c.read(r)) << c.name;
    EXPECT_EQ(Fields(errors), (std::map<std::string, std::string>{{"k", "field.type"}})) << c.name;
  }
}

TEST(SpecReaderTest, ChecksIntegerRangesIncludingJsonUnsigned) {
  const struct {
    Json value;
    std::optional<int64_t> want;
  } cases[] = {
      {1000, 1000},
      {4294967293u, 4294967293},
      {999, std::nullopt},
      {-1, std::nullopt},
      {4294967294u, std::nullopt},
      {18446744073709551615u, std::nullopt},  // 2^64 - 1 must not wrap to -1
  };
  for (const auto& c : cases) {
    Json j = {{"uid", c.value}};
    FieldErrors errors;
    SpecReader r(j, errors);
    EXPECT_EQ(r.Integer("uid", 1000, 4294967293, std::nullopt, "number.out_of_range"), c.want)
        << c.value.dump();
    std::map<std::string, std::string> want_fields;
    if (!c.want) want_fields = {{"uid", "number.out_of_range"}};
    EXPECT_EQ(Fields(errors), want_fields) << c.value.dump();
  }
  Json huge = {{"n", 18446744073709551615u}, {"neg", -0.5}};
  FieldErrors errors;
  SpecReader r(huge, errors);
  EXPECT_EQ(r.Integer("n"), std::nullopt);
  EXPECT_EQ(r.NonNegativeNumber("neg"), std::nullopt);
  EXPECT_EQ(Fields(errors),
            (std::map<std::string, std::string>{{"n", "field.range"}, {"neg", "field.range"}}));
}

TEST(SpecReaderTest, NamesNestedMembersByTheirFullPath) {
  Json j = {{"mailboxes", {{{"local", "a"}}, "not an object", {{"local", 5}}}},
            {"targets", {"x@a.example", 7}}};
  FieldErrors errors;
  SpecReader r(j, errors);
  const Json* list = r.Array("mailboxes");
  ASSERT_NE(list, nullptr);
  auto first = r.ObjectItem(*list, "mailboxes", 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Path("local"), "mailboxes[0].local");
  EXPECT_EQ(first->String("local"), "a");
  EXPECT_FALSE(r.ObjectItem(*list, "mailboxes", 1));
  auto third = r.ObjectItem(*list, "mailboxes", 2);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->String("local"), std::nullopt);
  EXPECT_EQ(third->String("quota"), std::nullopt);
  const Json* targets = r.Array("targets");
  ASSERT_NE(targets, nullptr);
  EXPECT_EQ(r.StringItem(*targets, "targets", 0), "x@a.example");
  EXPECT_EQ(r.StringItem(*targets, "targets", 1), std::nullopt);
  EXPECT_EQ(Fields(errors), (std::map<std::string, std::string>{
                                {"mailboxes[1]", "field.type"},
                                {"mailboxes[2].local", "field.type"},
                                {"mailboxes[2].quota", "field.missing"},
                                {"targets[1]", "field.type"},
                            }));
  EXPECT_EQ(r.Nested(j, "soa").Path("mname"), "soa.mname");
  EXPECT_EQ(r.Path(""), "");
}

TEST(SpecReaderTest, RefusesValidValuesThatAreNotCanonical) {
  Json j = {{"canonical", "shop.acme.example"},
            {"upper", "Shop.ACME.example"},
            {"invalid", "-x.example"},
            {"number", 5}};
  FieldErrors errors;
  SpecReader r(j, errors);
  EXPECT_EQ(r.Canonical("canonical", CheckDomain, "domain"), "shop.acme.example");
  EXPECT_EQ(r.Canonical("upper", CheckDomain, "domain"), "Shop.ACME.example");
  EXPECT_EQ(r.Canonical("invalid", CheckDomain, "domain"), "-x.example");
  EXPECT_EQ(r.Canonical("number", CheckDomain, "domain"), "");
  EXPECT_EQ(r.Canonical("absent", CheckDomain, "domain"), "");
  Error e = errors.ToError();
  EXPECT_EQ(e.fields, (std::map<std::string, std::string>{{"upper", "domain.not_canonical"},
                                                          {"invalid", "domain.hyphen"},
                                                          {"number", "field.type"},
                                                          {"absent", "field.missing"}}));
  EXPECT_NE(e.message.find("is not in canonical form (\"shop.acme.example\")"), std::string::npos)
      << e.message;
}

}  // namespace
}  // namespace hostplane::protocol
