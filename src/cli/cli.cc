#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_config.h"
#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "cli/task_waiter.h"
#include "protocol/site_settings.h"

namespace hostplane::cli {

using nlohmann::json;

namespace detail {

void AddGlobalOptions(CLI::App* cmd, State& s) {
  cmd->add_option("--url", s.url, "Controller URL (http://host:port)")
      ->envname("HOSTPLANE_URL")
      ->check([](const std::string& v) -> std::string {
        if (v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) return {};
        return "must start with http:// or https://";
      })
      ->capture_default_str();
  cmd->add_option("--token", s.token, "API token")->envname("HOSTPLANE_TOKEN");
  cmd->add_option("--output,-o", s.output, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->add_option("--timeout", s.timeout_s, "Seconds to wait for tasks with --wait / task wait")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

// Prints a failed request and returns its exit code; kExitOk when the response is a success.
int Check(const Result<ApiResponse>& r, State& s) {
  if (!r) {
    s.io.err << "error: " << r.error().message << "\n";
    return kExitUnreachable;
  }
  if (!r->ok()) {
    PrintApiError(*r, s.io.err);
    return ExitCodeForStatus(r->status);
  }
  if (r->body.is_null()) {
    s.io.err << "error: the controller's answer is not JSON\n";
    return kExitUnexpected;
  }
  return kExitOk;
}

void PrintJson(State& s, const json& j) { s.io.out << j.dump(2) << "\n"; }

std::vector<std::string> TaskRow(const json& t) {
  return {CellOf(t, {"id"}),       CellOf(t, {"node", "node_name"}),
          CellOf(t, {"revision"}), CellOf(t, {"object", "object_key"}),
          CellOf(t, {"kind"}),     CellOf(t, {"state"}),
          CellOf(t, {"attempts"}), HumanTime(t.value("updated_at", json())),
          CellOf(t, {"error"})};
}

const std::vector<std::string> kTaskHeaders = {"ID",    "NODE",     "REV",     "OBJECT", "KIND",
                                               "STATE", "ATTEMPTS", "UPDATED", "ERROR"};

// "key: value" for every field of one object; timestamps made readable, nested values as JSON.
std::string ShowObject(const json& object) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [k, v] : object.items()) {
    bool is_time = k.size() > 3 && (k.substr(k.size() - 3) == "_at" || k == "last_seen");
    if (is_time) {
      fields.emplace_back(k, HumanTime(v));
    } else if (v.is_object() && !v.contains("unlimited")) {
      fields.emplace_back(k, v.dump());
    } else {
      fields.emplace_back(k, Cell(v));
    }
  }
  return RenderFields(fields);
}

// Prints the result of a change and, with --wait, waits for its tasks.
int FinishChange(State& s, const ApiResponse& response, const std::string& what) {
  json body = response.body;
  const json tasks = body.value("tasks", json::array());
  WaitOutcome waited;
  if (s.wait) {
    ApiClient client = s.client();
    WaitOptions options;
    options.timeout = std::chrono::milliseconds(static_cast<int64_t>(s.timeout_s * 1000));
    options.tty = s.io.err_is_tty;
    waited = WaitForTasks(client, tasks, options, s.clock(), s.io.err);
    if (!waited.tasks.empty()) body["tasks"] = waited.tasks;
  }
  if (s.json_output()) {
    PrintJson(s, body);
  } else {
    s.io.out << what << " (change " << CellOf(body, {"change_id"}) << ")\n";
    const json& shown = body["tasks"];
    if (shown.is_array() && !shown.empty()) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : shown) rows.push_back(TaskRow(t));
      s.io.out << RenderTable(kTaskHeaders, rows);
    }
  }
  return waited.exit_code;
}

// The first line of standard input (--password-stdin), without its line end. Secrets never come
// from arguments, which other users of the machine can read in the process list.
std::optional<std::string> ReadPasswordLine(State& s) {
  std::string password;
  if (!std::getline(s.io.in, password)) {
    s.io.err << "error: --password-stdin: no line on standard input\n";
    return std::nullopt;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

int Show(State& s, const std::string& path, const std::string& key) {
  auto r = s.client().Get(path);
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << ShowObject(r->body.value(key, json::object()));
  }
  return kExitOk;
}

int Remove(State& s, const std::string& path, const std::string& what) {
  Query q;
  if (s.remove_content) q.emplace_back("remove_content", "true");
  auto r = s.client().Delete(path, q);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, what);
}

// The token `hostplane login` kept, for a call that names none; its controller's URL too when
// the call names no URL, and nothing when it names another controller.
void UseSavedLogin(State& s, bool url_given) {
  auto path = CliConfigPath();
  if (!path) return;
  auto saved = LoadCliConfig(*path);
  if (!saved) {
    s.io.err << "warning: " << saved.error().message << "\n";
    return;
  }
  if (!*saved || (*saved)->token.empty()) return;
  if (url_given && (*saved)->url != s.url) return;  // that token is another controller's
  s.token = (*saved)->token;
  if (!url_given && !(*saved)->url.empty()) s.url = (*saved)->url;
}

// A verb: its global options, and a callback that runs fn at the one exception boundary of a
// command and stores its exit code.
CLI::App* Verb(CLI::App* parent, const std::string& name, const std::string& help,
               const std::shared_ptr<State>& s, int (*fn)(State&)) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  AddGlobalOptions(cmd, *s);
  const bool is_login = parent->get_parent() == nullptr && name == "login";
  cmd->callback([s, fn, cmd, is_login] {
    try {
      // No token named: the one `hostplane login` kept (and its controller, unless --url or
      // HOSTPLANE_URL names one).
      if (s->token.empty() && !is_login) UseSavedLogin(*s, cmd->count("--url") > 0);
      s->exit_code = fn(*s);
    } catch (const std::exception& e) {
      s->io.err << "error: unexpected: " << e.what() << "\n";
      s->exit_code = kExitUnexpected;
    }
  });
  return cmd;
}

constexpr int kPageLimit = 1000;

// GETs every page of a list (following next_after) and returns {key: [...], "next_after": null}.
int FetchAll(State& s, const std::string& path, const std::string& key, Query query, json& out) {
  ApiClient client = s.client();
  out = {{key, json::array()}, {"next_after", nullptr}};
  std::string after;
  for (;;) {
    Query q = query;
    q.emplace_back("limit", std::to_string(kPageLimit));
    if (!after.empty()) q.emplace_back("after", after);
    auto r = client.Get(path, q);
    if (int code = Check(r, s)) return code;
    for (const auto& item : r->body.value(key, json::array())) out[key].push_back(item);
    const json next = r->body.value("next_after", json());
    if (!next.is_number_integer()) return kExitOk;
    after = std::to_string(next.get<int64_t>());
  }
}

// A limit as typed: "unlimited" is the flag; plain decimal digits (optionally with '-') are a
// number; anything else goes to the controller as the string it is, so the refusal and its field
// code come from the one place that decides them.
json LimitJson(const std::string& typed) {
  if (typed == "unlimited") return json{{"unlimited", true}};
  std::string_view digits = typed;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  bool numeric =
      !digits.empty() && digits.size() <= 18 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) return json(std::stoll(typed));
  return json(typed);
}

}  // namespace detail

namespace {

using detail::Check;
using detail::FetchAll;
using detail::FinishChange;
using detail::kTaskHeaders;
using detail::LimitJson;
using detail::PrintJson;
using detail::ReadPasswordLine;
using detail::Remove;
using detail::Show;
using detail::ShowObject;
using detail::State;
using detail::TaskRow;
using detail::Verb;

int CustomerCreate(State& s) {
  json body = {{"login", s.login}, {"email", s.email}};
  if (!s.name.empty()) body["name"] = s.name;
  if (!s.plan.empty()) body["plan"] = s.plan;
  if (s.password_stdin) {
    std::string password;
    if (!std::getline(s.io.in, password)) {
      s.io.err << "error: --password-stdin: no line on standard input\n";
      return kExitUsage;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    body["password"] = password;
  }
  auto r = s.client().Post("/api/v1/customers", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created customer " + CellOf(r->body["customer"], {"login"}));
}

// The limits of `plan create`, in the API's names, with their option names.
const std::vector<std::pair<std::string, std::string>> kPlanLimits = {
    {"sites", "--sites"},
    {"mailboxes", "--mailboxes"},
    {"mailbox_quota_mb", "--mailbox-quota-mb"},
    {"forwarders", "--forwarders"},
    {"ftp_users", "--ftp-users"},
    {"dns_zones", "--dns-zones"},
    {"databases", "--databases"},
    {"disk_mb", "--disk-mb"},
    {"messages_per_hour", "--messages-per-hour"},
};

int PlanCreate(State& s) {
  json limits = json::object();
  for (const auto& [field, option] : kPlanLimits) {
    auto it = s.limits.find(field);
    // The sending limit left out takes the controller's default (100 an hour), never unlimited.
    if (it == s.limits.end() && field == "messages_per_hour") continue;
    limits[field] = it == s.limits.end() ? json{{"unlimited", true}} : LimitJson(it->second);
  }
  json body = {{"name", s.name}, {"limits", limits}};
  if (!s.site.empty() || !s.group.empty()) {
    body["placement"] = json{{"site", s.site}, {"group", s.group}};
  }
  auto r = s.client().Post("/api/v1/plans", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created plan " + CellOf(r->body["plan"], {"name"}));
}

// "site a, group gold", or "any" when the plan pins nothing.
std::string Placement(const json& plan) {
  const json p = plan.value("placement", json::object());
  std::string out;
  if (!p.value("site", "").empty()) out = "site " + p.value("site", "");
  if (!p.value("group", "").empty())
    out += (out.empty() ? "" : ", ") + ("group " + p.value("group", ""));
  return out.empty() ? "any" : out;
}

int PlanList(State& s) {
  auto r = s.client().Get("/api/v1/plans");
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r->body.value("plans", json::array())) {
    const json limits = p.value("limits", json::object());
    rows.push_back({CellOf(p, {"id"}), CellOf(p, {"name"}), CellOf(limits, {"sites"}),
                    CellOf(limits, {"mailboxes"}), CellOf(limits, {"mailbox_quota_mb"}),
                    CellOf(limits, {"forwarders"}), CellOf(limits, {"ftp_users"}),
                    CellOf(limits, {"dns_zones"}), CellOf(limits, {"databases"}),
                    CellOf(limits, {"disk_mb"}), Placement(p)});
  }
  s.io.out << RenderTable({"ID", "NAME", "SITES", "MAILBOXES", "QUOTA MB", "FORWARDERS",
                           "FTP USERS", "DNS ZONES", "DATABASES", "DISK MB", "PLACEMENT"},
                          rows);
  return kExitOk;
}

int CustomerSetPlan(State& s) {
  auto r = s.client().Patch("/api/v1/customers/" + Segment(s.login), json{{"plan", s.plan}});
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "customer " + s.login + " is on plan " + s.plan);
}

int CustomerList(State& s) {
  json all;
  if (int code = FetchAll(s, "/api/v1/customers", "customers", {}, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : all["customers"]) {
    rows.push_back({CellOf(c, {"login"}), CellOf(c, {"name"}), CellOf(c, {"email"}),
                    CellOf(c, {"plan_id"}), CellOf(c, {"status"}),
                    HumanTime(c.value("created_at", json()))});
  }
  s.io.out << RenderTable({"LOGIN", "NAME", "EMAIL", "PLAN ID", "STATUS", "CREATED"}, rows);
  return kExitOk;
}

int SiteAdd(State& s) {
  json body = {{"domain", s.domain}, {"customer", s.customer}};
  if (!s.aliases.empty()) body["aliases"] = s.aliases;
  if (!s.docroot.empty()) body["docroot"] = s.docroot;
  if (!s.php.empty()) body["php"] = s.php;
  auto r = s.client().Post("/api/v1/sites", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created site " + CellOf(r->body["site"], {"domain"}));
}

// site set DOMAIN key=value...: "php" is the site's PHP version, every other key a web setting
// (protocol/site_settings.h), typed by its key; the controller checks every value.
int SiteSet(State& s) {
  json body = json::object();
  json settings = json::object();
  for (const auto& a : s.assignments) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      s.io.err << "error: \"" << a << "\" is not key=value\n";
      return kExitUsage;
    }
    const std::string key = a.substr(0, eq);
    const std::string value = a.substr(eq + 1);
    if (key == "php") {
      body["php"] = value;
    } else {
      settings[key] = protocol::SettingFromText(key, value);
    }
  }
  if (!settings.empty()) body["settings"] = settings;
  auto r = s.client().Patch("/api/v1/sites/" + Segment(s.domain), body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "updated site " + s.domain);
}

int SiteList(State& s) {
  Query q;
  if (!s.customer.empty()) q.emplace_back("customer", s.customer);
  json all;
  if (int code = FetchAll(s, "/api/v1/sites", "sites", q, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& site : all["sites"]) {
    rows.push_back({CellOf(site, {"domain"}), CellOf(site, {"customer", "customer_login"}),
                    CellOf(site, {"node", "node_name"}), CellOf(site, {"aliases"}),
                    CellOf(site, {"docroot"}), CellOf(site, {"status"}),
                    HumanTime(site.value("created_at", json()))});
  }
  s.io.out << RenderTable({"DOMAIN", "CUSTOMER", "NODE", "ALIASES", "DOCROOT", "STATUS", "CREATED"},
                          rows);
  return kExitOk;
}

int TaskList(State& s) {
  Query q;
  if (!s.node.empty()) q.emplace_back("node", s.node);
  if (!s.state.empty()) q.emplace_back("state", s.state);
  json all;
  if (int code = FetchAll(s, "/api/v1/tasks", "tasks", q, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : all["tasks"]) rows.push_back(TaskRow(t));
  s.io.out << RenderTable(kTaskHeaders, rows);
  return kExitOk;
}

int TaskWait(State& s) {
  ApiClient client = s.client();
  json tasks = json::array();
  for (int64_t id : s.ids) {
    auto r = client.Get("/api/v1/tasks/" + std::to_string(id));
    if (int code = Check(r, s)) return code;
    tasks.push_back(r->body.value("task", json::object()));
  }
  WaitOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(s.timeout_s * 1000));
  options.tty = s.io.err_is_tty;
  WaitOutcome waited = WaitForTasks(client, tasks, options, s.clock(), s.io.err);
  if (s.json_output()) {
    PrintJson(s, json{{"tasks", waited.tasks}});
  } else if (!waited.tasks.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : waited.tasks) rows.push_back(TaskRow(t));
    s.io.out << RenderTable(kTaskHeaders, rows);
  }
  return waited.exit_code;
}

// One failed task re-queued (POST /tasks/{id}/retry), or several in one change (/tasks/retry).
int TaskRetry(State& s) {
  auto r = s.ids.size() == 1
               ? s.client().Post("/api/v1/tasks/" + std::to_string(s.ids.front()) + "/retry",
                                 json::object())
               : s.client().Post("/api/v1/tasks/retry", json{{"ids", s.ids}});
  if (int code = Check(r, s)) return code;
  std::string what;
  const json retries = r->body.contains("retries") ? r->body["retries"] : json::array({r->body});
  for (const auto& one : retries) {
    if (!what.empty()) what += "\n";
    what += "task " + CellOf(one, {"retry_of"}) +
            (one.value("queued", false) ? " retried as task " : " already has a newer task, ") +
            CellOf(one["task"], {"id"});
  }
  return FinishChange(s, *r, what);
}

}  // namespace

CliIo StdIo() { return CliIo{std::cin, std::cout, std::cerr, isatty(STDERR_FILENO) == 1, nullptr}; }

int ExitCodeForParseError(CLI::App& app, const CLI::ParseError& e, std::ostream& out,
                          std::ostream& err) {
  int code = app.exit(e, out, err);
  return code == 0 ? kExitOk : kExitUsage;
}

void AddCliCommands(CLI::App& app, int& exit_code, CliIo io) {
  auto s = std::make_shared<State>(io, exit_code);
  app.footer(app.get_footer().empty() ? kExitCodesHelp
                                      : app.get_footer() + "\n\n" + kExitCodesHelp);

  CLI::App* customer = app.add_subcommand("customer", "Manage customers");
  customer->footer(kExitCodesHelp);
  customer->require_subcommand(1);
  CLI::App* c = Verb(customer, "create", "Create a customer", s, CustomerCreate);
  c->add_option("LOGIN", s->login, "Login (^[a-z][a-z0-9]{2,15}$)")->required();
  c->add_option("--email", s->email, "Contact email")->required();
  c->add_option("--name", s->name, "Display name (default: the login)");
  c->add_option("--plan", s->plan, "Plan name (default: the default plan)");
  c->add_flag("--password-stdin", s->password_stdin,
              "Read the panel password from the first line of standard input");
  c->add_flag("--wait", s->wait, "Wait until the change's tasks are applied");
  Verb(customer, "list", "List customers", s, CustomerList);
  c = Verb(customer, "show", "Show one customer", s, [](State& st) {
    return Show(st, "/api/v1/customers/" + Segment(st.login), "customer");
  });
  c->add_option("LOGIN", s->login)->required();
  c = Verb(customer, "delete", "Delete a customer and all its sites", s, [](State& st) {
    return Remove(st, "/api/v1/customers/" + Segment(st.login), "deleting customer " + st.login);
  });
  c->add_option("LOGIN", s->login)->required();
  c->add_flag("--remove-content", s->remove_content, "Also delete the sites' files");
  c->add_flag("--wait", s->wait, "Wait until the change's tasks are applied");
  c = Verb(customer, "set-plan", "Move a customer to another plan", s, CustomerSetPlan);
  c->add_option("LOGIN", s->login)->required();
  c->add_option("PLAN", s->plan, "Plan name")->required();

  CLI::App* plan = app.add_subcommand("plan", "Manage hosting plans");
  plan->footer(kExitCodesHelp);
  plan->require_subcommand(1);
  c = Verb(plan, "create", "Create a plan", s, PlanCreate);
  c->add_option("NAME", s->name, "Plan name (^[a-z][a-z0-9-]{1,31}$)")->required();
  for (const auto& [field, option] : kPlanLimits) {
    c->add_option_function<std::string>(
        option, [s, field = field](const std::string& v) { s->limits[field] = v; },
        "A whole number or 'unlimited' (default: unlimited)");
  }
  c->add_option("--site", s->site, "Place the plan's services only at this site");
  c->add_option("--group", s->group, "Place the plan's services only on nodes of this group");
  Verb(plan, "list", "List plans", s, PlanList);
  c = Verb(plan, "show", "Show one plan", s,
           [](State& st) { return Show(st, "/api/v1/plans/" + Segment(st.name), "plan"); });
  c->add_option("NAME", s->name)->required();

  CLI::App* site = app.add_subcommand("site", "Manage websites");
  site->footer(kExitCodesHelp);
  site->require_subcommand(1);
  c = Verb(site, "add", "Create a website", s, SiteAdd);
  c->add_option("DOMAIN", s->domain, "Domain name")->required();
  c->add_option("--customer", s->customer, "Owner's login")->required();
  c->add_option("--alias", s->aliases, "Another name of the site (repeatable)");
  c->add_option("--docroot", s->docroot, "Document root, relative to the account home");
  c->add_flag("--wait", s->wait, "Wait until the site is live");
  c = Verb(site, "set", "Change a website's settings (key=value ...)", s, SiteSet);
  c->add_option("DOMAIN", s->domain, "Domain name")->required();
  c->add_option("SETTING", s->assignments,
                "key=value: php, profile (static|php|custom), fallback, upload_max_mb, "
                "https_redirect, hsts, php_memory_limit_mb, php_max_execution_time, "
                "php_max_input_time, php_max_input_vars, php_display_errors, "
                "php_error_reporting (all|production|errors|none), php_timezone, "
                "php_session_gc_maxlifetime, php_short_open_tag")
      ->required();
  c->add_flag("--wait", s->wait, "Wait until the change is live");
  c = Verb(site, "list", "List websites", s, SiteList);
  c->add_option("--customer", s->customer, "Only this customer's sites");
  c = Verb(site, "show", "Show one website", s,
           [](State& st) { return Show(st, "/api/v1/sites/" + Segment(st.domain), "site"); });
  c->add_option("DOMAIN", s->domain)->required();
  c = Verb(site, "remove", "Remove a website", s, [](State& st) {
    return Remove(st, "/api/v1/sites/" + Segment(st.domain), "removing site " + st.domain);
  });
  c->add_option("DOMAIN", s->domain)->required();
  c->add_flag("--remove-content", s->remove_content, "Also delete the site's files");
  c->add_flag("--wait", s->wait, "Wait until the site is gone from its node");

  CLI::App* task = app.add_subcommand("task", "Inspect, wait for and retry tasks");
  task->footer(kExitCodesHelp);
  task->require_subcommand(1);
  c = Verb(task, "list", "List tasks", s, TaskList);
  c->add_option("--node", s->node, "Only this node's tasks");
  c->add_option("--state", s->state, "Only tasks in this state")
      ->check(CLI::IsMember({"pending", "applied", "failed", "retry", "running", "superseded"}));
  c = Verb(task, "show", "Show one task", s, [](State& st) {
    return Show(st, "/api/v1/tasks/" + std::to_string(st.ids.at(0)), "task");
  });
  c->add_option("ID", s->ids)->required()->expected(1)->check(CLI::PositiveNumber);
  c = Verb(task, "wait", "Wait until tasks are applied", s, TaskWait);
  c->add_option("ID", s->ids)->required()->check(CLI::PositiveNumber);
  c = Verb(task, "retry",
           "Queue failed tasks again as new attempts (a task whose object has a newer one is "
           "not queued again)",
           s, TaskRetry);
  c->add_option("ID", s->ids, "Failed task ids (at most 100)")
      ->required()
      ->check(CLI::PositiveNumber);
  c->add_flag("--wait", s->wait, "Wait until the new attempts are applied");

  detail::AddNodeCommands(app, s);

  detail::AddServiceCommands(app, s);

  detail::AddPeopleCommands(app, s);
  detail::AddOrderCommands(app, s);
  detail::AddFileCommands(app, s);
  detail::AddLoginCommand(app, s);
  detail::AddSecondFactorCommands(app, s);
  detail::AddTokenCommands(app, s);
}

}  // namespace hostplane::cli
