// N sites onto one node: wall time from the first API call until every site answers, how many
// nginx reloads that took, and the peak memory of the all-in-one (controller + agent in one
// process) and of nginx.
//
//   build/bench/hp_bench_bulk_sites --sites 1000
//   build/bench/hp_bench_bulk_sites --sites 10000

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "bench_util.h"
#include "up_process.h"

namespace hostplane::bench {
namespace {

using testing::UpInstance;
using Clock = std::chrono::steady_clock;

double MetricValue(const std::string& text, const std::string& name) {
  size_t pos = 0;
  while ((pos = text.find(name, pos)) != std::string::npos) {
    if ((pos == 0 || text[pos - 1] == '\n') && text.compare(pos + name.size(), 1, " ") == 0) {
      return std::atof(text.c_str() + pos + name.size() + 1);
    }
    pos += name.size();
  }
  return -1;
}

int Run(int sites, int clients) {
  UpInstance up;
  if (auto s = up.Start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  up.Api("POST", "/api/v1/customers", {{"login", "bench"}, {"email", "b@bench.example"}});
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> ids(clients);
  std::atomic<int> failures{0};
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = c; i < sites; i += clients) {
        auto r =
            up.Api("POST", "/api/v1/sites",
                   {{"domain", "s" + std::to_string(i) + ".bench.example"}, {"customer", "bench"}});
        if (r.status != 201) {
          ++failures;
          continue;
        }
        auto more = UpInstance::TaskIds(r.json());
        ids[c].insert(ids[c].end(), more.begin(), more.end());
      }
    });
  }
  for (auto& t : threads) t.join();
  double api_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failures > 0) {
    std::fprintf(stderr, "%d creates failed\n", failures.load());
    return 1;
  }
  std::vector<int64_t> all;
  for (auto& v : ids) all.insert(all.end(), v.begin(), v.end());
  auto waited = up.WaitTasks(all, std::chrono::seconds(900));
  if (!waited) {
    std::fprintf(stderr, "%s\n", waited.error().message.c_str());
    return 1;
  }
  int not_applied = 0;
  for (const auto& t : *waited) not_applied += t["state"] != "applied";
  // Every site must answer by its Host header.
  int missing = 0;
  for (int i = 0; i < sites; ++i) {
    if (!Answers(up.http_port(), "s" + std::to_string(i) + ".bench.example")) ++missing;
  }
  double all_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::string metrics = up.Api("GET", "/metrics", nullptr, false).body;
  int nginx_master = std::atoi(testing::ReadFile(up.data_dir() + "/nginx/nginx.pid").c_str());
  double nginx_rss = RssMiB(nginx_master);
  for (int w : ChildrenOf(nginx_master)) nginx_rss += RssMiB(w);

  std::printf("machine: %s\n", MachineDescription().c_str());
  std::printf("sites: %d (api clients: %d)\n", sites, clients);
  std::printf("api calls done after:     %.1f s\n", api_s);
  std::printf("all answering after:      %.1f s  (not applied: %d, not answering: %d)\n", all_s,
              not_applied, missing);
  std::printf("nginx reloads:            %.0f\n", MetricValue(metrics, "hostplane_reloads_total"));
  std::printf("peak RSS controller+agent: %.1f MiB\n", PeakRssMiB(up.pid()));
  std::printf("RSS nginx master+workers: %.1f MiB\n", nginx_rss);
  return (not_applied == 0 && missing == 0) ? 0 : 1;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"Many sites onto one node"};
  int sites = 1000, clients = 4;
  app.add_option("--sites", sites, "How many sites")->check(CLI::Range(1, 100000));
  app.add_option("--clients", clients, "Parallel API clients")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  return hostplane::bench::Run(sites, clients);
}
