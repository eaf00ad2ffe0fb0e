#include "controller/orders/order_input.h"

#include <unicode/uloc.h>

#include <array>
#include <regex>
#include <set>
#include <string_view>

#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

using protocol::Checked;
using protocol::FieldErrors;
using protocol::Violation;

// Where each field sits in the body: {"contact": {"email": ...}} is "contact.email".
struct FieldSpec {
  std::string_view group;  // "" at the top level
  std::string_view key;
  bool required;
};

constexpr std::array<FieldSpec, 14> kFields = {{
    {"", "plan", true},
    {"contact", "name", true},
    {"contact", "email", true},
    {"contact", "phone", false},
    {"", "login", true},
    {"", "domain", true},
    {"billing", "name", true},
    {"billing", "street", true},
    {"billing", "postcode", true},
    {"billing", "city", true},
    {"billing", "country", true},
    {"", "tos_version", true},
    {"payment", "token", true},
    {"", "website", false},
}};

std::string PathOf(const FieldSpec& f) {
  return f.group.empty() ? std::string(f.key) : std::string(f.group) + "." + std::string(f.key);
}

bool Known(std::string_view group, std::string_view key) {
  for (const auto& f : kFields) {
    if (f.group == group && f.key == key) return true;
  }
  return false;
}

bool KnownGroup(std::string_view key) {
  return key == "contact" || key == "billing" || key == "payment";
}

// Every key of the body and its groups that the form does not have.
void RefuseUnknown(const nlohmann::json& body, FieldErrors& errors) {
  for (const auto& [key, value] : body.items()) {
    if (KnownGroup(key)) {
      if (!value.is_object()) {
        errors.Add(key, {"field.type", "'" + key + "' must be an object"});
        continue;
      }
      for (const auto& [sub, unused] : value.items()) {
        if (!Known(key, sub)) {
          errors.Add(key + "." + sub,
                     {"field.unknown",
                      "the order form has no field " + protocol::QuoteForMessage(key + "." + sub)});
        }
      }
    } else if (!Known("", key)) {
      errors.Add(
          key, {"field.unknown", "the order form has no field " + protocol::QuoteForMessage(key)});
    }
  }
}

// The field's string value; nullopt (and an error when required) when absent or not a string.
std::optional<std::string> Field(const nlohmann::json& body, const FieldSpec& f,
                                 FieldErrors& errors) {
  const nlohmann::json* v = &body;
  if (!f.group.empty()) {
    auto g = body.find(std::string(f.group));
    v = (g != body.end() && g->is_object()) ? &*g : nullptr;
  }
  const nlohmann::json* value = nullptr;
  if (v) {
    auto it = v->find(std::string(f.key));
    if (it != v->end() && !it->is_null()) value = &*it;
  }
  const std::string path = PathOf(f);
  if (!value) {
    if (f.required) errors.Add(path, {"field.required", "'" + path + "' is required"});
    return std::nullopt;
  }
  if (!value->is_string()) {
    errors.Add(path, {"field.type", "'" + path + "' must be a string"});
    return std::nullopt;
  }
  return value->get<std::string>();
}

Checked<std::string> CheckPlanName(std::string_view in) {
  static const std::regex kPlan("^[a-z0-9][a-z0-9_-]{0,63}$");
  if (in.empty()) return tl::unexpected(Violation{"plan.empty", "choose a plan"});
  if (!std::regex_match(in.begin(), in.end(), kPlan)) {
    return tl::unexpected(
        Violation{"plan.invalid", "no plan is called " + protocol::QuoteForMessage(in)});
  }
  return std::string(in);
}

// E.164: "+", a country code that does not start with 0, 7 to 15 digits in all; spaces, dots,
// dashes and parentheses people type are dropped first.
Checked<std::string> CheckPhone(std::string_view in) {
  std::string digits;
  for (char c : in) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    digits.push_back(c);
  }
  static const std::regex kE164("^\\+[1-9][0-9]{6,14}$");
  if (!std::regex_match(digits, kE164)) {
    return tl::unexpected(Violation{"phone.invalid",
                                    "a phone number is written as + country code and number, e.g. "
                                    "+49 30 1234567; got " +
                                        protocol::QuoteForMessage(in)});
  }
  return digits;
}

Checked<std::string> CheckPostcode(std::string_view in) {
  static const std::regex kPostcode("^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$");
  if (!std::regex_match(in.begin(), in.end(), kPostcode)) {
    return tl::unexpected(
        Violation{"postcode.invalid", "a postcode is 2-12 letters, digits, spaces or dashes; got " +
                                          protocol::QuoteForMessage(in)});
  }
  return std::string(in);
}

// ISO 3166-1 alpha-2 as ICU knows the countries (uloc_getISOCountries).
Checked<std::string> CheckCountry(std::string_view in) {
  std::string upper(in);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::set<std::string> kCountries = [] {
    std::set<std::string> out;
    for (const char* const* c = uloc_getISOCountries(); *c; ++c) out.insert(*c);
    return out;
  }();
  if (upper.size() != 2 || !kCountries.count(upper)) {
    return tl::unexpected(Violation{"country.unknown",
                                    "a country is its two-letter ISO 3166 code (DE, FR, US); got " +
                                        protocol::QuoteForMessage(in)});
  }
  return upper;
}

Checked<std::string> CheckToken(std::string_view in) {
  static const std::regex kToken("^[A-Za-z0-9_-]{1,200}$");
  if (!std::regex_match(in.begin(), in.end(), kToken)) {
    return tl::unexpected(
        Violation{"payment.token_invalid", "the payment token is not one the gateway gave"});
  }
  return std::string(in);
}

}  // namespace

Result<CheckedOrder> CheckOrderRequest(const nlohmann::json& body,
                                       const std::string& current_tos_version) {
  FieldErrors errors;
  if (!body.is_object()) {
    errors.Add("body", {"body.not_object", "the order must be a JSON object"});
    return Fail(errors.ToError());
  }
  RefuseUnknown(body, errors);
  CheckedOrder out;
  OrderRequest& r = out.request;
  auto take = [&](size_t i, auto check, std::string& into) {
    auto v = Field(body, kFields[i], errors);
    if (!v) return;
    Checked<std::string> c = check(*v);
    if (c) {
      into = *c;
    } else {
      errors.Add(PathOf(kFields[i]), c.error());
    }
  };
  auto text = [](const std::string& grammar) {
    return [grammar](std::string_view v) { return protocol::CheckText(v, 200, false, grammar); };
  };
  take(0, CheckPlanName, r.plan);
  take(1, protocol::CheckDisplayName, r.name);
  take(2, protocol::CheckEmail, r.email);
  take(3, CheckPhone, r.phone);
  take(4, protocol::CheckLogin, r.login);
  take(5, protocol::CheckDomain, r.domain);
  take(6, protocol::CheckDisplayName, r.billing_name);
  take(7, text("street"), r.billing_street);
  take(8, CheckPostcode, r.billing_postcode);
  take(9, text("city"), r.billing_city);
  take(10, CheckCountry, r.billing_country);
  if (auto tos = Field(body, kFields[11], errors); tos && *tos != current_tos_version) {
    errors.Add("tos_version", {"tos.outdated", "accept the current terms of service (version " +
                                                   current_tos_version + ") to order"});
  } else if (tos) {
    r.tos_version = *tos;
  }
  take(12, CheckToken, r.payment_token);
  if (auto hp = Field(body, kFields[13], errors); hp && !hp->empty()) out.honeypot_filled = true;
  if (!errors.empty()) return Fail(errors.ToError());
  return out;
}

}  // namespace hostplane::controller
