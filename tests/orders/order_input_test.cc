#include "controller/orders/order_input.h"

#include <gtest/gtest.h>

namespace hostplane::controller {
namespace {

using nlohmann::json;

json ValidBody() {
  return {{"plan", "basic"},
          {"contact",
           {{"name", "Ann Example"}, {"email", "Ann@Acme.Example"}, {"phone", "+49 30 1234567"}}},
          {"login", "ann"},
          {"domain", "Shop.Acme.Example."},
          {"billing",
           {{"name", "Acme GmbH"},
            {"street", "Main Street 1"},
            {"postcode", "10115"},
            {"city", "Berlin"},
            {"country", "de"}}},
          {"tos_version", "2026-12"},
          {"payment", {{"token", "tok_approve"}}}};
}

// The code of path when body (ValidBody with path set to value) is checked; "" when it passes.
std::string CodeFor(const std::string& path, const json& value) {
  json body = ValidBody();
  json::json_pointer ptr("/" + [&] {
    std::string p = path;
    for (char& c : p) c = c == '.' ? '/' : c;
    return p;
  }());
  body[ptr] = value;
  auto r = CheckOrderRequest(body, "2026-12");
  if (r) return "";
  auto it = r.error().fields.find(path);
  return it == r.error().fields.end() ? "(other: " + r.error().message + ")" : it->second;
}

TEST(OrderInputTest, AValidFormComesBackCanonical) {
  auto r = CheckOrderRequest(ValidBody(), "2026-12");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->request.email, "Ann@acme.example");
  EXPECT_EQ(r->request.domain, "shop.acme.example");
  EXPECT_EQ(r->request.billing_country, "DE");
  EXPECT_EQ(r->request.phone, "+49301234567");
  EXPECT_EQ(r->request.payment_token, "tok_approve");
  EXPECT_FALSE(r->honeypot_filled);
}

TEST(OrderInputTest, HostileInputsAreRefusedFieldByField) {
  struct Case {
    std::string path;
    json value;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"plan", "", "plan.empty"},
      {"plan", "basic\nX-Injected: 1", "plan.invalid"},
      {"plan", 42, "field.type"},
      {"contact.name", "Ann\x1b[31m", "name.control_character"},
      {"contact.name", "", "name.empty"},
      {"contact.name", std::string(201, 'a'), "name.too_long"},
      {"contact.name", "\xff\xfe", "name.invalid_utf8"},
      {"contact.email", "ann@acme.example\r\nBcc: x@evil.example", "email.invalid"},
      {"contact.email", "ann", "email.invalid"},
      {"contact.email", "ann@127.0.0.1", "domain.ip_literal"},
      {"contact.phone", "12345", "phone.invalid"},
      {"contact.phone", "+49 30 1234567; DROP TABLE", "phone.invalid"},
      {"login", "0day", "login.starts_with_digit"},
      {"login", "root", "login.reserved"},
      {"login", "a;b", "login.invalid_character"},
      {"login", "ab", "login.too_short"},
      {"login", "Ann", "login.invalid_character"},
      {"domain", "acme.example\nserver { }", "domain.invalid_character"},
      {"domain", "intranet", "domain.single_label"},
      {"domain", "localhost", "domain.reserved"},
      {"domain", "192.0.2.1", "domain.ip_literal"},
      {"domain", "\xd0\xb0pple.com", "domain.mixed_script"},
      {"domain", std::string(64, 'a') + ".example", "domain.label_too_long"},
      {"domain", "-acme.example", "domain.hyphen"},
      {"domain", "shop.localhost", "domain.reserved"},
      {"billing.street", "Main\nStreet", "street.control_character"},
      {"billing.street", std::string(201, 's'), "street.too_long"},
      {"billing.postcode", "<script>", "postcode.invalid"},
      {"billing.city", "", "city.empty"},
      {"billing.country", "XX", "country.unknown"},
      {"billing.country", "DEU", "country.unknown"},
      {"billing.country", "D\x00", "country.unknown"},
      {"tos_version", "2025-01", "tos.outdated"},
      {"payment.token", "tok approve", "payment.token_invalid"},
      {"payment.token", "4111 1111 1111 1111", "payment.token_invalid"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CodeFor(c.path, c.value), c.code) << c.path << " = " << c.value.dump();
  }
}

TEST(OrderInputTest, EveryErrorComesInOneAnswer) {
  json body = ValidBody();
  body["login"] = "0day";
  body["domain"] = "intranet";
  body["contact"]["email"] = "nope";
  body["billing"].erase("city");
  body["surprise"] = true;
  body["contact"]["fax"] = "123";
  body.erase("tos_version");
  auto r = CheckOrderRequest(body, "2026-12");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  const std::map<std::string, std::string> expected = {
      {"login", "login.starts_with_digit"}, {"domain", "domain.single_label"},
      {"contact.email", "email.invalid"},   {"billing.city", "field.required"},
      {"surprise", "field.unknown"},        {"contact.fax", "field.unknown"},
      {"tos_version", "field.required"}};
  EXPECT_EQ(r.error().fields, expected);
  EXPECT_FALSE(r.error().message.empty());
}

TEST(OrderInputTest, TheHoneypotIsNotAnErrorButIsNoticed) {
  json body = ValidBody();
  body["website"] = "http://spam.example";
  auto r = CheckOrderRequest(body, "2026-12");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->honeypot_filled);
}

TEST(OrderInputTest, ABodyThatIsNotAnObjectIsRefused) {
  for (const json& body : {json::array(), json("order"), json(nullptr)}) {
    auto r = CheckOrderRequest(body, "2026-12");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().fields.at("body"), "body.not_object");
  }
  json body = ValidBody();
  body["contact"] = "Ann";
  auto r = CheckOrderRequest(body, "2026-12");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().fields.at("contact"), "field.type");
}

}  // namespace
}  // namespace hostplane::controller
