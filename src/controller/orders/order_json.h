#pragma once

// The JSON of orders (API answers): the operators' view (every field, the screening's reasons,
// the payment's gateway reference, brand and last 4, the events as a timeline) and the public
// view the order form gets back (id, state, payment state; never the screening's reasons, so a
// bot learns nothing of the rules). Pure functions; any thread.

#include <nlohmann/json.hpp>
#include <vector>

#include "controller/orders/order.h"

namespace hostplane::controller {

nlohmann::json ToJson(const Order& order);
nlohmann::json ToJson(const OrderEvent& event);
nlohmann::json PublicJson(const Order& order);

}  // namespace hostplane::controller
