#include "controller/orders/test_gateway.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hostplane::controller {
namespace {

nlohmann::json ResultJson(const GatewayResult& r) {
  return {{"outcome", static_cast<int>(r.outcome)},
          {"reference", r.reference},
          {"decline_code", r.decline_code},
          {"action_url", r.action_url},
          {"card_brand", r.card_brand},
          {"card_last4", r.card_last4}};
}

GatewayResult ResultFrom(const nlohmann::json& j) {
  GatewayResult r;
  r.outcome = static_cast<GatewayOutcome>(j.value("outcome", 2));
  r.reference = j.value("reference", "");
  r.decline_code = j.value("decline_code", "");
  r.action_url = j.value("action_url", "");
  r.card_brand = j.value("card_brand", "");
  r.card_last4 = j.value("card_last4", "");
  return r;
}

}  // namespace

TestGateway::TestGateway(std::string state_path) : state_path_(std::move(state_path)) { Load(); }

void TestGateway::Load() {
  if (state_path_.empty()) return;
  std::ifstream in(state_path_);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return;
  const nlohmann::json by_key = j.value("by_key", nlohmann::json::object());
  for (const auto& [k, v] : by_key.items()) by_key_[k] = ResultFrom(v);
  const nlohmann::json payments = j.value("payments", nlohmann::json::object());
  for (const auto& [k, v] : payments.items()) payments_[k] = ResultFrom(v);
  const nlohmann::json timed_out = j.value("timed_out_once", nlohmann::json::array());
  for (const auto& k : timed_out) timed_out_once_.insert(k.get<std::string>());
  next_ = j.value("next", 1);
  captures_ = j.value("captures", 0);
  voids_ = j.value("voids", 0);
  refunds_ = j.value("refunds", 0);
}

void TestGateway::Save() const {
  if (state_path_.empty()) return;
  nlohmann::json j = {{"next", next_},
                      {"captures", captures_},
                      {"voids", voids_},
                      {"refunds", refunds_},
                      {"timed_out_once", timed_out_once_},
                      {"by_key", nlohmann::json::object()},
                      {"payments", nlohmann::json::object()}};
  for (const auto& [k, v] : by_key_) j["by_key"][k] = ResultJson(v);
  for (const auto& [k, v] : payments_) j["payments"][k] = ResultJson(v);
  const std::string tmp = state_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump();
    out.flush();
  }
  std::rename(tmp.c_str(), state_path_.c_str());
}

Result<GatewayResult> TestGateway::Authorise(const AuthoriseRequest& request) {
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(request.idempotency_key); it != by_key_.end()) return it->second;
  GatewayResult r;
  r.reference = "test_pay_" + std::to_string(next_++);
  const std::string& t = request.token;
  if (t == "tok_approve" || t == "tok_timeout_after_success") {
    r.outcome = GatewayOutcome::kAuthorised;
    r.card_brand = "visa";
    r.card_last4 = "4242";
  } else if (t == "tok_decline") {
    r.decline_code = "card_declined";
  } else if (t == "tok_insufficient_funds") {
    r.decline_code = "insufficient_funds";
  } else if (t == "tok_requires_action") {
    r.outcome = GatewayOutcome::kPending;
    r.action_url = "https://gateway.invalid/confirm/" + r.reference;
  } else {
    r.decline_code = "unknown_test_token";
  }
  by_key_[request.idempotency_key] = r;
  payments_[r.reference] = r;
  const bool time_out =
      t == "tok_timeout_after_success" && timed_out_once_.insert(request.idempotency_key).second;
  Save();
  if (time_out) {
    return Fail(Error::Timeout("test gateway: no answer in time (the payment went through)"));
  }
  return r;
}

Result<GatewayResult> TestGateway::Change(const std::string& reference, const std::string& key,
                                          GatewayOutcome from, GatewayOutcome to, int& counter) {
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
  auto p = payments_.find(reference);
  if (p == payments_.end()) return Fail(Error::NotFound("test gateway: no payment " + reference));
  if (p->second.outcome != from) {
    return Fail(Error::Conflict("test gateway: payment " + reference + " is not in the state"));
  }
  p->second.outcome = to;
  ++counter;
  by_key_[key] = p->second;
  Save();
  return p->second;
}

Result<GatewayResult> TestGateway::Capture(const std::string& reference, const Money&,
                                           const std::string& idempotency_key) {
  return Change(reference, idempotency_key, GatewayOutcome::kAuthorised, GatewayOutcome::kCaptured,
                captures_);
}

Result<GatewayResult> TestGateway::Void(const std::string& reference,
                                        const std::string& idempotency_key) {
  {
    std::lock_guard lock(mu_);
    auto p = payments_.find(reference);
    // A pending (requires_action) payment is voided as well as an authorised one.
    if (p != payments_.end() && p->second.outcome == GatewayOutcome::kPending) {
      p->second.outcome = GatewayOutcome::kAuthorised;
    }
  }
  return Change(reference, idempotency_key, GatewayOutcome::kAuthorised, GatewayOutcome::kVoided,
                voids_);
}

Result<GatewayResult> TestGateway::Refund(const std::string& reference, const Money&,
                                          const std::string& idempotency_key) {
  return Change(reference, idempotency_key, GatewayOutcome::kCaptured, GatewayOutcome::kRefunded,
                refunds_);
}

Result<GatewayResult> TestGateway::Fetch(const std::string& reference) {
  std::lock_guard lock(mu_);
  auto p = payments_.find(reference);
  if (p == payments_.end()) return Fail(Error::NotFound("test gateway: no payment " + reference));
  return p->second;
}

int TestGateway::captures() const {
  std::lock_guard lock(mu_);
  return captures_;
}

int TestGateway::voids() const {
  std::lock_guard lock(mu_);
  return voids_;
}

}  // namespace hostplane::controller
