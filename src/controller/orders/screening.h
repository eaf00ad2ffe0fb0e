#pragma once

// The security checks of an order (issue 21), as a score with thresholds: each rule that fires
// adds its reason (a stable code) and its weight; at or above review_at the order goes to the
// review queue, at or above reject_at it is refused. Every decision keeps all its reasons. The
// lists (disposable e-mail domains, countries, address ranges) come from the configuration;
// duplicates (the domain or the e-mail address already a customer's, or in another open order)
// are facts the caller looks up in the store. Pure functions; any thread.

#include <string>
#include <vector>

#include "controller/orders/order.h"

namespace hostplane::controller {

struct ScreeningRules {
  std::vector<std::string> disposable_email_domains;  // canonical domains; subdomains match too
  std::vector<std::string> review_countries;          // billing country -> review
  std::vector<std::string> blocked_countries;         // billing country -> reject
  std::vector<std::string> blocked_networks;          // "203.0.113.0/24", "2001:db8::/32"
  int review_at = 30;
  int reject_at = 100;
  // Weights.
  int disposable_email = 40;
  int duplicate_email = 30;
  int duplicate_domain = 60;
  int review_country = 30;
  int blocked_country = 100;
  int blocked_network = 100;
  int honeypot = 100;
};

struct ScreeningFacts {
  bool email_known = false;   // a customer, a login or an open order has this address
  bool domain_known = false;  // a customer's name or an open order's domain
  bool honeypot_filled = false;
  std::string source;  // the submitting address
};

struct Decision {
  Verdict verdict = Verdict::kAccept;
  int score = 0;
  std::vector<ScreeningReason> reasons;
};

Decision Screen(const ScreeningRules& rules, const OrderRequest& order,
                const ScreeningFacts& facts);

// Whether address (IPv4 or IPv6 text) is inside network ("a.b.c.d/len"). False for anything
// that does not parse.
bool InNetwork(const std::string& address, const std::string& network);

}  // namespace hostplane::controller
