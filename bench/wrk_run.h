#pragma once

// wrk (Debian's package) against a controller's API, for the benchmarks: a closed loop of
// keep-alive connections for some seconds, its latency percentiles, requests/s and errors. The
// Lua script (headers, the requests to send) and the environment it reads (tokens: never in
// wrk's argv) are the caller's.

#include <cstdint>
#include <map>
#include <string>

namespace hostplane::bench {

struct WrkResult {
  double requests_per_s = 0;
  std::map<int, double> latency_ms;  // percentile (50, 75, 90, 99) -> ms
  int64_t requests = 0;
  int64_t connect_errors = 0, read_errors = 0, write_errors = 0, timeouts = 0, non_2xx = 0;
  bool ok = false;
  // Measured beside wrk by the caller: the CPU time the server used per answered request, and
  // the load average at the end (the machine is shared: wall-clock latencies depend on what
  // else runs).
  double cpu_us_per_request = 0;
  double load = 0;
};

// Reads wrk --latency's report.
WrkResult ParseWrk(const std::string& out);

class Wrk {
 public:
  // url: http://127.0.0.1:<port>; script: a Lua file; env: what the script reads (os.getenv).
  Wrk(std::string url, std::string script, std::map<std::string, std::string> env)
      : url_(std::move(url)), script_(std::move(script)), env_(std::move(env)) {}
  // wrk --latency --timeout 2s with 2 threads (1 for one connection) against url + path; ok
  // false (and a line on stderr) when wrk is missing or fails.
  WrkResult Run(int connections, int seconds, const std::string& path) const;

 private:
  std::string url_, script_;
  std::map<std::string, std::string> env_;
};

}  // namespace hostplane::bench
