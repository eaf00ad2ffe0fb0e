#include "wrk_run.h"

#include <cstdio>
#include <regex>

#include "common/exec/command_runner.h"

namespace hostplane::bench {
namespace {

double ToMs(double value, const std::string& unit) {
  if (unit == "us") return value / 1000;
  if (unit == "s") return value * 1000;
  if (unit == "m") return value * 60'000;
  return value;  // ms
}

}  // namespace

WrkResult ParseWrk(const std::string& out) {
  WrkResult r;
  std::smatch m;
  static const std::regex kPercentile(R"(\s(50|75|90|99)%\s+([0-9.]+)(us|ms|s|m)\b)");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kPercentile);
       it != std::sregex_iterator(); ++it) {
    r.latency_ms[std::stoi((*it)[1])] = ToMs(std::stod((*it)[2]), (*it)[3]);
  }
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    r.requests_per_s = std::stod(m[1]);
    r.ok = true;
  }
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stoll(m[1]);
  if (std::regex_search(
          out, m,
          std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
    r.connect_errors = std::stoll(m[1]);
    r.read_errors = std::stoll(m[2]);
    r.write_errors = std::stoll(m[3]);
    r.timeouts = std::stoll(m[4]);
  }
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) {
    r.non_2xx = std::stoll(m[1]);
  }
  return r;
}

WrkResult Wrk::Run(int connections, int seconds, const std::string& path) const {
  auto wrk = FindProgram("wrk");
  if (!wrk) {
    std::fprintf(stderr, "wrk is not installed (apt-get install wrk)\n");
    return {};
  }
  PosixCommandRunner runner({*wrk});
  Command c;
  c.argv = {*wrk,
            "--threads",
            connections >= 2 ? "2" : "1",
            "--connections",
            std::to_string(connections),
            "--duration",
            std::to_string(seconds) + "s",
            "--timeout",
            "2s",
            "--latency",
            "--script",
            script_,
            url_ + path};
  c.env = env_;
  c.timeout = std::chrono::seconds(seconds + 30);
  auto out = runner.Run(c);
  if (!out || !out->ok()) {
    std::fprintf(stderr, "wrk failed: %s\n", out ? out->err.c_str() : out.error().message.c_str());
    return {};
  }
  if (!out->err.empty()) std::fprintf(stderr, "%s", out->err.c_str());  // the script's notes
  return ParseWrk(out->out);
}

}  // namespace hostplane::bench
