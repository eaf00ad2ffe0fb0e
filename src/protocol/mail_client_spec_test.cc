// mailclient.ensure / mailclient.remove (mail_client_spec.h): a round trip, and a field code for
// every violation, all at once.

#include "protocol/mail_client_spec.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace hostplane::protocol {
namespace {

TEST(MailClientSpecTest, RoundTrips) {
  const MailClientSpec s{"acme.example", "acme"};
  EXPECT_EQ(ToJson(s), (Json{{"domain", "acme.example"}, {"account", "acme"}}));
  auto back = MailClientSpecFromJson(ToJson(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(MailClientSpecTest, RefusesEachBadFieldWithItsCode) {
  struct Case {
    Json spec;
    std::map<std::string, std::string> fields;
  };
  for (const auto& c : std::vector<Case>{
           {Json::object(), {{"domain", "field.missing"}, {"account", "field.missing"}}},
           {{{"domain", "ACME.example"}, {"account", "acme"}},
            {{"domain", "domain.not_canonical"}}},
           {{{"domain", "acme.example\nx"}, {"account", "acme"}}, {}},
           {{{"domain", "acme.example"}, {"account", "a b"}}, {{"account", ""}}},
           {{{"domain", 7}, {"account", nullptr}},
            {{"domain", "field.type"}, {"account", "field.type"}}},
       }) {
    SCOPED_TRACE(c.spec.dump());
    auto s = MailClientSpecFromJson(c.spec);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
    for (const auto& [field, code] : c.fields) {
      ASSERT_EQ(s.error().fields.count(field), 1u) << s.error().message;
      if (!code.empty()) {
        EXPECT_EQ(s.error().fields.at(field), code);
      }
    }
    if (c.fields.empty()) {
      EXPECT_EQ(s.error().fields.count("domain"), 1u) << s.error().message;
    }
  }
  EXPECT_FALSE(MailClientSpecFromJson(Json::array()));
}

}  // namespace
}  // namespace hostplane::protocol
