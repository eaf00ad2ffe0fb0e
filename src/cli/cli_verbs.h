#pragma once

// What the CLI's verbs share (cli.cc: customers, plans, sites, tasks, nodes; cli_services.cc:
// mail, FTP, databases, DNS, certificates, suspend/resume): the options and arguments of the
// verb that runs, and the helpers that call the API and print its answer. Internal to cli/.

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "common/clock.h"

namespace hostplane::cli::detail {

using nlohmann::json;

// Options every verb takes, and the arguments of the verb that runs. One instance per app; only
// one verb runs per parse.
struct State {
  explicit State(CliIo io_in, int& exit_code_in) : io(io_in), exit_code(exit_code_in) {}

  CliIo io;
  int& exit_code;
  SystemClock system_clock;

  std::string url = "http://127.0.0.1:8580";  // --url, HOSTPLANE_URL
  std::string token;
  std::string output = "table";
  double timeout_s = 120;

  std::string login, email, name, plan, domain, customer, docroot, node, state;
  std::vector<std::string> aliases;
  std::vector<int64_t> ids;
  // Services beside sites.
  std::string address, user, home, zone, record_name, record_type, record_value, php;
  std::vector<std::string> targets;
  int64_t quota_mb = 0, ttl = 0;
  // plan create: limit name in the API ("sites") -> the value as typed; absent: unlimited.
  std::map<std::string, std::string> limits;
  bool password_stdin = false, remove_content = false, wait = false;
  // Nodes.
  std::vector<std::string> roles;
  std::string site, group, ipv4, ipv6, role;
  int64_t capacity = 0, batch = 50;
  std::vector<std::string> settings;  // node set: key=value
  // Resellers: limits as typed ("" = not given), overselling "on"/"off" ("" = not given).
  std::string max_customers, max_sites, overselling;
  bool with_customers = false;
  // Users: a limited user's sites and mail domains, or full access.
  std::vector<std::string> grant_sites, grant_mail_domains;
  bool full_access = false;
  // site set: "key=value" as typed.
  std::vector<std::string> assignments;
  // login: the second factor's code and the token's name.
  std::string totp;
  std::string token_name = "cli";
  // order reject: the reason mailed to the customer.
  std::string reason;
  // files: the paths (ls/rm: one; get/put/mv: two), and their flags.
  std::vector<std::string> paths;
  bool at_once = false, exclusive = false, overwrite = false;
  int64_t if_mtime_ns = -1;  // files put --if-mtime-ns: -1 = not given
  // token add: its scopes and days until it expires.
  std::vector<std::string> scopes;
  int64_t days = 90;

  const Clock& clock() const { return io.clock ? *io.clock : system_clock; }
  bool json_output() const { return output == "json"; }
  ApiClient client() const { return ApiClient(url, token); }
};

// Prints a failed request and returns its exit code; kExitOk when the response is a success.
int Check(const Result<ApiResponse>& r, State& s);
void PrintJson(State& s, const json& j);
// Prints the result of a change and, with --wait, waits for its tasks.
int FinishChange(State& s, const ApiResponse& response, const std::string& what);
// The first line of standard input (--password-stdin), without its line end.
std::optional<std::string> ReadPasswordLine(State& s);
// GET path and print the object under key.
int Show(State& s, const std::string& path, const std::string& key);
// DELETE path (with ?remove_content when asked) and finish the change.
int Remove(State& s, const std::string& path, const std::string& what);
// A verb: its global options, and a callback that runs fn and stores its exit code.
CLI::App* Verb(CLI::App* parent, const std::string& name, const std::string& help,
               const std::shared_ptr<State>& s, int (*fn)(State&));

// The verbs of the services beside sites (cli_services.cc).
void AddServiceCommands(CLI::App& app, const std::shared_ptr<State>& s);
// `hostplane reseller ...` and `hostplane user ...` (cli_people.cc).
void AddPeopleCommands(CLI::App& app, const std::shared_ptr<State>& s);
// GETs every page of a list (following next_after) into {key: [...], "next_after": null}.
int FetchAll(State& s, const std::string& path, const std::string& key, Query query, json& out);
// A limit as typed: "unlimited" is {"unlimited": true}, digits a number, anything else the string
// (so the refusal and its field code come from the API).
json LimitJson(const std::string& typed);
// `hostplane order ...` (cli_orders.cc).
void AddOrderCommands(CLI::App& app, const std::shared_ptr<State>& s);
// `hostplane login LOGIN` (cli_login.cc).
void AddLoginCommand(CLI::App& app, const std::shared_ptr<State>& s);
// `hostplane files ...` (cli_files.cc).
void AddFileCommands(CLI::App& app, const std::shared_ptr<State>& s);
// `hostplane second-factor ...` (cli_second_factor.cc).
void AddSecondFactorCommands(CLI::App& app, const std::shared_ptr<State>& s);
// `hostplane token list|add|revoke` (cli_tokens.cc), beside the local `token create`.
void AddTokenCommands(CLI::App& app, const std::shared_ptr<State>& s);
// `hostplane node ...` (cli_nodes.cc).
void AddNodeCommands(CLI::App& app, const std::shared_ptr<State>& s);
// "key: value" for every field of one object (cli.cc).
std::string ShowObject(const json& object);

}  // namespace hostplane::cli::detail
