// The CLI verbs of people and permissions: `hostplane reseller create|list|show|set-limits|
// suspend|resume|delete` and `hostplane user create|list|show|delete` (a customer's users).
// Thin clients of /api/v1/resellers and /api/v1/users; secrets only from standard input.

#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli::detail {
namespace {

// {"customers": ..., "sites": ...} from the options given (all of them for a new reseller, where
// a limit not given is unlimited; only those given for set-limits).
json ResellerLimits(const State& s, bool all) {
  json limits = json::object();
  if (!s.max_customers.empty()) {
    limits["customers"] = LimitJson(s.max_customers);
  } else if (all) {
    limits["customers"] = json{{"unlimited", true}};
  }
  if (!s.max_sites.empty()) {
    limits["sites"] = LimitJson(s.max_sites);
  } else if (all) {
    limits["sites"] = json{{"unlimited", true}};
  }
  return limits;
}

int ResellerCreate(State& s) {
  json body = {{"login", s.login}, {"email", s.email}, {"limits", ResellerLimits(s, true)}};
  if (!s.name.empty()) body["name"] = s.name;
  if (!s.overselling.empty()) body["overselling"] = s.overselling == "on";
  if (s.password_stdin) {
    auto password = ReadPasswordLine(s);
    if (!password) return kExitUsage;
    body["password"] = *password;
  }
  auto r = s.client().Post("/api/v1/resellers", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created reseller " + CellOf(r->body["reseller"], {"login"}));
}

int ResellerSetLimits(State& s) {
  json body = json::object();
  json limits = ResellerLimits(s, false);
  if (!limits.empty()) body["limits"] = limits;
  if (!s.overselling.empty()) body["overselling"] = s.overselling == "on";
  if (body.empty()) {
    s.io.err << "error: give --max-customers, --max-sites or --overselling\n";
    return kExitUsage;
  }
  auto r = s.client().Patch("/api/v1/resellers/" + Segment(s.login), body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "changed reseller " + s.login);
}

int ResellerList(State& s) {
  json all;
  if (int code = FetchAll(s, "/api/v1/resellers", "resellers", {}, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : all["resellers"]) {
    const json limits = r.value("limits", json::object());
    rows.push_back({CellOf(r, {"login"}), CellOf(r, {"name"}), CellOf(r, {"email"}),
                    CellOf(limits, {"customers"}), CellOf(limits, {"sites"}),
                    r.value("overselling", false) ? "on" : "off", CellOf(r, {"status"}),
                    HumanTime(r.value("created_at", json()))});
  }
  s.io.out << RenderTable(
      {"LOGIN", "NAME", "EMAIL", "CUSTOMERS", "SITES", "OVERSELLING", "STATUS", "CREATED"}, rows);
  return kExitOk;
}

int ResellerStatus(State& s, const std::string& verb, const std::string& done) {
  auto r = s.client().Post("/api/v1/resellers/" + Segment(s.login) + "/" + verb, json::object());
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "reseller " + s.login + " " + done);
}

int ResellerDelete(State& s) {
  Query q;
  if (s.with_customers) q.emplace_back("with_customers", "true");
  if (s.remove_content) q.emplace_back("remove_content", "true");
  auto r = s.client().Delete("/api/v1/resellers/" + Segment(s.login), q);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "deleting reseller " + s.login);
}

int UserCreate(State& s) {
  json body = {{"login", s.login}, {"email", s.email}};
  if (!s.name.empty()) body["name"] = s.name;
  if (!s.customer.empty()) body["customer"] = s.customer;
  if (!s.role.empty()) body["role"] = s.role;
  if (s.full_access) body["full_access"] = true;
  if (!s.grant_sites.empty()) body["sites"] = s.grant_sites;
  if (!s.grant_mail_domains.empty()) body["mail_domains"] = s.grant_mail_domains;
  if (s.password_stdin) {
    auto password = ReadPasswordLine(s);
    if (!password) return kExitUsage;
    body["password"] = *password;
  }
  auto r = s.client().Post("/api/v1/users", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created user " + CellOf(r->body["user"], {"login"}));
}

std::string Access(const json& u) {
  if (u.value("full_access", false)) return "full";
  std::string out;
  for (const char* key : {"sites", "mail_domains"}) {
    for (const auto& name : u.value(key, json::array())) {
      out += (out.empty() ? "" : ", ") + name.get<std::string>();
    }
  }
  return out.empty() ? "none" : out;
}

int UserList(State& s) {
  Query q;
  if (!s.customer.empty()) q.emplace_back("customer", s.customer);
  json all;
  if (int code = FetchAll(s, "/api/v1/users", "users", q, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : all["users"]) {
    rows.push_back({CellOf(u, {"login"}), CellOf(u, {"name"}), CellOf(u, {"email"}),
                    CellOf(u, {"role"}), Access(u), u.value("second_factor", false) ? "yes" : "no",
                    HumanTime(u.value("created_at", json()))});
  }
  s.io.out << RenderTable({"LOGIN", "NAME", "EMAIL", "ROLE", "ACCESS", "2FA", "CREATED"}, rows);
  return kExitOk;
}

int UserDelete(State& s) {
  auto r = s.client().Delete("/api/v1/users/" + Segment(s.login));
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "deleted user " + s.login);
}

// A password-reset mail for a login (POST /api/v1/password-resets): the link goes to the login's
// own address, never to whoever asks, so this is what staff do for someone locked out.
int UserResetLink(State& s) {
  auto r = s.client().Post("/api/v1/password-resets", {{"login", s.login}});
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  s.io.out << "If " << s.login
           << " exists and has an e-mail address, a link to set a new password is on its way "
              "there (it works once, for an hour).\n";
  return kExitOk;
}

}  // namespace

void AddPeopleCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  const char* kWaitHelp = "Wait until the change's tasks are applied";
  const char* kLimitHelp = "A whole number or 'unlimited'";
  CLI::App* reseller = app.add_subcommand("reseller", "Manage resellers (company staff)");
  reseller->footer(kExitCodesHelp);
  reseller->require_subcommand(1);

  CLI::App* c = Verb(reseller, "create", "Create a reseller and its login", s, ResellerCreate);
  c->add_option("LOGIN", s->login, "Login (^[a-z][a-z0-9]{2,15}$)")->required();
  c->add_option("--email", s->email, "Contact email")->required();
  c->add_option("--name", s->name, "Display name (default: the login)");
  c->add_option("--max-customers", s->max_customers,
                std::string(kLimitHelp) + " (default: unlimited)");
  c->add_option("--max-sites", s->max_sites,
                std::string(kLimitHelp) + ", over all its customers (default: unlimited)");
  c->add_option("--overselling", s->overselling,
                "on: its customers' plans may promise more sites in sum than --max-sites "
                "(default: off)")
      ->check(CLI::IsMember({"on", "off"}));
  c->add_flag("--password-stdin", s->password_stdin,
              "Read its login's password from the first line of standard input (without it, "
              "the reseller cannot log in)");

  Verb(reseller, "list", "List resellers", s, ResellerList);
  c = Verb(reseller, "show", "Show one reseller", s, [](State& st) {
    return Show(st, "/api/v1/resellers/" + Segment(st.login), "reseller");
  });
  c->add_option("LOGIN", s->login)->required();
  c = Verb(reseller, "set-limits", "Change a reseller's limits or overselling", s,
           ResellerSetLimits);
  c->add_option("LOGIN", s->login)->required();
  c->add_option("--max-customers", s->max_customers, kLimitHelp);
  c->add_option("--max-sites", s->max_sites, kLimitHelp);
  c->add_option("--overselling", s->overselling)->check(CLI::IsMember({"on", "off"}));
  c = Verb(reseller, "suspend", "Suspend a reseller and every one of its customers", s,
           [](State& st) { return ResellerStatus(st, "suspend", "suspended"); });
  c->add_option("LOGIN", s->login)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(reseller, "resume", "Resume a reseller and its suspended customers", s,
           [](State& st) { return ResellerStatus(st, "resume", "resumed"); });
  c->add_option("LOGIN", s->login)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(reseller, "delete",
           "Delete a reseller, its plans and logins (refused while it has customers)", s,
           ResellerDelete);
  c->add_option("LOGIN", s->login)->required();
  c->add_flag("--with-customers", s->with_customers,
              "Delete its customers with it (every service of theirs on every node)");
  c->add_flag("--remove-content", s->remove_content,
              "With --with-customers: also delete their files");
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* user = app.add_subcommand("user", "Manage a customer's users, and staff logins");
  user->footer(kExitCodesHelp);
  user->require_subcommand(1);
  c = Verb(user, "create", "Create a user of a customer, or (--role) a staff login", s, UserCreate);
  c->add_option("LOGIN", s->login, "Login (^[a-z][a-z0-9]{2,15}$)")->required();
  c->add_option("--email", s->email, "Email address")->required();
  c->add_option("--name", s->name, "Display name (default: the login)");
  c->add_option("--customer", s->customer,
                "Whose user (a customer's login; default for a customer: itself)");
  c->add_flag("--full-access", s->full_access,
              "The customer's rights on everything it has (not on its users)");
  c->add_option("--site", s->grant_sites, "A site of the customer it may work on (repeatable)");
  c->add_option("--mail-domain", s->grant_mail_domains,
                "A mail domain of the customer it may work on (repeatable)");
  c->add_flag("--password-stdin", s->password_stdin,
              "Read its password from the first line of standard input");
  c->add_option("--role", s->role,
                "customer_user (default), or a staff login: admin or support (an admin only)")
      ->check(CLI::IsMember({"customer_user", "admin", "support"}));
  c = Verb(user, "list", "List a customer's users", s, UserList);
  c->add_option("--customer", s->customer, "Whose users (default for a customer: its own)");
  c = Verb(user, "show", "Show one user", s,
           [](State& st) { return Show(st, "/api/v1/users/" + Segment(st.login), "user"); });
  c->add_option("LOGIN", s->login)->required();
  c = Verb(user, "delete", "Delete a customer's user and its tokens", s, UserDelete);
  c->add_option("LOGIN", s->login)->required();
  c = Verb(user, "reset-link",
           "Mail a login a one-time link to set a new password (to its own address)", s,
           UserResetLink);
  c->add_option("LOGIN", s->login, "Login name or e-mail address")->required();
}

}  // namespace hostplane::cli::detail
