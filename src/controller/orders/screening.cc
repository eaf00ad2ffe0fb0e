#include "controller/orders/screening.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace hostplane::controller {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// domain is d or a name under d.
bool AtOrBelow(const std::string& domain, const std::string& d) {
  if (domain == d) return true;
  return domain.size() > d.size() && domain.ends_with(d) &&
         domain[domain.size() - d.size() - 1] == '.';
}

// The address in network byte order (16 bytes for IPv6, 4 for IPv4); 0 when it does not parse.
size_t Parse(const std::string& text, std::array<unsigned char, 16>& out) {
  if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) return 4;
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) return 16;
  return 0;
}

}  // namespace

bool InNetwork(const std::string& address, const std::string& network) {
  const size_t slash = network.find('/');
  if (slash == std::string::npos) return false;
  std::array<unsigned char, 16> a{}, n{};
  const size_t alen = Parse(address, a);
  const size_t nlen = Parse(network.substr(0, slash), n);
  if (alen == 0 || alen != nlen) return false;
  int bits = 0;
  try {
    bits = std::stoi(network.substr(slash + 1));
  } catch (const std::exception&) {
    return false;
  }
  if (bits < 0 || bits > static_cast<int>(alen * 8)) return false;
  for (int i = 0; i < bits; ++i) {
    const unsigned char mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((a[i / 8] & mask) != (n[i / 8] & mask)) return false;
  }
  return true;
}

Decision Screen(const ScreeningRules& rules, const OrderRequest& order,
                const ScreeningFacts& facts) {
  Decision d;
  auto add = [&](std::string code, int score) {
    d.reasons.push_back({std::move(code), score});
    d.score += score;
  };
  const std::string email_domain = order.email.substr(order.email.rfind('@') + 1);
  for (const auto& disposable : rules.disposable_email_domains) {
    if (AtOrBelow(email_domain, disposable)) {
      add("email.disposable", rules.disposable_email);
      break;
    }
  }
  if (facts.email_known) add("email.duplicate", rules.duplicate_email);
  if (facts.domain_known) add("domain.duplicate", rules.duplicate_domain);
  if (Contains(rules.blocked_countries, order.billing_country)) {
    add("country.blocked", rules.blocked_country);
  } else if (Contains(rules.review_countries, order.billing_country)) {
    add("country.review", rules.review_country);
  }
  for (const auto& net : rules.blocked_networks) {
    if (InNetwork(facts.source, net)) {
      add("source.blocked", rules.blocked_network);
      break;
    }
  }
  if (facts.honeypot_filled) add("bot.honeypot", rules.honeypot);
  if (d.score >= rules.reject_at) {
    d.verdict = Verdict::kReject;
  } else if (d.score >= rules.review_at) {
    d.verdict = Verdict::kReview;
  }
  return d;
}

}  // namespace hostplane::controller
