// The REST handlers of orders (controller/orders/order_service.h): the public order form's door
// (POST /api/v1/orders, no login; rate-limited per source address and per e-mail address by the
// service) and the review queue's doors for administrators and resellers. The service does the
// work; these read the request strictly and shape the reply.

#include "controller/api/api_call.h"
#include "controller/api/api_error.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"
#include "controller/orders/order_json.h"
#include "controller/orders/order_service.h"

namespace hostplane::controller {

using api::ListJson;
using api::QueryReader;
using api::Reply;

namespace {

Result<int64_t> OrderId(const ApiCall& call) {
  auto id = protocol::CheckInteger(call.path.at("id"), 1, INT64_MAX);
  if (!id) return Fail(Error::NotFound("order " + protocol::QuoteForMessage(call.path.at("id"))));
  return *id;
}

bool RateLimited(const Error& e) {
  for (const auto& [field, code] : e.fields) {
    if (code == "rate.limited") return true;
  }
  return false;
}

}  // namespace

Result<OrderService*> ApiServer::Orders() const {
  if (!options_.orders) return Fail(Error::NotFound("this controller takes no orders"));
  return options_.orders;
}

Result<ApiReply> ApiServer::SubmitOrder(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(OrderService * orders, Orders());
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  auto outcome = orders->Submit(body, call.req.remote_address);
  if (!outcome) {
    if (outcome.error().code == ErrorCode::kLimit && RateLimited(outcome.error())) {
      ApiReply r = Reply(429, ErrorJson(outcome.error()));
      r.headers.push_back({"Retry-After", "3600"});
      return r;
    }
    return Fail(outcome.error());
  }
  json out = {{"order", PublicJson(outcome->order)}};
  if (!outcome->decline_code.empty()) {
    // The card was declined: the customer is told, nothing is provisioned.
    out["error"] = {{"code", "payment_declined"},
                    {"message", "the card was declined (" + outcome->decline_code + ")"},
                    {"fields", {{"payment.token", "payment." + outcome->decline_code}}}};
    return Reply(402, std::move(out));
  }
  if (!outcome->action_url.empty()) out["payment_action_url"] = outcome->action_url;
  return Reply(201, std::move(out));
}

Result<ApiReply> ApiServer::ListOrders(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(OrderService * orders, Orders());
  QueryReader q(call.req, {"after", "limit", "state"});
  OrderFilter filter;
  filter.page = q.ReadPage();
  auto state = q.String("state");
  HP_TRY(q.Finish());
  if (state) {
    filter.state = Parse<OrderState>(*state);
    if (!filter.state) {
      return Fail(
          Error::InvalidField("state", "order.unknown_state",
                              "no order state is called " + protocol::QuoteForMessage(*state)));
    }
  }
  HP_ASSIGN_OR_RETURN(auto list, orders->List(call.actor, filter));
  return Reply(200, ListJson("orders", list, filter.page.limit));
}

Result<ApiReply> ApiServer::GetOrder(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(OrderService * orders, Orders());
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(int64_t id, OrderId(call));
  HP_ASSIGN_OR_RETURN(OrderDetail d, orders->Get(call.actor, id));
  json events = json::array();
  for (const auto& e : d.events) events.push_back(ToJson(e));
  return Reply(200, {{"order", ToJson(d.order)}, {"events", std::move(events)}});
}

Result<ApiReply> ApiServer::AcceptOrder(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(OrderService * orders, Orders());
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(int64_t id, OrderId(call));
  HP_ASSIGN_OR_RETURN(Order o, orders->Accept(call.actor, id));
  return Reply(200, {{"order", ToJson(o)}});
}

Result<ApiReply> ApiServer::RejectOrder(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(OrderService * orders, Orders());
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto reason = r.String("reason", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(int64_t id, OrderId(call));
  HP_ASSIGN_OR_RETURN(Order o, orders->Reject(call.actor, id, *reason));
  return Reply(200, {{"order", ToJson(o)}});
}

Result<ApiReply> ApiServer::MarkOrderPaid(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(OrderService * orders, Orders());
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(int64_t id, OrderId(call));
  HP_ASSIGN_OR_RETURN(Order o, orders->MarkPaid(call.actor, id));
  return Reply(200, {{"order", ToJson(o)}});
}

}  // namespace hostplane::controller
