// The REST API under load and under hostile clients (issue 12, item 9), against the real
// `hostplane up` (controller, agent and nginx in one process, SQLite store):
//  1. `wrk` (Debian's package) reading GET /api/v1/customers over 8, 64 and 256 keep-alive
//     connections, several runs each: requests/s, latency percentiles, socket errors (connect,
//     read, write, time-outs) and non-2xx answers;
//  2. a slow-loris crowd: many connections that send a header a line at a time and never finish,
//     while wrk measures the API beside them; how long the server keeps them, and its RSS;
//  3. a 300 MB chunked body without a token: the answer, and the process's RSS during it.
//
//   build/bench/hp_bench_api_load [--runs 3] [--seconds 10] [--customers 50] [--loris 900]
//
// The token reaches wrk through its environment and a Lua script, never its argv.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "common/exec/command_runner.h"
#include "up_process.h"
#include "wrk_run.h"

namespace hostplane::bench {
namespace {

using testing::UpInstance;
using Clock = std::chrono::steady_clock;

constexpr const char* kPath = "/api/v1/customers";

// wrk with the admin token (through its environment and a Lua script, never its argv).
Wrk AdminWrk(const UpInstance& up, const std::string& dir) {
  const std::string script = dir + "/bench-auth.lua";
  std::ofstream(script) << "wrk.headers[\"Authorization\"] = \"Bearer \" .. "
                           "os.getenv(\"HP_BENCH_TOKEN\")\n";
  return Wrk("http://127.0.0.1:" + std::to_string(up.api_port()), script,
             {{"HP_BENCH_TOKEN", up.token()}});
}

// Close-on-exec: wrk, started meanwhile, must not inherit hundreds of sockets (its event loop
// only handles descriptor numbers below a few times its connection count).
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Samples the process's RSS every 20 ms until stopped; the largest value seen.
class RssSampler {
 public:
  explicit RssSampler(int pid)
      : thread_([this, pid] {
          while (!stop_) {
            double rss = RssMiB(pid);
            double seen = max_.load();
            while (rss > seen && !max_.compare_exchange_weak(seen, rss)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  ~RssSampler() { Stop(); }
  double Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return max_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<double> max_{0};
  std::thread thread_;
};

std::string Row(int connections, const std::vector<WrkResult>& runs) {
  std::vector<double> rps, p50, p90, p99, cpu, load;
  int64_t errors = 0, timeouts = 0, non2xx = 0, requests = 0;
  for (const auto& r : runs) {
    rps.push_back(r.requests_per_s);
    p50.push_back(r.latency_ms.count(50) ? r.latency_ms.at(50) : 0);
    p90.push_back(r.latency_ms.count(90) ? r.latency_ms.at(90) : 0);
    p99.push_back(r.latency_ms.count(99) ? r.latency_ms.at(99) : 0);
    cpu.push_back(r.cpu_us_per_request);
    load.push_back(r.load);
    errors += r.connect_errors + r.read_errors + r.write_errors;
    timeouts += r.timeouts;
    non2xx += r.non_2xx;
    requests += r.requests;
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "| %d | %.0f | %.2f ms | %.2f ms | %.2f ms (max of runs %.2f ms) | %lld | %lld | "
                "%lld | %lld | %.0f µs | %.1f–%.1f |",
                connections, Median(rps), Median(p50), Median(p90), Median(p99),
                Percentile(p99, 100), static_cast<long long>(requests),
                static_cast<long long>(errors), static_cast<long long>(timeouts),
                static_cast<long long>(non2xx), Median(cpu), Percentile(load, 0),
                Percentile(load, 100));
  return line;
}

// The HTTP front's own counters from /metrics (open connections, refusals by reason).
void PrintHttpMetrics(UpInstance& up) {
  std::istringstream text(up.Api("GET", "/metrics", nullptr, false).body);
  std::string line, shown;
  while (std::getline(text, line)) {
    if (line.rfind("hostplane_http_", 0) == 0) shown += (shown.empty() ? "" : ", ") + line;
  }
  std::printf("HTTP front: %s\n", shown.c_str());
}

int Run(int runs, int seconds, int customers, int loris) {
  UpInstance up;
  if (auto s = up.Start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  for (int i = 0; i < customers; ++i) {
    auto r = up.Api("POST", "/api/v1/customers",
                    {{"login", "load" + std::to_string(i)}, {"email", "ops@load.example"}});
    if (r.status != 201) {
      std::fprintf(stderr, "customer %d: %d %s\n", i, r.status, r.body.c_str());
      return 1;
    }
  }
  const int pid = up.pid();
  const int port = up.api_port();
  const Wrk wrk = AdminWrk(up, up.prefix());
  std::printf("machine: %s; load average (1 min) at the start: %.1f\n",
              MachineDescription().c_str(), LoadAverage());
  std::printf("GET /api/v1/customers (%d customers), %d runs of %d s each, wrk --latency:\n\n",
              customers, runs, seconds);
  std::printf(
      "| keep-alive connections | requests/s (median) | p50 | p90 | p99 | requests | socket "
      "errors (connect+read+write) | time-outs | non-2xx | CPU of hostplane per request "
      "(median) | load average (1 min) after the runs |\n| --- | --- | --- | --- | --- | --- "
      "| --- | --- | --- | --- | --- |\n");
  wrk.Run(8, 2, kPath);  // warm-up, not counted
  for (int connections : {8, 64, 256}) {
    std::vector<WrkResult> results;
    for (int i = 0; i < runs; ++i) {
      const double cpu_before = CpuSeconds(pid);
      auto r = wrk.Run(connections, seconds, kPath);
      if (!r.ok) return 1;
      if (r.requests > 0) {
        r.cpu_us_per_request =
            (CpuSeconds(pid) - cpu_before) * 1e6 / static_cast<double>(r.requests);
      }
      r.load = LoadAverage();
      results.push_back(r);
    }
    std::printf("%s\n", Row(connections, results).c_str());
    std::fflush(stdout);
  }
  std::printf("\ncontroller + agent RSS after the load: %.1f MiB\n", RssMiB(pid));
  PrintHttpMetrics(up);

  // Slow loris: each sends its request line and then one header line every 2 s, never the end.
  const double rss_before_loris = RssMiB(pid);
  std::vector<int> fds;
  for (int i = 0; i < loris; ++i) {
    int fd = Connect(port);
    if (fd < 0) break;
    const char* start = "GET /api/v1/customers HTTP/1.1\r\nHost: x\r\n";
    if (::send(fd, start, std::strlen(start), MSG_NOSIGNAL) < 0) {
      ::close(fd);
      continue;
    }
    fds.push_back(fd);
  }
  const auto loris_start = Clock::now();
  std::atomic<bool> stop_loris{false};
  std::vector<double> closed_after(fds.size(), -1);
  std::thread trickle([&] {
    while (!stop_loris) {
      for (size_t i = 0; i < fds.size(); ++i) {
        if (closed_after[i] >= 0) continue;
        if (::send(fds[i], "X-Slow: 1\r\n", 11, MSG_NOSIGNAL) < 0) {
          closed_after[i] = std::chrono::duration<double>(Clock::now() - loris_start).count();
        }
      }
      for (int k = 0; k < 20 && !stop_loris; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto beside = wrk.Run(8, 5, kPath);
  const double rss_during_loris = RssMiB(pid);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  stop_loris = true;
  trickle.join();
  size_t cut = 0;
  std::vector<double> cut_after;
  for (double t : closed_after) {
    if (t >= 0) {
      ++cut;
      cut_after.push_back(t);
    }
  }
  for (int fd : fds) ::close(fd);
  std::printf(
      "\nslow loris: %zu connections each sending a header line every 2 s; after %.0f s %zu were "
      "cut off by the server (median %.1f s, last %.1f s after they started); meanwhile wrk "
      "with 8 connections: %.0f requests/s, p99 %.2f ms, %lld socket errors, %lld time-outs; RSS "
      "%.1f MiB before, %.1f MiB during\n",
      fds.size(), std::chrono::duration<double>(Clock::now() - loris_start).count(), cut,
      Median(cut_after), Percentile(cut_after, 100), beside.requests_per_s,
      beside.latency_ms.count(99) ? beside.latency_ms.at(99) : 0,
      static_cast<long long>(beside.connect_errors + beside.read_errors + beside.write_errors),
      static_cast<long long>(beside.timeouts), rss_before_loris, rss_during_loris);
  PrintHttpMetrics(up);

  // 300 MB chunked, no token.
  const double rss_before = RssMiB(pid);
  RssSampler sampler(pid);
  int fd = Connect(port);
  const std::string head =
      "POST /api/v1/sites HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  const std::string chunk = "10000\r\n" + std::string(65536, 'x') + "\r\n";
  int64_t sent = 0;
  const int64_t total = 300LL * 1000 * 1000;
  const auto upload_start = Clock::now();
  while (sent < total) {
    ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += n;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  ssize_t got = ::recv(fd, buf, sizeof buf - 1, 0);
  std::string answer = got > 0 ? std::string(buf, static_cast<size_t>(got)) : "(no answer)";
  ::close(fd);
  const double rss_peak = sampler.Stop();
  std::printf(
      "\n300 MB chunked POST /api/v1/sites without a token: %.1f MB sent in %.2f s (the server "
      "answers at the 1 MiB limit, then reads and drops what still comes until it closes); "
      "answer: %s; RSS %.1f MiB before, at most %.1f MiB during, %.1f MiB after\n",
      static_cast<double>(sent) / 1e6,
      std::chrono::duration<double>(Clock::now() - upload_start).count(),
      answer.substr(0, answer.find("\r\n")).c_str(), rss_before, rss_peak, RssMiB(pid));
  return 0;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"The REST API under wrk, a slow-loris crowd and a 300 MB chunked body"};
  int runs = 3, seconds = 10, customers = 50, loris = 900;
  app.add_option("--runs", runs, "wrk runs per connection count")->capture_default_str();
  app.add_option("--seconds", seconds, "length of each wrk run")->capture_default_str();
  app.add_option("--customers", customers, "customers in the listed page")->capture_default_str();
  app.add_option("--loris", loris, "slow-loris connections")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return hostplane::bench::Run(runs, seconds, customers, loris);
}
