#pragma once

// The order form's body a person would send for the plan "default": one place for the orders
// tests that submit orders (through the service, or over HTTP to a real `hostplane up`).

#include <nlohmann/json.hpp>
#include <string>

namespace hostplane::testing {

// login's order with login.example as its domain; email defaults to login@mail.example, token is
// the test gateway's card token (tok_approve, tok_decline, tok_timeout_after_success, …).
inline nlohmann::json OrderBody(const std::string& login, const std::string& token = "tok_approve",
                                const std::string& email = "") {
  return {{"plan", "default"},
          {"contact",
           {{"name", "Ann Example"}, {"email", email.empty() ? login + "@mail.example" : email}}},
          {"login", login},
          {"domain", login + ".example"},
          {"billing",
           {{"name", "Ann Example"},
            {"street", "Main Street 1"},
            {"postcode", "10115"},
            {"city", "Berlin"},
            {"country", "DE"}}},
          {"tos_version", "2026-12"},
          {"payment", {{"token", token}}}};
}

}  // namespace hostplane::testing
