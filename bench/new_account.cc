// A new account with every service, API calls -> all of them answering to real clients:
// customer, site with PHP, mailbox, FTP user, DNS zone and database, created with six API calls
// against `hostplane up` (every daemon), then each service checked the way its user would:
//   web + PHP + FTP  an FTP upload of a PHP script, then the script run through the vhost
//   mail             an IMAP login
//   DNS              the zone's SOA from Knot
//   database         a MariaDB login
// Each check waits for its own tasks first (so no client fails a login and is slowed down by the
// daemon's penalty delay), all four in parallel. Also prints each daemon's own reload time, as the
// agent logged it ("<driver>: reloaded in N ms") during the measured runs.
//
//   build/bench/hp_bench_new_account --runs 20

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "common/exec/command_runner.h"
#include "up_process.h"

namespace hostplane::bench {
namespace {

using testing::Json;
using testing::UpInstance;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "Bench-secret-4711";  // netrc splits on spaces: none

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

PosixCommandRunner& Clients() {
  static PosixCommandRunner runner({"/usr/bin/curl", "/usr/bin/kdig", "/usr/bin/mariadb"});
  return runner;
}

bool Ok(std::vector<std::string> argv, std::string* out = nullptr) {
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.timeout = std::chrono::seconds(20);
  auto r = Clients().Run(cmd);
  if (out && r) *out = r->out;
  return r && r->exit_code == 0;
}

std::string SecretFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
  ::chmod(path.c_str(), 0600);
  return path;
}

// The newest task of an object (a later change may have superseded the one we waited for).
std::optional<Json> NewestTaskOf(UpInstance& up, const std::string& object_key) {
  auto r = up.Api("GET", "/api/v1/tasks?object=" + object_key + "&limit=1000");
  std::optional<Json> newest;
  for (const auto& t : r.json().value("tasks", Json::array())) {
    if (!newest || t.value("id", int64_t{0}) > newest->value("id", int64_t{0})) newest = t;
  }
  return newest;
}

// The tasks of a change, waited for through the API's long poll; why not, on stderr. A task
// superseded by a later change (the database's re-sends the zone with db.<zone>) counts once the
// newest task of its object is applied.
bool Applied(UpInstance& up, const testing::HttpResult& change) {
  if (change.status != 201) return false;
  auto done = up.WaitTasks(UpInstance::TaskIds(change.json()), std::chrono::seconds(60));
  if (!done) {
    std::fprintf(stderr, "waiting for tasks: %s\n", done.error().message.c_str());
    return false;
  }
  for (Json t : *done) {
    for (int hops = 0; t.value("state", "") == "superseded" && hops < 10; ++hops) {
      auto newest = NewestTaskOf(up, t.value("object_key", ""));
      if (!newest) break;
      auto waited = up.WaitTasks({newest->value("id", int64_t{0})}, std::chrono::seconds(60));
      if (!waited || waited->empty()) break;
      t = waited->front();
    }
    if (t.value("state", "") != "applied") {
      std::fprintf(stderr, "task not applied: %s\n", t.dump().c_str());
      return false;
    }
  }
  return true;
}

struct Timings {
  double api = 0;  // the six calls answered
  std::map<std::string, double> service;
  double all = 0;
};

bool OneAccount(UpInstance& up, int n, Timings& t) {
  const std::string login = "bench" + std::to_string(n);
  const std::string domain = login + ".example";
  const std::string dir = up.prefix();
  auto t0 = Clock::now();
  auto customer =
      up.Api("POST", "/api/v1/customers", {{"login", login}, {"email", "ops@" + domain}});
  auto site =
      up.Api("POST", "/api/v1/sites", {{"domain", domain}, {"customer", login}, {"php", "8.2"}});
  auto mailbox =
      up.Api("POST", "/api/v1/mailboxes",
             {{"address", "info@" + domain}, {"customer", login}, {"password", kPassword}});
  auto ftp = up.Api("POST", "/api/v1/ftp-users",
                    {{"user", login + "_web"},
                     {"customer", login},
                     {"password", kPassword},
                     {"home", "sites/" + domain + "/public"}});
  auto zone = up.Api("POST", "/api/v1/zones", {{"zone", domain}, {"customer", login}});
  auto db = up.Api("POST", "/api/v1/databases",
                   {{"name", login + "_db"}, {"customer", login}, {"password", kPassword}});
  t.api = Since(t0);
  for (const auto* r : {&customer, &site, &mailbox, &ftp, &zone, &db}) {
    if (r->status != 201) {
      std::fprintf(stderr, "an API call failed: HTTP %d %s\n", r->status, r->body.c_str());
      return false;
    }
  }

  std::map<std::string, bool> ok;
  std::mutex mu;
  auto done = [&](const std::string& name, bool good) {
    std::lock_guard lock(mu);
    ok[name] = good;
    t.service[name] = Since(t0);
  };
  std::vector<std::thread> checks;
  checks.emplace_back([&] {  // web + PHP + FTP
    bool good = Applied(up, site) && Applied(up, ftp);
    std::string netrc =
        SecretFile(dir + "/netrc-" + login,
                   "machine 127.0.0.1 login " + login + "_web password " + kPassword + "\n");
    std::string script = SecretFile(dir + "/who-" + login + ".php", "<?php echo posix_geteuid();");
    good = good && Ok({"/usr/bin/curl", "-s", "--netrc-file", netrc, "-T", script,
                       "ftp://127.0.0.1:" + std::to_string(up.ports().ftp) + "/who.php"});
    std::string body;
    good = good && Ok({"/usr/bin/curl", "-s", "-f", "-H", "Host: " + domain,
                       "http://127.0.0.1:" + std::to_string(up.http_port()) + "/who.php"},
                      &body);
    done("web+php+ftp", good && !body.empty() && std::isdigit(body[0]));
  });
  checks.emplace_back([&] {  // mail
    bool good = Applied(up, mailbox);
    std::string netrc =
        SecretFile(dir + "/imap-" + login,
                   "machine 127.0.0.1 login info@" + domain + " password " + kPassword + "\n");
    done("mail", good && Ok({"/usr/bin/curl", "-s", "--netrc-file", netrc,
                             "imap://127.0.0.1:" + std::to_string(up.ports().imap) + "/INBOX", "-X",
                             "SEARCH ALL"}));
  });
  checks.emplace_back([&] {  // DNS
    std::string soa;
    bool good = Applied(up, zone) && Ok({"/usr/bin/kdig", "@127.0.0.1", "-p",
                                         std::to_string(up.ports().dns), "+short", domain, "SOA"},
                                        &soa);
    if (good && soa.empty()) std::fprintf(stderr, "kdig %s SOA: no answer\n", domain.c_str());
    done("dns", good && !soa.empty());
  });
  checks.emplace_back([&] {  // database
    std::string cnf = SecretFile(dir + "/my-" + login + ".cnf",
                                 std::string("[client]\npassword=") + kPassword + "\n");
    done("db", Applied(up, db) &&
                   Ok({"/usr/bin/mariadb", "--defaults-extra-file=" + cnf, "-h", "127.0.0.1", "-P",
                       std::to_string(up.ports().db), "-u", login + "_db", "-e", "SELECT 1"}));
  });
  for (auto& c : checks) c.join();
  t.all = Since(t0);
  for (const auto& [name, good] : ok) {
    if (!good) {
      std::fprintf(stderr, "account %s: %s did not answer\n%s\n", login.c_str(), name.c_str(),
                   up.log().c_str());
      return false;
    }
  }
  return true;
}

// "<driver>: reloaded in N ms" lines of the agent's log after offset.
std::map<std::string, std::vector<double>> ReloadTimes(const std::string& log, size_t offset) {
  std::map<std::string, std::vector<double>> out;
  static const std::regex kLine(R"(\] (\w+): reloaded in (\d+) ms)");
  std::string tail = log.substr(std::min(offset, log.size()));
  for (std::sregex_iterator it(tail.begin(), tail.end(), kLine), end; it != end; ++it) {
    out[(*it)[1]].push_back(std::stod((*it)[2]));
  }
  return out;
}

int Run(int runs) {
  testing::UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  if (auto s = up.Start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  Timings warm;
  if (!OneAccount(up, 0, warm)) return 1;  // first pools, maps and zones: not measured
  size_t log_offset = up.log().size();
  std::vector<double> api, all;
  std::map<std::string, std::vector<double>> service;
  for (int i = 1; i <= runs; ++i) {
    Timings t;
    if (!OneAccount(up, i, t)) return 1;
    api.push_back(t.api);
    all.push_back(t.all);
    for (const auto& [name, s] : t.service) service[name].push_back(s);
  }
  auto reloads = ReloadTimes(up.log(), log_offset);
  std::printf("machine: %s\n", MachineDescription().c_str());
  std::printf("runs: %d new accounts (customer, site + PHP, mailbox, FTP user, zone, database)\n",
              runs);
  std::printf("six API calls answered:      median %7.1f ms  p90 %7.1f ms\n", Median(api) * 1000,
              Percentile(api, 90) * 1000);
  for (const auto& [name, v] : service) {
    std::printf("  %-12s answering:     median %7.1f ms  p90 %7.1f ms\n", name.c_str(),
                Median(v) * 1000, Percentile(v, 90) * 1000);
  }
  std::printf("all answering real clients:  median %7.1f ms  p90 %7.1f ms\n", Median(all) * 1000,
              Percentile(all, 90) * 1000);
  std::printf("daemon reloads in the same runs (as the agent confirmed them):\n");
  for (const auto& [driver, v] : reloads) {
    std::printf("  %-8s %3zu reloads  median %6.1f ms  p90 %6.1f ms\n", driver.c_str(), v.size(),
                Median(v), Percentile(v, 90));
  }
  // Delete the accounts, so their Unix users and databases go before `up` stops.
  std::vector<int64_t> removals;
  for (int i = 0; i <= runs; ++i) {
    auto r =
        up.Api("DELETE", "/api/v1/customers/bench" + std::to_string(i) + "?remove_content=true");
    auto ids = UpInstance::TaskIds(r.json());
    removals.insert(removals.end(), ids.begin(), ids.end());
  }
  if (!up.WaitTasks(removals, std::chrono::seconds(120))) {
    std::fprintf(stderr, "removing the bench accounts did not finish\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"A new account with every service: API calls -> all answering to real clients"};
  int runs = 20;
  app.add_option("--runs", runs, "Measured accounts")->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  return hostplane::bench::Run(runs);
}
