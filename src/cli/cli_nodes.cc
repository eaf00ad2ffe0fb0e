// `hostplane node ...`: the fleet from the operator's side. Add a server (it gets a one-time join
// token), set its name-server name and address, see every node's health from its heartbeats (and
// whether a dns node lags on the zones), and empty one: drain (the server is still
// reachable) or lost (it is gone), with progress while accounts move.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "cli/task_waiter.h"

namespace hostplane::cli::detail {
namespace {

// "0 B", "512 KiB", "3.4 MiB", "1.2 GiB".
std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char out[32];
  std::snprintf(out, sizeof out, u == 0 || v >= 10 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return out;
}

int NodeAdd(State& s) {
  json body = {{"name", s.name}, {"roles", s.roles}};
  if (s.capacity > 0) body["capacity"] = s.capacity;
  if (!s.site.empty()) body["site"] = s.site;
  if (!s.group.empty()) body["group"] = s.group;
  if (!s.ipv4.empty()) body["ipv4"] = s.ipv4;
  if (!s.ipv6.empty()) body["ipv6"] = s.ipv6;
  auto r = s.client().Post("/api/v1/nodes", body);
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  const std::string token = r->body.value("join_token", json()).is_string()
                                ? r->body["join_token"].get<std::string>()
                                : std::string();
  s.io.out << "node " << s.name << " added.\n";
  if (!token.empty()) {
    s.io.out << "\nOn the server, run once (the token works once, for 24 hours):\n\n"
             << "  hostplane agent --config /etc/hostplane/agent.toml --join " << token
             << " --controller " << s.url << "\n";
  }
  return kExitOk;
}

int NodeToken(State& s) {
  auto r = s.client().Post("/api/v1/nodes/" + Segment(s.name) + "/token", json::object());
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << r->body.value("join_token", "") << "\n";
  }
  return kExitOk;
}

std::string Drivers(const json& n) {
  std::string out;
  for (const auto& d : n.value("drivers", json::array())) {
    if (d.is_string()) out += (out.empty() ? "" : ",") + d.get<std::string>();
  }
  return out;
}

// `node set NAME ns-name=ns1.hostco.example address=192.0.2.10`: the API field of each key.
int NodeSet(State& s) {
  json body = json::object();
  for (const auto& setting : s.settings) {
    const auto eq = setting.find('=');
    const std::string key = setting.substr(0, eq);
    if (eq == std::string::npos || (key != "ns-name" && key != "address")) {
      s.io.err << "error: a setting is ns-name=NAME or address=IP\n";
      return kExitUsage;
    }
    body[key == "ns-name" ? "ns_name" : "address"] = setting.substr(eq + 1);
  }
  auto r = s.client().Patch("/api/v1/nodes/" + Segment(s.name), body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "node " + s.name + " set");
}

// A dns node's zones: "in sync", "lags 3/120" (zones whose served serial is below the zone's);
// "-" for other nodes.
std::string DnsCell(const json& n) {
  const json dns = n.value("dns", json());
  if (!dns.is_object()) return "-";
  const int64_t lagging = dns.value("lagging", int64_t{0});
  if (lagging == 0) return "in sync";
  return "lags " + std::to_string(lagging) + "/" + std::to_string(dns.value("zones", int64_t{0}));
}

int NodeList(State& s) {
  auto r = s.client().Get("/api/v1/nodes");
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : r->body.value("nodes", json::array())) {
    char load[32];
    std::snprintf(load, sizeof load, "%.2f", n.value("load", 0.0));
    rows.push_back({CellOf(n, {"name"}), CellOf(n, {"roles"}), CellOf(n, {"site"}),
                    CellOf(n, {"status"}), CellOf(n, {"health"}),
                    HumanTime(n.value("last_seen", json())),
                    CellOf(n, {"applied_revision"}) + "/" + CellOf(n, {"head_revision"}), load,
                    Drivers(n), DnsCell(n), CellOf(n, {"version"})});
  }
  s.io.out << RenderTable({"NAME", "ROLES", "SITE", "STATUS", "HEALTH", "LAST SEEN", "APPLIED/HEAD",
                           "LOAD", "DRIVERS", "ZONES", "VERSION"},
                          rows);
  return kExitOk;
}

// Steps through drain or loss until the node is empty, waiting for each step's tasks, with a
// line of progress per step.
int Empty(State& s, bool lost) {
  const std::string path = "/api/v1/nodes/" + Segment(s.name) + (lost ? "/lost" : "/drain");
  ApiClient client = s.client();
  WaitOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(s.timeout_s * 1000));
  options.tty = s.io.err_is_tty;
  size_t moved = 0;
  std::vector<std::string> unrecoverable;
  json copies = json::object();
  json steps = json::array();
  for (;;) {
    json request = {{"batch", s.batch}};
    if (!s.role.empty()) request["role"] = s.role;
    auto r = client.Post(path, request);
    if (int code = Check(r, s)) return code;
    const json& body = r->body;
    const auto step_moved = body.value("moved", json::array());
    moved += step_moved.size();
    for (const auto& u : body.value("unrecoverable", json::array())) {
      unrecoverable.push_back(u.get<std::string>());
    }
    const int64_t remaining = body.value("remaining_customers", int64_t{0});
    const bool emptied = body.value("emptied", false);
    copies = body.value("copies", json::object());
    const int64_t copying = copies.value("in_progress", int64_t{0});
    s.io.err << (lost ? "rebuilding " : "draining ") << s.name << ": " << moved
             << " customers moved, " << remaining << " left";
    if (!lost) {
      s.io.err << "; content copied " << copies.value("done", int64_t{0}) << " ("
               << HumanBytes(copies.value("bytes", int64_t{0})) << "), " << copying
               << " under way, " << copies.value("failed", json::array()).size() << " failed";
    }
    s.io.err << (emptied && !lost ? "; removing the configuration from the node" : "") << "\n";
    // A failed copy does not stop the drain (the node keeps its files): it is listed at the end.
    json changes = json::array();
    json copy_tasks = json::array();
    for (const auto& t : body.value("tasks", json::array())) {
      (t.value("object_key", "").starts_with("transfer:") ? copy_tasks : changes).push_back(t);
    }
    if (!changes.empty()) {
      WaitOutcome waited = WaitForTasks(client, changes, options, s.clock(), s.io.err);
      if (waited.exit_code != kExitOk) return waited.exit_code;
    }
    if (!copy_tasks.empty()) {
      WaitOutcome waited = WaitForTasks(client, copy_tasks, options, s.clock(), s.io.err);
      if (waited.exit_code != kExitOk && waited.exit_code != kExitTaskFailed) {
        return waited.exit_code;
      }
    }
    steps.push_back(body);
    if (emptied) break;
    if (step_moved.empty() && remaining > 0) {
      s.io.err << "error: nothing moved in this step although " << remaining
               << " customers are left\n";
      return kExitUnexpected;
    }
  }
  if (s.json_output()) {
    PrintJson(s, json{{"node", s.name},
                      {"moved", moved},
                      {"unrecoverable", unrecoverable},
                      {"copies", copies},
                      {"steps", steps}});
    return kExitOk;
  }
  if (lost) {
    s.io.out << "node " << s.name << " is lost: " << moved
             << " customers rebuilt on other nodes from the store.\n";
    if (!unrecoverable.empty()) {
      s.io.out << "Not recoverable without the server (restore from backups):\n";
      for (const auto& u : unrecoverable) s.io.out << "  - " << u << "\n";
    }
  } else {
    const json failed = copies.value("failed", json::array());
    const int64_t copied = copies.value("done", int64_t{0});
    s.io.out << "node " << s.name << (s.role.empty() ? "" : " no longer serves " + s.role)
             << (s.role.empty() ? " is drained: " : ": ") << moved << " customers moved, " << copied
             << (copied == 1 ? " directory" : " directories") << " of content copied ("
             << HumanBytes(copies.value("bytes", int64_t{0}))
             << "); its configuration is removed (its files stay on the server).\n";
    if (!failed.empty()) {
      s.io.out << "Not copied (copy these from the server by hand):\n";
      for (const auto& f : failed) s.io.out << "  - " << f.get<std::string>() << "\n";
      return kExitTaskFailed;
    }
  }
  return kExitOk;
}

int NodeDrain(State& s) { return Empty(s, false); }
int NodeLost(State& s) { return Empty(s, true); }

int RelayUsers(State& s) {
  auto r = s.client().Get("/api/v1/relay/sites/" + Segment(s.site) + "/users");
  if (int code = Check(r, s)) return code;
  PrintJson(s, r->body);  // always JSON: it is `relay config site --users-file`'s input
  return kExitOk;
}

}  // namespace

void AddNodeCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  CLI::App* node = app.add_subcommand("node", "Manage the servers of the fleet");
  node->footer(kExitCodesHelp);
  node->require_subcommand(1);
  CLI::App* c = Verb(node, "add", "Add a server; prints its one-time join token", s, NodeAdd);
  c->add_option("NAME", s->name, "Node name (^[a-z][a-z0-9-]{0,62}$)")->required();
  c->add_option("--roles", s->roles, "Roles: web, mail, dns, ftp, db (comma-separated)")
      ->required()
      ->delimiter(',');
  c->add_option("--site", s->site, "The site (relay leaf) the server stands at");
  c->add_option("--group", s->group, "A node group plans may pin to");
  c->add_option("--capacity", s->capacity, "How many objects of each role it may serve")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  c->add_option("--ipv4", s->ipv4, "Public IPv4 address (for DNS records)");
  c->add_option("--ipv6", s->ipv6, "Public IPv6 address (for DNS records)");
  Verb(node, "list", "List nodes with their health, revisions and load", s, NodeList);
  c = Verb(node, "show", "Show one node", s,
           [](State& st) { return Show(st, "/api/v1/nodes/" + Segment(st.name), "node"); });
  c->add_option("NAME", s->name)->required();
  c = Verb(node, "set",
           "Change a node's settings: ns-name=NAME (its name server in every zone's NS; empty: "
           "ns<k>.<zone>) and address=IP (its public IPv4 or IPv6 address, the glue)",
           s, NodeSet);
  c->add_option("NAME", s->name)->required();
  c->add_option("SETTINGS", s->settings, "key=value: ns-name=..., address=...")->required();
  c->add_flag("--wait", s->wait, "Wait until every zone is served with the new name servers");
  c = Verb(node, "token", "Issue a new join token (revokes unused ones)", s, NodeToken);
  c->add_option("NAME", s->name)->required();
  c = Verb(node, "drain",
           "Move everything (or one role) off a reachable node, copying homes, Maildirs and "
           "databases, then empty it (give --timeout for large copies)",
           s, NodeDrain);
  c->add_option("NAME", s->name)->required();
  c->add_option("--role", s->role, "Only this role leaves the node (it keeps the others)")
      ->check(CLI::IsMember({"web", "mail", "dns", "ftp", "db"}));
  c->add_option("--batch", s->batch, "Customers moved per step")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  c = Verb(node, "lost", "Rebuild everything of a lost node elsewhere from the store", s, NodeLost);
  c->add_option("NAME", s->name)->required();
  c->add_option("--batch", s->batch, "Customers moved per step")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  c = Verb(node, "relay-users", "Print a site's relay users (for relay config --users-file)", s,
           RelayUsers);
  c->add_option("SITE", s->site)->required();
}

}  // namespace hostplane::cli::detail
