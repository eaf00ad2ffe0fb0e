#include "controller/orders/order_pipeline.h"

#include <spdlog/spdlog.h>

#include "controller/orders/manual_gateway.h"
#include "controller/orders/test_gateway.h"

namespace hostplane::controller {

Result<std::unique_ptr<OrderPipeline>> OrderPipeline::Create(Store& store, Hosting& hosting,
                                                             const Clock& clock,
                                                             OrderPipelineOptions options) {
  std::unique_ptr<PaymentGateway> gateway;
  if (options.gateway == "manual") {
    gateway = std::make_unique<ManualGateway>();
  } else if (options.gateway == "test") {
    if (!options.test_mode) {
      return Fail(Error::InvalidField("payments.gateway", "gateway.test_mode_off",
                                      "the test gateway is only loaded in test mode"));
    }
    gateway = std::make_unique<TestGateway>(options.test_gateway_state);
  } else {
    return Fail(Error::InvalidField("payments.gateway", "gateway.unknown",
                                    "the payment gateway is 'manual' or 'test'"));
  }
  HP_ASSIGN_OR_RETURN(auth::BaseUrl base, auth::BaseUrl::Parse(options.base_url));
  HP_TRY(options.relay.Check());
  for (const std::string& plan : options.orderable_plans) {
    Status offered = store.Write([&](StoreTxn& tx) {
      return tx.orders().SetOffer(plan, true, options.price_minor, options.currency);
    });
    if (!offered && offered.error().code == ErrorCode::kNotFound) {
      return Fail(Error::InvalidField("orderable_plan", "plan.unknown",
                                      "there is no plan named '" + plan + "' to offer"));
    }
    HP_TRY(offered);
  }
  std::unique_ptr<OrderPipeline> p(new OrderPipeline(store, clock, std::move(options), base));
  p->gateway_ = std::move(gateway);
  p->links_ = std::make_unique<auth::OneTimeLinks>(p->tokens_, clock, p->base_);
  p->transport_ = std::make_unique<mail::CurlSmtpTransport>(p->options_.relay);
  mail::SenderPolicy policy;
  policy.gate = p->options_.gate;
  p->sender_ = std::make_unique<mail::MailSender>(p->outbox_, *p->transport_, clock, policy);
  OrderPipeline* raw = p.get();
  p->service_ = std::make_unique<OrderService>(store, hosting, *p->gateway_, *p->links_, clock,
                                               p->options_.orders, [raw] {
                                                 if (raw->options_.send_mail) raw->sender_->Wake();
                                               });
  return p;
}

OrderPipeline::OrderPipeline(Store& store, const Clock& clock, OrderPipelineOptions options,
                             auth::BaseUrl base)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      base_(std::move(base)),
      tokens_(store),
      outbox_(store) {}

OrderPipeline::~OrderPipeline() { Stop(); }

void OrderPipeline::Start() {
  if (options_.send_mail) sender_->Start();
  worker_ = std::thread([this] { Loop(); });
}

void OrderPipeline::Loop() {
  std::unique_lock lock(mu_);
  do {
    lock.unlock();
    RunGated(options_.gate, [this] {
      if (Status s = service_->AdvanceAll(); !s) {
        spdlog::warn("orders: provisioning round: {}", s.error().message);
      }
    });
    lock.lock();
  } while (!cv_.wait_for(lock, options_.poll, [this] { return stopping_; }));
}

void OrderPipeline::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (sender_) sender_->Stop();
}

}  // namespace hostplane::controller
