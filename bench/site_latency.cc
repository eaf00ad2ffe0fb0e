// One site, API call -> page answering, beside the floor measured in the same run: the same vhost
// written by hand + nginx -t + reload + first answer. Runs alternate between the two so both see
// the same machine. Optionally preloads N sites first (the "one more change with N present" case).
//
//   build/bench/hp_bench_site_latency --runs 50 [--preload 10000]

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench_util.h"
#include "up_process.h"

namespace hostplane::bench {
namespace {

using testing::Json;
using testing::UpInstance;
using Clock = std::chrono::steady_clock;

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// Creates `count` sites with `clients` parallel API clients and waits until all are applied.
bool Preload(UpInstance& up, int count, int clients) {
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> ids(clients);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = c; i < count; i += clients) {
        auto r = up.Api(
            "POST", "/api/v1/sites",
            {{"domain", "pre" + std::to_string(i) + ".bench.example"}, {"customer", "bench"}});
        if (r.status == 201) {
          auto more = UpInstance::TaskIds(r.json());
          ids[c].insert(ids[c].end(), more.begin(), more.end());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> all;
  for (auto& v : ids) all.insert(all.end(), v.begin(), v.end());
  if (all.size() != static_cast<size_t>(count)) return false;
  return up.WaitTasks(all, std::chrono::seconds(600)).has_value();
}

int Run(int runs, int preload) {
  UpInstance up;
  if (auto s = up.Start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  up.Api("POST", "/api/v1/customers", {{"login", "bench"}, {"email", "b@bench.example"}});
  if (preload > 0) {
    std::fprintf(stderr, "preloading %d sites...\n", preload);
    if (!Preload(up, preload, 4)) {
      std::fprintf(stderr, "preload failed\n%s\n", up.log().c_str());
      return 1;
    }
  }
  // A warm-up site through the API; its vhost is the template for the hand-written floor.
  auto warm =
      up.Api("POST", "/api/v1/sites", {{"domain", "warm.bench.example"}, {"customer", "bench"}});
  if (warm.status != 201) {
    std::fprintf(stderr, "creating the warm-up site: HTTP %d %s\n", warm.status, warm.body.c_str());
    return 1;
  }
  if (auto w = up.WaitTasks(UpInstance::TaskIds(warm.json())); !w) {
    std::fprintf(stderr, "warm-up site: %s\n", w.error().message.c_str());
    return 1;
  }
  const std::string data = up.data_dir();
  const std::string vhost_template =
      testing::ReadFile(data + "/nginx/sites/warm.bench.example.conf");
  const std::string nginx = FindProgram("nginx").value_or("/usr/sbin/nginx");
  PosixCommandRunner runner({nginx});

  std::vector<double> api_s, floor_s;
  for (int i = 0; i < runs; ++i) {
    // Floor: by hand.
    {
      std::string domain = "floor" + std::to_string(i) + ".bench.example";
      auto t0 = Clock::now();
      std::string docroot = data + "/home/bench/sites/" + domain + "/public";
      std::filesystem::create_directories(docroot);
      std::ofstream(docroot + "/index.html") << "<p>" << domain << "</p>\n";
      std::ofstream(data + "/nginx/sites/" + domain + ".conf")
          << Replace(vhost_template, "warm.bench.example", domain);
      auto t = runner.Run(
          {{nginx, "-t", "-q", "-p", data + "/nginx", "-c", data + "/nginx/nginx.conf"}});
      if (!t || t->exit_code != 0) {
        std::fprintf(stderr, "nginx -t failed: %s\n",
                     t ? t->err.c_str() : t.error().message.c_str());
        return 1;
      }
      int pid = std::atoi(testing::ReadFile(data + "/nginx/nginx.pid").c_str());
      ::kill(pid, SIGHUP);
      double s = SecondsUntilAnswering(up.http_port(), domain, t0, std::chrono::seconds(30));
      if (s < 0) return 1;
      floor_s.push_back(s);
    }
    // The product: one API call.
    {
      std::string domain = "api" + std::to_string(i) + ".bench.example";
      auto t0 = Clock::now();
      auto r = up.Api("POST", "/api/v1/sites", {{"domain", domain}, {"customer", "bench"}});
      if (r.status != 201) {
        std::fprintf(stderr, "create failed: %s\n", r.body.c_str());
        return 1;
      }
      double s = SecondsUntilAnswering(up.http_port(), domain, t0, std::chrono::seconds(30));
      if (s < 0) {
        std::fprintf(stderr, "%s never answered\n%s\n", domain.c_str(), up.log().c_str());
        return 1;
      }
      api_s.push_back(s);
    }
  }
  double api_med = Median(api_s) * 1000, floor_med = Median(floor_s) * 1000;
  std::printf("machine: %s\n", MachineDescription().c_str());
  std::printf("sites present: %d, runs: %d\n", preload + 1, runs);
  std::printf("api -> answering:  median %.1f ms  p99 %.1f ms\n", api_med,
              Percentile(api_s, 99) * 1000);
  std::printf("floor (by hand):   median %.1f ms  p99 %.1f ms\n", floor_med,
              Percentile(floor_s, 99) * 1000);
  std::printf("ratio of medians:  %.2f\n", api_med / floor_med);
  return 0;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"API call -> site answering, beside the hand-written floor"};
  int runs = 50, preload = 0;
  app.add_option("--runs", runs, "Measured runs of each kind")->check(CLI::Range(1, 10000));
  app.add_option("--preload", preload, "Sites created before measuring")
      ->check(CLI::Range(0, 100000));
  CLI11_PARSE(app, argc, argv);
  return hostplane::bench::Run(runs, preload);
}
