#pragma once

// The order pipeline as the controller runs it: the payment gateway chosen by configuration
// (manual, or test only in test mode), the one-time links and the mail outbox in the store, the
// mail sender that delivers the outbox to the configured SMTP relay, the OrderService, and a
// worker that advances every accepted or provisioning order (at start: the resume after a crash;
// then every poll interval, so an order goes active soon after its tasks are applied).
//
// Owned by the controller runtime (cmd/controller_runtime.h). Start and Stop from one thread;
// service() from any thread once started.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/job_gate.h"
#include "common/mail/mail_sender.h"
#include "common/mail/smtp_transport.h"
#include "controller/auth/base_url.h"
#include "controller/orders/order_service.h"
#include "controller/store/store_one_time_tokens.h"
#include "controller/store/store_outbox.h"

namespace hostplane::controller {

struct OrderPipelineOptions {
  bool enabled = false;
  std::string gateway = "manual";  // "manual" | "test"
  bool test_mode = false;          // payments.test_mode: the only way to get the test gateway
  std::string test_gateway_state;  // the test gateway's file (it outlives a controller restart)
  mail::SmtpRelayConfig relay;     // where the outbox goes (the local Postfix by default)
  bool send_mail = true;           // false: mails wait in the outbox (tests read them there)
  std::string base_url;            // the one-time links' base (the panel's address)
  OrderOptions orders;
  // Plans made orderable at start, at this price (until plans carry their price in the API).
  std::vector<std::string> orderable_plans;
  int64_t price_minor = 0;
  std::string currency = "EUR";
  std::chrono::milliseconds poll{500};
  // The worker's rounds and the mail sender's passes go through it (the controllers' leader
  // lease, controller/engine/leader_lease.h): one controller provisions and mails. Empty: always.
  JobGate gate;
};

class OrderPipeline {
 public:
  // Errors: kInvalid with field "payments.gateway" (an unknown gateway, or "test" without
  // test mode: gateway.test_mode_off), "base_url" (BaseUrl::Parse), "smtp.*" (the relay's),
  // "orderable_plan" (plan.unknown); the store's.
  [[nodiscard]] static Result<std::unique_ptr<OrderPipeline>> Create(Store& store, Hosting& hosting,
                                                                     const Clock& clock,
                                                                     OrderPipelineOptions options);
  ~OrderPipeline();  // Stop()

  // Advances the orders a crash left behind, then starts the worker and the mail sender.
  void Start();
  void Stop();

  OrderService& service() { return *service_; }
  // After a mail was put in the store's outbox by someone else (password resets): the
  // controller's one mail sender, this pipeline's, looks at once. Any thread.
  void WakeMail() {
    if (options_.send_mail && sender_) sender_->Wake();
  }

 private:
  OrderPipeline(Store& store, const Clock& clock, OrderPipelineOptions options, auth::BaseUrl base);
  void Loop();

  Store& store_;
  const Clock& clock_;
  OrderPipelineOptions options_;
  auth::BaseUrl base_;
  std::unique_ptr<PaymentGateway> gateway_;
  StoreOneTimeTokens tokens_;
  std::unique_ptr<auth::OneTimeLinks> links_;
  StoreOutbox outbox_;
  std::unique_ptr<mail::SmtpTransport> transport_;
  std::unique_ptr<mail::MailSender> sender_;
  std::unique_ptr<OrderService> service_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace hostplane::controller
