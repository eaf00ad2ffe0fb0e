#pragma once

// The command-line options of the order pipeline (controller/orders/order_pipeline.h), shared by
// `hostplane up` and `hostplane serve`: whether orders are taken and by which payment gateway,
// test mode (the only way to load the test gateway), the terms-of-service version the form must
// accept, the SMTP relay the order mails go to, and the screening's lists.

#include <CLI/CLI.hpp>

#include "controller/orders/order_pipeline.h"

namespace hostplane::cmd {

// Adds --orders, --payments-test-mode, --tos-version, --mail-relay-host, --mail-relay-port,
// --no-send-mail, --mail-from, --orderable-plan, --order-price-minor, --order-currency,
// --disposable-email-domain, --review-country, --blocked-country, --blocked-network.
void AddOrderFlags(CLI::App* cmd, controller::OrderPipelineOptions& options);

}  // namespace hostplane::cmd
