// The CLI verbs of orders: `hostplane order list|show|accept|reject|mark-paid`, thin clients of
// /api/v1/orders (the review queue: admin; a reseller for the orders of its plans).

#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli::detail {
namespace {

std::string OrderPath(const State& s) { return "/api/v1/orders/" + std::to_string(s.ids.at(0)); }

int OrderList(State& s) {
  Query q;
  if (!s.state.empty()) q.emplace_back("state", s.state);
  json all;
  if (int code = FetchAll(s, "/api/v1/orders", "orders", q, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& o : all["orders"]) {
    std::string reasons;
    for (const auto& r : o["screening"].value("reasons", json::array())) {
      reasons += (reasons.empty() ? "" : ", ") + r.value("code", std::string());
    }
    rows.push_back({CellOf(o, {"id"}), CellOf(o, {"state"}), CellOf(o, {"login"}),
                    CellOf(o, {"domain"}), CellOf(o, {"plan"}),
                    CellOf(o.value("payment", json::object()), {"state"}),
                    CellOf(o.value("screening", json::object()), {"score"}),
                    reasons.empty() ? "-" : reasons, HumanTime(o.value("created_at", json()))});
  }
  s.io.out << RenderTable(
      {"ID", "STATE", "LOGIN", "DOMAIN", "PLAN", "PAYMENT", "SCORE", "REASONS", "CREATED"}, rows);
  return kExitOk;
}

int OrderShow(State& s) {
  auto r = s.client().Get(OrderPath(s));
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  s.io.out << ShowObject(r->body["order"]);
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r->body["events"]) {
    rows.push_back({HumanTime(e.value("at", json())), CellOf(e, {"from"}), CellOf(e, {"to"}),
                    CellOf(e, {"actor"}), e.value("detail", json::object()).dump()});
  }
  s.io.out << "\n" << RenderTable({"AT", "FROM", "TO", "BY", "DETAIL"}, rows);
  return kExitOk;
}

int OrderDecide(State& s, const std::string& verb, const json& body, const std::string& done) {
  auto r = s.client().Post(OrderPath(s) + "/" + verb, body);
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << "order " << s.ids.at(0) << " " << done << " (now "
             << CellOf(r->body["order"], {"state"}) << ")\n";
  }
  return kExitOk;
}

}  // namespace

void AddOrderCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  CLI::App* order =
      app.add_subcommand("order", "The order queue: review, accept, reject, mark paid");
  order->footer(kExitCodesHelp);
  order->require_subcommand(1);
  CLI::App* c =
      Verb(order, "list", "List orders (the review queue: --state in_review)", s, OrderList);
  c->add_option("--state", s->state,
                "Only orders in this state (in_review, awaiting_payment, ...)");
  c = Verb(order, "show", "Show an order and its timeline", s, OrderShow);
  c->add_option("ID", s->ids)->required()->expected(1)->check(CLI::PositiveNumber);
  c = Verb(order, "accept", "Accept a reviewed order: provisioning goes on", s,
           [](State& st) { return OrderDecide(st, "accept", json::object(), "accepted"); });
  c->add_option("ID", s->ids)->required()->expected(1)->check(CLI::PositiveNumber);
  c = Verb(order, "reject",
           "Reject an order: the reason is mailed, the card's hold released, the personal data "
           "deleted",
           s, [](State& st) {
             return OrderDecide(st, "reject", json{{"reason", st.reason}}, "rejected");
           });
  c->add_option("ID", s->ids)->required()->expected(1)->check(CLI::PositiveNumber);
  c->add_option("--reason", s->reason, "Why (mailed to the customer)")->required();
  c = Verb(order, "mark-paid", "The manual payment of an order arrived", s,
           [](State& st) { return OrderDecide(st, "mark-paid", json::object(), "marked paid"); });
  c->add_option("ID", s->ids)->required()->expected(1)->check(CLI::PositiveNumber);
}

}  // namespace hostplane::cli::detail
