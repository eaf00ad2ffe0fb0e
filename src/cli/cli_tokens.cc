// `hostplane token list|add|revoke`: the logged-in login's own API tokens, through the API
// (/api/v1/tokens). `add` prints the secret once; the scopes are never wider than the caller's
// (the API refuses with scopes.too_wide). The local `hostplane token create` (cmd/token.cc, on
// the controller's machine, in its store) sits beside these under the same `token` command.

#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli::detail {
namespace {

std::string Scopes(const json& token) {
  std::string out;
  for (const auto& s : token.value("scopes", json::array())) {
    out += (out.empty() ? "" : ",") + Cell(s);
  }
  return out;
}

int TokenList(State& s) {
  json all;
  if (int code = FetchAll(s, "/api/v1/tokens", "tokens", {}, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : all["tokens"]) {
    rows.push_back({CellOf(t, {"id"}), CellOf(t, {"name"}), Scopes(t),
                    HumanTime(t.value("created_at", json())),
                    HumanTime(t.value("expires_at", json())),
                    HumanTime(t.value("last_used_at", json()))});
  }
  s.io.out << RenderTable({"ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED"}, rows);
  return kExitOk;
}

int TokenAdd(State& s) {
  json body = {{"name", s.name}, {"scopes", s.scopes}, {"expires_in_days", s.days}};
  auto r = s.client().Post("/api/v1/tokens", body);
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  const json& t = r->body["token"];
  s.io.err << "token " << CellOf(t, {"id"}) << " (" << CellOf(t, {"name"}) << ", " << Scopes(t)
           << ") expires " << HumanTime(t.value("expires_at", json()))
           << "; the secret below is shown only now:\n";
  s.io.out << r->body.value("secret", "") << "\n";
  return kExitOk;
}

int TokenRevoke(State& s) {
  auto r = s.client().Delete("/api/v1/tokens/" + std::to_string(s.ids.at(0)));
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << "revoked token " << s.ids.at(0) << " (" << CellOf(r->body["token"], {"name"})
             << "): it is refused from now on\n";
  }
  return kExitOk;
}

}  // namespace

void AddTokenCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  // `hostplane token create` (the local store's) may have made the command already.
  auto existing = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "token"; });
  CLI::App* token = existing.empty() ? app.add_subcommand("token", "") : existing.front();
  token->description(
      "API tokens: list, add and revoke the logged-in login's own through the API; `create` makes "
      "one in the controller's local store");
  token->footer(kExitCodesHelp);
  token->require_subcommand(1);
  Verb(token, "list", "The logged-in login's own tokens (never their secrets)", s, TokenList);
  CLI::App* c =
      Verb(token, "add", "A new token of the logged-in login; prints its secret once", s, TokenAdd);
  c->add_option("NAME", s->name, "A name for the token (\"deploy from CI\")")->required();
  c->add_option("--scope", s->scopes,
                "admin, or <area>:read / <area>:write (repeatable); never more than you may do")
      ->required();
  c->add_option("--days", s->days, "Days until it expires (1-1830)")->capture_default_str();
  c = Verb(token, "revoke", "Revoke one of the logged-in login's tokens (its ID in `token list`)",
           s, TokenRevoke);
  c->add_option("ID", s->ids)->required()->expected(1)->check(CLI::PositiveNumber);
}

}  // namespace hostplane::cli::detail
