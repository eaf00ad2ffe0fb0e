// The REST API under a mix of reads and writes, and over a long soak (issue 23, item 6), against
// the real `hostplane up` (controller, agent, nginx and Knot in one process, SQLite store):
//  1. wrk with a Lua script that sends, per 100 requests, R reads (GET /api/v1/customers, a page
//     of 50) and 100 - R writes: DNS records added to and removed from Z zones of one customer
//     (each write a committed change with its zone task, answered 201 / 202), for a read-heavy
//     (R = 90) and a write-heavy (R = 0) mix; requests/s, writes/s, p50/p99, socket errors,
//     non-2xx;
//  2. how long the agent then takes to apply what the writes queued (every node's applied
//     revision reaches its head revision, read from /metrics);
//  3. durability: the records the API lists, then `up` killed with SIGKILL and started again on
//     the same data, then listed again — the same set, none lost;
//  4. with --soak-minutes N: the read-heavy mix for N minutes in 60 s runs, the RSS of `up`
//     (controller and agent are one process there) after each, and its growth from the first
//     minute to the last.
//
//   build/bench/hp_bench_api_mix [--runs 3] [--seconds 10] [--connections 64] [--zones 10]
//                                [--soak-minutes 0]
//
// Writes remove only records the same wrk thread added at least --window writes earlier, so a
// zone keeps a steady size over any length of run; names carry the run number, so no run meets
// another's records. The token reaches wrk through its environment, never its argv.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "up_process.h"
#include "wrk_run.h"

namespace hostplane::bench {
namespace {

using testing::Json;
using testing::UpInstance;
using Clock = std::chrono::steady_clock;

constexpr const char* kCustomer = "mix";

// The mix's Lua script: read share, zones, run number and window from the environment.
constexpr const char* kScript = R"lua(
local token = os.getenv("HP_BENCH_TOKEN")
local read_pct = tonumber(os.getenv("HP_MIX_READ_PCT"))
local zones = tonumber(os.getenv("HP_MIX_ZONES"))
local run = os.getenv("HP_MIX_RUN")
local window = tonumber(os.getenv("HP_MIX_WINDOW"))
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local k, n = 0, 0
local function name_of(m) return "r" .. run .. "t" .. id .. "n" .. m end
local function zone_of(m) return "mix" .. (m % zones) .. ".example" end
local function value_of(m) return "192.0.2." .. (m % 250 + 1) end

function request()
  k = k + 1
  -- wrk builds one request of its first thread before the run to check the script, and never
  -- sends it: the first request of every thread is a read, so no write goes unsent.
  if k == 1 or (k % 100) < read_pct then
    return wrk.format("GET", "/api/v1/customers?limit=50")
  end
  n = n + 1
  -- Adds while n is odd or within the first window; else removes what write n - 2w - 1 (odd,
  -- so an add) put there.
  if n % 2 == 1 or n <= 2 * window then
    local body = '{"name":"' .. name_of(n) .. '","type":"A","value":"' .. value_of(n) .. '"}'
    return wrk.format("POST", "/api/v1/zones/" .. zone_of(n) .. "/records", nil, body)
  end
  local m = n - 2 * window - 1
  return wrk.format("DELETE", "/api/v1/zones/" .. zone_of(m) .. "/records?name=" .. name_of(m) ..
                    "&type=A&value=" .. value_of(m), nil, nil)
end

-- The first few refusals, on stderr: what went wrong, not only how often.
local shown = 0
function response(status, headers, body)
  if status >= 300 and shown < 3 then
    shown = shown + 1
    io.stderr:write("wrk thread " .. id .. ": " .. status .. " " .. body .. "\n")
  end
end
)lua";

struct Mix {
  const char* name;
  int read_pct;
};

// Every record of the bench's zones, as "zone id name" lines; nullopt when a list fails.
std::optional<std::set<std::string>> ListRecords(UpInstance& up, int zones) {
  std::set<std::string> all;
  for (int z = 0; z < zones; ++z) {
    const std::string zone = "mix" + std::to_string(z) + ".example";
    std::string after;
    while (true) {
      std::string path = "/api/v1/zones/" + zone + "/records?limit=500";
      if (!after.empty()) path += "&after=" + after;
      auto r = up.Api("GET", path);
      if (r.status != 200) {
        std::fprintf(stderr, "list %s: %d %s\n", zone.c_str(), r.status, r.body.c_str());
        return std::nullopt;
      }
      Json page = r.json();
      for (const auto& rec : page.value("records", Json::array())) {
        all.insert(zone + " " + rec.value("id", Json()).dump() + " " + rec.value("name", ""));
      }
      if (!page.contains("next_after") || page["next_after"].is_null()) break;
      after = page["next_after"].is_string() ? page["next_after"].get<std::string>()
                                             : page["next_after"].dump();
    }
  }
  return all;
}

// Sum over nodes of head revision - applied revision, from /metrics (-1 when not readable).
int64_t Backlog(UpInstance& up) {
  std::istringstream text(up.Api("GET", "/metrics", nullptr, false).body);
  std::string line;
  int64_t head = 0, applied = 0;
  bool seen = false;
  while (std::getline(text, line)) {
    auto value = [&] { return std::stoll(line.substr(line.rfind(' ') + 1)); };
    if (line.rfind("hostplane_node_head_revision{", 0) == 0) {
      head += value();
      seen = true;
    } else if (line.rfind("hostplane_node_applied_revision{", 0) == 0) {
      applied += value();
    }
  }
  return seen ? head - applied : -1;
}

// Seconds until every node has applied its head revision (or -1 after the limit).
double WaitApplied(UpInstance& up, std::chrono::seconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (Backlog(up) == 0) return std::chrono::duration<double>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

std::string Row(const Mix& mix, int connections, const std::vector<WrkResult>& runs) {
  std::vector<double> rps, p50, p99, cpu;
  int64_t errors = 0, timeouts = 0, non2xx = 0, requests = 0;
  for (const auto& r : runs) {
    rps.push_back(r.requests_per_s);
    p50.push_back(r.latency_ms.count(50) ? r.latency_ms.at(50) : 0);
    p99.push_back(r.latency_ms.count(99) ? r.latency_ms.at(99) : 0);
    cpu.push_back(r.cpu_us_per_request);
    errors += r.connect_errors + r.read_errors + r.write_errors;
    timeouts += r.timeouts;
    non2xx += r.non_2xx;
    requests += r.requests;
  }
  const double write_share = (100 - mix.read_pct) / 100.0;
  char line[512];
  std::snprintf(line, sizeof line,
                "| %s | %d | %.0f | %.0f | %.2f ms | %.2f ms (max of runs %.2f ms) | %lld | %lld | "
                "%lld | %lld | %.0f µs |",
                mix.name, connections, Median(rps), Median(rps) * write_share, Median(p50),
                Median(p99), Percentile(p99, 100), static_cast<long long>(requests),
                static_cast<long long>(errors), static_cast<long long>(timeouts),
                static_cast<long long>(non2xx), Median(cpu));
  return line;
}

class MixBench {
 public:
  MixBench(int zones, int window) : zones_(zones), window_(window) {}

  [[nodiscard]] bool Setup() {
    if (auto s = up_.Start(); !s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return false;
    }
    auto c =
        up_.Api("POST", "/api/v1/customers", {{"login", kCustomer}, {"email", "ops@mix.example"}});
    if (c.status != 201) {
      std::fprintf(stderr, "customer: %d %s\n", c.status, c.body.c_str());
      return false;
    }
    for (int i = 1; i < 50; ++i) {  // a page of 50 for the reads
      auto r = up_.Api("POST", "/api/v1/customers",
                       {{"login", "mixread" + std::to_string(i)}, {"email", "ops@mix.example"}});
      if (r.status != 201) {
        std::fprintf(stderr, "customer %d: %d %s\n", i, r.status, r.body.c_str());
        return false;
      }
    }
    for (int z = 0; z < zones_; ++z) {
      auto r = up_.Api("POST", "/api/v1/zones",
                       {{"zone", "mix" + std::to_string(z) + ".example"}, {"customer", kCustomer}});
      if (r.status != 201) {
        std::fprintf(stderr, "zone %d: %d %s\n", z, r.status, r.body.c_str());
        return false;
      }
    }
    std::ofstream(up_.prefix() + "/bench-mix.lua") << kScript;
    return WaitApplied(up_, std::chrono::seconds(120)) >= 0;
  }

  // One wrk run of the mix; cpu per request filled in.
  WrkResult Run(const Mix& mix, int connections, int seconds) {
    Wrk wrk("http://127.0.0.1:" + std::to_string(up_.api_port()), up_.prefix() + "/bench-mix.lua",
            {{"HP_BENCH_TOKEN", up_.token()},
             {"HP_MIX_READ_PCT", std::to_string(mix.read_pct)},
             {"HP_MIX_ZONES", std::to_string(zones_)},
             {"HP_MIX_RUN", std::to_string(++run_)},
             {"HP_MIX_WINDOW", std::to_string(window_)}});
    const double cpu_before = CpuSeconds(up_.pid());
    WrkResult r = wrk.Run(connections, seconds, "/");
    if (r.requests > 0) {
      r.cpu_us_per_request =
          (CpuSeconds(up_.pid()) - cpu_before) * 1e6 / static_cast<double>(r.requests);
    }
    r.load = LoadAverage();
    return r;
  }

  // Applied backlog, then kill -9 and start again: the same records. False when any is lost.
  [[nodiscard]] bool CheckDurable() {
    const double applied_after = WaitApplied(up_, std::chrono::seconds(300));
    std::printf("\nthe agent applied every queued zone change %.1f s after the last run ended\n",
                applied_after);
    auto before = ListRecords(up_, zones_);
    if (!before) return false;
    up_.Kill9();
    if (auto s = up_.Start(); !s) {
      std::fprintf(stderr, "restart: %s\n", s.error().message.c_str());
      return false;
    }
    auto after = ListRecords(up_, zones_);
    if (!after) return false;
    size_t lost = 0;
    for (const auto& r : *before) lost += after->count(r) == 0;
    std::printf(
        "durability: %zu records listed, then SIGKILL and a restart on the same data: %zu listed, "
        "%zu lost, %zu appeared\n",
        before->size(), after->size(), lost, after->size() + lost - before->size());
    return lost == 0 && after->size() == before->size();
  }

  int pid() const { return up_.pid(); }

 private:
  static testing::UpOptions AllServices() {
    testing::UpOptions o;
    o.all_services = true;
    return o;
  }
  UpInstance up_{AllServices()};
  int zones_, window_;
  int run_ = 0;
};

int RunBench(int runs, int seconds, int connections, int zones, int window, int soak_minutes,
             const std::string& mixes) {
  MixBench bench(zones, window);
  if (!bench.Setup()) return 1;
  std::printf("machine: %s; load average (1 min) at the start: %.1f\n",
              MachineDescription().c_str(), LoadAverage());
  std::printf(
      "%d runs of %d s per mix, wrk --latency over %d keep-alive connections; writes: DNS records "
      "added to and removed from %d zones\n\n",
      runs, seconds, connections, zones);
  std::printf(
      "| mix | connections | requests/s (median) | writes/s | p50 | p99 | requests | socket "
      "errors | time-outs | non-2xx | CPU of hostplane per request |\n| --- | --- | --- | --- | "
      "--- "
      "| --- | --- | --- | --- | --- | --- |\n");
  const Mix read_heavy{"read-heavy (90 % reads)", 90};
  const Mix write_heavy{"write-heavy (all writes)", 0};
  bench.Run(read_heavy, 8, 2);  // warm-up, not counted
  int64_t failures = 0;
  for (const Mix& mix : {read_heavy, write_heavy}) {
    if (mixes != "both" && (mixes == "read") != (mix.read_pct > 0)) continue;
    std::vector<WrkResult> results;
    for (int i = 0; i < runs; ++i) {
      auto r = bench.Run(mix, connections, seconds);
      if (!r.ok) return 1;
      failures += r.non_2xx + r.connect_errors + r.read_errors + r.write_errors + r.timeouts;
      results.push_back(r);
    }
    std::printf("%s\n", Row(mix, connections, results).c_str());
    std::fflush(stdout);
  }
  if (!bench.CheckDurable()) return 1;

  if (soak_minutes > 0) {
    std::printf(
        "\nsoak: the read-heavy mix over %d connections for %d minutes (60 s runs); RSS of "
        "`hostplane up` after each\n\n| minute | requests/s | p99 | non-2xx + errors | RSS |\n| "
        "--- | --- | --- | --- | --- |\n",
        connections, soak_minutes);
    std::vector<double> rss;
    for (int m = 1; m <= soak_minutes; ++m) {
      auto r = bench.Run(read_heavy, connections, 60);
      if (!r.ok) return 1;
      const int64_t bad =
          r.non_2xx + r.connect_errors + r.read_errors + r.write_errors + r.timeouts;
      failures += bad;
      rss.push_back(RssMiB(bench.pid()));
      std::printf("| %d | %.0f | %.2f ms | %lld | %.1f MiB |\n", m, r.requests_per_s,
                  r.latency_ms.count(99) ? r.latency_ms.at(99) : 0, static_cast<long long>(bad),
                  rss.back());
      std::fflush(stdout);
    }
    std::printf("\nRSS: %.1f MiB after minute 1, %.1f MiB after minute %d (%+.1f MiB)\n",
                rss.front(), rss.back(), soak_minutes, rss.back() - rss.front());
  }
  std::printf("\nnon-2xx answers and socket errors in all counted runs: %lld\n",
              static_cast<long long>(failures));
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"The REST API under read-heavy and write-heavy mixes, durability, and a soak"};
  int runs = 3, seconds = 10, connections = 64, zones = 10, window = 500, soak = 0;
  std::string mixes = "both";
  app.add_option("--runs", runs, "wrk runs per mix")->capture_default_str();
  app.add_option("--seconds", seconds, "length of each wrk run")->capture_default_str();
  app.add_option("--connections", connections, "keep-alive connections")->capture_default_str();
  app.add_option("--zones", zones, "zones the writes spread over")->capture_default_str();
  app.add_option("--window", window, "writes between a record's add and its removal, per thread")
      ->capture_default_str();
  app.add_option("--soak-minutes", soak, "then the read-heavy mix for this long, RSS each minute")
      ->capture_default_str();
  app.add_option("--mix", mixes, "which mixes to run")
      ->check(CLI::IsMember({"both", "read", "write"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return hostplane::bench::RunBench(runs, seconds, connections, zones, window, soak, mixes);
}
