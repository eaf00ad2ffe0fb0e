#include "cmd/order_flags.h"

namespace hostplane::cmd {

void AddOrderFlags(CLI::App* cmd, controller::OrderPipelineOptions& options) {
  cmd->add_option_function<std::string>(
         "--orders",
         [&options](const std::string& gateway) {
           options.enabled = true;
           options.gateway = gateway;
         },
         "Take orders at POST /api/v1/orders, paid through this gateway: manual (an admin marks "
         "them paid) or test (outcomes by test token; needs --payments-test-mode)")
      ->check(CLI::IsMember({"manual", "test"}));
  cmd->add_flag("--payments-test-mode", options.test_mode,
                "Allow the test payment gateway (never in production)");
  cmd->add_option("--tos-version", options.orders.tos_version,
                  "The version of the terms of service an order must accept")
      ->capture_default_str();
  cmd->add_option(
         "--mail-relay-host", options.relay.host,
         "The SMTP relay the controller's mails (orders, password resets) are handed to (plain "
         "SMTP: a relay on this machine)")
      ->capture_default_str();
  cmd->add_option("--mail-relay-port", options.relay.port, "Its port")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_flag("!--no-send-mail", options.send_mail,
                "Keep the controller's mails in the store's outbox instead of sending them");
  cmd->add_option("--mail-from", options.orders.mail_from,
                  "The sender of the controller's mails (orders, password resets)")
      ->capture_default_str();
  cmd->add_option("--orderable-plan", options.orderable_plans,
                  "A plan that can be ordered (repeatable), at --order-price-minor");
  cmd->add_option("--order-price-minor", options.price_minor,
                  "The price of the orderable plans in minor units (cents)")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}))
      ->capture_default_str();
  cmd->add_option("--order-currency", options.currency, "Their currency (ISO 4217)")
      ->check(CLI::IsMember({"EUR", "USD", "GBP", "CHF"}))
      ->capture_default_str();
  cmd->add_option("--disposable-email-domain", options.orders.rules.disposable_email_domains,
                  "An e-mail domain whose orders go to review (repeatable)");
  cmd->add_option("--review-country", options.orders.rules.review_countries,
                  "A billing country (ISO code) whose orders go to review (repeatable)");
  cmd->add_option("--blocked-country", options.orders.rules.blocked_countries,
                  "A billing country whose orders are refused (repeatable)");
  cmd->add_option("--blocked-network", options.orders.rules.blocked_networks,
                  "An address range (CIDR) whose orders are refused (repeatable)");
}

}  // namespace hostplane::cmd
