// Tenancy at size (issue 14, "Speed and limits"): a store of N customers (default 100,000) under
// R resellers (default 10), each customer with its owner's login and one site, seeded in bulk
// straight into the store (one transaction per batch, not one API call per object); then the real
// `hostplane serve` on that store (with a real nats-server), and wrk:
//  1. one customer's site list (GET /api/v1/sites?customer=<login>) with that customer's own
//     token, over 1 and 8 keep-alive connections: p50 and p99 (goal: p99 <= 5 ms on loopback);
//  2. a read-heavy mix (the site list, one site, the customer, its zones, its mailboxes) for 100
//     customers, each request with that customer's token, beside the same requests with the admin
//     token: requests/s of both (goal: the authorisation costs under 10%).
// Before measuring it checks the scope: a customer's token lists its own site only, another
// customer's list is empty to it and that customer's site 404; every answer during the runs must be
// 2xx (else the bench fails).
//
//   build/bench/hp_bench_tenancy [--customers 100000] [--resellers 10] [--runs 3] [--seconds 10]
//
// Tokens reach wrk through its environment and a Lua script, never its argv.

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "common/crypto.h"
#include "common/exec/command_runner.h"
#include "common/net/loopback.h"
#include "common/testing/nats_server.h"
#include "controller/store/sqlite_store.h"
#include "controller/store/store.h"
#include "up_process.h"
#include "wrk_run.h"

namespace hostplane::bench {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  int customers = 100'000;
  int resellers = 10;
  int batch = 5'000;
  int token_customers = 100;  // customers with a token of their own, spread over the ids
  int runs = 3;
  int seconds = 10;
  std::string data_dir;  // empty: a temporary one; a store.db already there is used as it is
  bool keep = false;
  std::string hostplane = HOSTPLANE_BIN;
};

std::string Login(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "c%06d", i);
  return buf;
}
std::string Domain(int i) { return Login(i) + ".example"; }

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// Which customers get a token: token_customers of them, evenly over the ids (the middle of the
// tables, not only their ends).
std::vector<int> TokenCustomers(const Options& opt) {
  std::vector<int> out;
  const int n = std::min(opt.token_customers, opt.customers);
  for (int k = 0; k < n; ++k) out.push_back(static_cast<int>((int64_t{k} * opt.customers) / n));
  return out;
}

// Seeds resellers (with their logins), customers (each with its owner's login, owned by reseller
// i % R) and one site each into store_path, batch customers per transaction, and a token for each
// of the token customers; returns those tokens in TokenCustomers' order.
Result<std::vector<std::string>> Seed(const std::string& store_path, const Options& opt) {
  HP_ASSIGN_OR_RETURN(auto store, controller::OpenSqliteStore(store_path));
  std::vector<int64_t> reseller_ids;
  int64_t plan_id = 0, node_id = 0;
  HP_TRY((*store).Write([&](controller::StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto plan, tx.plans().FindByName("default"));
    if (!plan) return Fail(Error::NotFound("the default plan"));
    plan_id = plan->id;
    controller::Node node;
    node.name = "web1";
    node.roles = {"web"};
    node.capacity = 10'000'000;
    HP_ASSIGN_OR_RETURN(auto stored_node, tx.nodes().Insert(node));
    node_id = stored_node.id;
    for (int r = 0; r < opt.resellers; ++r) {
      controller::Reseller reseller;
      reseller.login = "r" + std::to_string(r);
      reseller.name = reseller.login;
      reseller.email = reseller.login + "@resellers.example";
      reseller.overselling = true;
      HP_ASSIGN_OR_RETURN(auto stored, tx.resellers().Insert(reseller));
      controller::User u;
      u.login = reseller.login;
      u.email = reseller.email;
      u.name = reseller.login;
      u.role = "reseller";
      u.reseller_id = stored.id;
      HP_TRY(tx.users().Insert(u).map([](const controller::User&) {}));
      reseller_ids.push_back(stored.id);
    }
    return Ok();
  }));
  const std::vector<int> with_token = TokenCustomers(opt);
  std::vector<std::string> tokens;
  size_t next_token = 0;
  const auto t0 = SteadyClock::now();
  for (int first = 0; first < opt.customers; first += opt.batch) {
    const int last = std::min(opt.customers, first + opt.batch);
    std::vector<std::string> batch_tokens;
    HP_TRY((*store).Write([&](controller::StoreTxn& tx) -> Status {
      batch_tokens.clear();
      size_t t = next_token;
      for (int i = first; i < last; ++i) {
        controller::Customer c;
        c.login = Login(i);
        c.name = c.login;
        c.email = "owner@" + Domain(i);
        c.plan_id = plan_id;
        c.uid = 100'000 + i;
        if (!reseller_ids.empty()) c.reseller_id = reseller_ids[i % reseller_ids.size()];
        HP_ASSIGN_OR_RETURN(auto customer, tx.customers().Insert(c));
        controller::User u;
        u.login = c.login;
        u.email = c.email;
        u.name = c.name;
        u.role = "customer";
        u.customer_id = customer.id;
        HP_ASSIGN_OR_RETURN(auto user, tx.users().Insert(u));
        controller::Site s;
        s.customer_id = customer.id;
        s.domain = Domain(i);
        s.docroot = "public";
        s.node_id = node_id;
        HP_TRY(tx.sites().Insert(s).map([](const controller::Site&) {}));
        if (t < with_token.size() && with_token[t] == i) {
          std::string token = NewApiToken();
          controller::ApiToken api;
          api.name = c.login + "-bench";
          api.role = "customer";
          api.user_id = user.id;
          HP_TRY(tx.tokens().Insert(api, HashApiToken(token)).map([](const auto&) {}));
          batch_tokens.push_back(std::move(token));
          ++t;
        }
      }
      return Ok();
    }));
    next_token += batch_tokens.size();
    for (auto& t : batch_tokens) tokens.push_back(std::move(t));
    if (last % 20'000 == 0 || last == opt.customers) {
      std::fprintf(stderr, "  seeded %d customers (%.1f s)\n", last,
                   Seconds(SteadyClock::now() - t0));
    }
  }
  return tokens;  // the store closes here: its log is checkpointed into store.db
}

// The value of NAME=... in hostplane.env (lines "export NAME=value").
std::string EnvValue(const std::string& env, const std::string& name) {
  std::istringstream in(env);
  for (std::string line; std::getline(in, line);) {
    const std::string prefix = "export " + name + "=";
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  }
  return {};
}

// The read mix: request n goes to customer n mod K with path n / K mod 5, with that customer's
// token, or with HP_BENCH_ADMIN's when it is set: the same requests in the same order either way.
constexpr const char* kMixScript = R"lua(
local tokens, logins = {}, {}
for t in string.gmatch(os.getenv("HP_BENCH_TOKENS"), "%S+") do tokens[#tokens + 1] = t end
for l in string.gmatch(os.getenv("HP_BENCH_LOGINS"), "%S+") do logins[#logins + 1] = l end
local admin = os.getenv("HP_BENCH_ADMIN") or ""
local paths = {"/api/v1/sites?customer=%s", "/api/v1/sites/%s.example", "/api/v1/customers/%s",
               "/api/v1/zones?customer=%s", "/api/v1/mailboxes?customer=%s"}
local n = 0
request = function()
  local i = (n % #logins) + 1
  local path = string.format(paths[(math.floor(n / #logins) % #paths) + 1], logins[i])
  n = n + 1
  local token = admin ~= "" and admin or tokens[i]
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
)lua";

constexpr const char* kOneScript =
    "wrk.headers[\"Authorization\"] = \"Bearer \" .. os.getenv(\"HP_BENCH_TOKEN\")\n";

class TenancyBench {
 public:
  explicit TenancyBench(Options opt) : opt_(std::move(opt)) {}
  ~TenancyBench() {
    if (serve_) serve_->Stop(SIGTERM, std::chrono::seconds(10));
    nats_.Stop();
    if (!opt_.keep && !temp_dir_.empty()) {
      std::error_code ec;
      fs::remove_all(temp_dir_, ec);
    }
  }

  int Run() {
    if (auto s = Prepare(); !s) return Failed("preparing", s.error());
    if (auto s = StartServe(); !s) return Failed("starting hostplane serve", s.error());
    if (auto s = CheckScope(); !s) return Failed("checking the scope", s.error());
    std::printf("machine: %s; load average (1 min) at the start: %.1f\n",
                MachineDescription().c_str(), LoadAverage());
    std::printf("store: %d customers under %d resellers, one site each; seeded %s\n\n",
                opt_.customers, opt_.resellers, seed_note_.c_str());
    const int middle = static_cast<int>(tokens_.size() / 2);
    const std::string login = Login(TokenCustomers(opt_)[middle]);
    const Wrk one(url(), WriteScript("one.lua", kOneScript), {{"HP_BENCH_TOKEN", tokens_[middle]}});
    const std::string list = "/api/v1/sites?customer=" + login;
    std::printf("1. GET %s with %s's own token (%d runs of %d s, medians):\n\n", list.c_str(),
                login.c_str(), opt_.runs, opt_.seconds);
    PrintHeader();
    bool ok = true;
    one.Run(1, 1, list);  // warm-up, not counted
    for (int connections : {1, 8}) ok &= Measure(one, connections, list, "customer token");

    std::string all_tokens, all_logins;
    for (size_t k = 0; k < tokens_.size(); ++k) {
      all_tokens += tokens_[k] + " ";
      all_logins += Login(TokenCustomers(opt_)[k]) + " ";
    }
    const std::string mix_script = WriteScript("mix.lua", kMixScript);
    const Wrk customers(url(), mix_script,
                        {{"HP_BENCH_TOKENS", all_tokens}, {"HP_BENCH_LOGINS", all_logins}});
    const Wrk admin(url(), mix_script,
                    {{"HP_BENCH_TOKENS", all_tokens},
                     {"HP_BENCH_LOGINS", all_logins},
                     {"HP_BENCH_ADMIN", admin_token_}});
    std::printf(
        "\n2. the read mix (site list, one site, the customer, its zones, its mailboxes) over %zu "
        "customers, 8 connections, runs alternating:\n\n",
        tokens_.size());
    PrintHeader();
    customers.Run(8, 1, "/");  // warm-up, not counted
    std::vector<double> customer_rps, admin_rps;
    for (int run = 0; run < opt_.runs; ++run) {
      ok &= Measure(customers, 8, "/", "mix, customer tokens", &customer_rps);
      ok &= Measure(admin, 8, "/", "mix, admin token", &admin_rps);
    }
    const double c = Median(customer_rps), a = Median(admin_rps);
    std::printf(
        "\nmix: customer tokens %.0f requests/s, admin token %.0f requests/s: the customers' "
        "authorisation costs %.1f%% (goal: under 10%%)\n",
        c, a, a > 0 ? 100.0 * (a - c) / a : 0.0);
    std::printf("hostplane serve RSS after the runs: %.1f MiB\n", RssMiB(serve_->pid()));
    if (!ok) {
      std::fprintf(stderr, "FAILED: a run had errors or answers that were not 2xx\n");
      return 1;
    }
    return 0;
  }

 private:
  std::string url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }

  int Failed(const char* what, const Error& e) {
    std::fprintf(stderr, "%s: %s\n", what, e.message.c_str());
    if (!run_dir_.empty()) std::fprintf(stderr, "logs in %s\n", run_dir_.c_str());
    opt_.keep = true;
    return 1;
  }

  std::string WriteScript(const std::string& name, const char* text) {
    const std::string path = run_dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  Status Prepare() {
    if (opt_.data_dir.empty()) {
      char tmpl[] = "/tmp/hp-tenancy.XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) return Fail(Error::FromErrno("mkdtemp", errno));
      temp_dir_ = tmpl;
      opt_.data_dir = temp_dir_ + "/var";
    }
    run_dir_ = opt_.data_dir + "/../bench-run";
    std::error_code ec;
    fs::create_directories(opt_.data_dir, ec);
    fs::create_directories(run_dir_, ec);
    if (ec) return Fail(Error::Io("creating " + run_dir_ + ": " + ec.message()));
    const std::string store = opt_.data_dir + "/store.db";
    const std::string tokens_file = opt_.data_dir + "/../bench-tokens";
    if (fs::exists(store) && fs::exists(tokens_file)) {
      std::ifstream in(tokens_file);
      for (std::string t; std::getline(in, t);) tokens_.push_back(t);
      seed_note_ = "by an earlier run (reused " + opt_.data_dir + ")";
      if (tokens_.size() != TokenCustomers(opt_).size()) {
        return Fail(
            Error::Invalid("the store in " + opt_.data_dir + " was seeded with other --customers"));
      }
      return Ok();
    }
    std::fprintf(stderr, "seeding %d customers under %d resellers, %d per transaction...\n",
                 opt_.customers, opt_.resellers, opt_.batch);
    const auto t0 = SteadyClock::now();
    HP_ASSIGN_OR_RETURN(tokens_, Seed(store, opt_));
    char note[128];
    std::snprintf(note, sizeof note, "in bulk in %.1f s (%d per transaction)",
                  Seconds(SteadyClock::now() - t0), opt_.batch);
    seed_note_ = note;
    std::ofstream out(tokens_file);
    for (const auto& t : tokens_) out << t << "\n";
    return Ok();
  }

  Status StartServe() {
    HP_TRY(nats_.Start());
    HP_ASSIGN_OR_RETURN(api_port_, FreeLoopbackPort());
    std::error_code ec;
    fs::remove(opt_.data_dir + "/hostplane.env", ec);
    HP_ASSIGN_OR_RETURN(
        auto child,
        ChildProcess::Start({opt_.hostplane, "serve", "--data-dir", opt_.data_dir, "--listen",
                             "127.0.0.1", "--api-port", std::to_string(api_port_), "--nats",
                             "nats://127.0.0.1:" + std::to_string(nats_.port()), "--log-level",
                             "warn", "--no-send-mail"},
                            run_dir_ + "/serve.log"));
    serve_.emplace(std::move(child));
    const auto deadline = SteadyClock::now() + std::chrono::seconds(120);
    while (SteadyClock::now() < deadline) {
      if (!serve_->Running()) return Fail(Error::Unavailable("hostplane serve exited"));
      std::string env = testing::ReadFile(opt_.data_dir + "/hostplane.env");
      if (!env.empty()) {
        admin_token_ = EnvValue(env, "HOSTPLANE_TOKEN");
        testing::ApiClient api{api_port_, admin_token_};
        auto r = api.Call("GET", "/api/v1/customers/" + Login(opt_.customers - 1));
        if (r.status == 200) return Ok();
        if (r.status != 0) {
          return Fail(Error::Invalid("the store does not hold " + Login(opt_.customers - 1) +
                                     " (HTTP " + std::to_string(r.status) + ")"));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Fail(Error::Timeout("hostplane serve did not answer"));
  }

  // A customer's token lists exactly its own site, and nothing of another customer's.
  Status CheckScope() {
    const std::vector<int> ids = TokenCustomers(opt_);
    if (ids.size() < 2) return Fail(Error::Invalid("--customers must be at least 2"));
    testing::ApiClient mine{api_port_, tokens_[0]};
    auto list = mine.Call("GET", "/api/v1/sites");
    auto sites = list.json();
    if (list.status != 200 || !sites.contains("sites") || sites["sites"].size() != 1 ||
        sites["sites"][0].value("domain", "") != Domain(ids[0])) {
      return Fail(Error::Internal("customer " + Login(ids[0]) + "'s site list: HTTP " +
                                  std::to_string(list.status) + " " + list.body));
    }
    // Another customer's list is empty to it (as an unknown customer's is), its site 404.
    auto other = mine.Call("GET", "/api/v1/sites?customer=" + Login(ids[1]));
    auto other_sites = other.json();
    if (other.status != 200 || !other_sites.contains("sites") || !other_sites["sites"].empty()) {
      return Fail(Error::Internal("customer " + Login(ids[0]) + " listing " + Login(ids[1]) +
                                  "'s sites: HTTP " + std::to_string(other.status) + " " +
                                  other.body));
    }
    auto site = mine.Call("GET", "/api/v1/sites/" + Domain(ids[1]));
    if (site.status != 404) {
      return Fail(Error::Internal("customer " + Login(ids[0]) + " reading " + Domain(ids[1]) +
                                  ": HTTP " + std::to_string(site.status)));
    }
    return Ok();
  }

  static void PrintHeader() {
    std::printf(
        "| what | connections | requests/s | p50 | p90 | p99 | requests | errors | non-2xx | "
        "CPU per request | load average |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | "
        "--- | --- |\n");
  }

  // runs of wrk (one when rps collects the mix's runs), a row of medians; false on errors.
  bool Measure(const Wrk& wrk, int connections, const std::string& path, const char* what,
               std::vector<double>* rps = nullptr) {
    const int runs = rps ? 1 : opt_.runs;
    std::vector<double> r_rps, p50, p90, p99, cpu;
    int64_t requests = 0, errors = 0, non2xx = 0;
    bool ok = true;
    for (int run = 0; run < runs; ++run) {
      const double cpu_before = CpuSeconds(serve_->pid());
      WrkResult r = wrk.Run(connections, opt_.seconds, path);
      const double cpu_used = CpuSeconds(serve_->pid()) - cpu_before;
      ok &= r.ok;
      r_rps.push_back(r.requests_per_s);
      p50.push_back(r.latency_ms[50]);
      p90.push_back(r.latency_ms[90]);
      p99.push_back(r.latency_ms[99]);
      cpu.push_back(r.requests > 0 ? cpu_used * 1e6 / static_cast<double>(r.requests) : 0);
      requests += r.requests;
      errors += r.connect_errors + r.read_errors + r.write_errors + r.timeouts;
      non2xx += r.non_2xx;
    }
    if (rps) rps->push_back(r_rps.front());
    std::printf(
        "| %s | %d | %.0f | %.2f ms | %.2f ms | %.2f ms | %lld | %lld | %lld | %.0f µs | "
        "%.1f |\n",
        what, connections, Median(r_rps), Median(p50), Median(p90), Median(p99),
        static_cast<long long>(requests), static_cast<long long>(errors),
        static_cast<long long>(non2xx), Median(cpu), LoadAverage());
    std::fflush(stdout);
    return ok && errors == 0 && non2xx == 0 && requests > 0;
  }

  Options opt_;
  std::string temp_dir_, run_dir_, seed_note_, admin_token_;
  std::vector<std::string> tokens_;
  testing::NatsServer nats_;
  std::optional<ChildProcess> serve_;
  int api_port_ = 0;
};

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{
      "Tenancy at size: one customer's site list and a read mix, customer vs admin tokens"};
  hostplane::bench::Options opt;
  app.add_option("--customers", opt.customers, "Customers (one site each)")
      ->check(CLI::Range(2, 2'000'000))
      ->capture_default_str();
  app.add_option("--resellers", opt.resellers, "Resellers owning them (round robin)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  app.add_option("--batch", opt.batch, "Customers seeded per transaction")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--runs", opt.runs, "wrk runs per row")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--seconds", opt.seconds, "Seconds per wrk run")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--data-dir", opt.data_dir,
                 "The controller's data directory (default: temporary); a store seeded there by "
                 "an earlier run is used again");
  app.add_option("--hostplane", opt.hostplane, "The hostplane binary to run as `serve`")
      ->capture_default_str();
  app.add_flag("--keep", opt.keep, "Keep the temporary directory (logs, store)");
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  hostplane::bench::TenancyBench bench(opt);
  return bench.Run();
}
