#pragma once

// GoogleTest glue over tests/support/up_process.h.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "up_process.h"

// Asserts that a Status/Result holds no error, printing the error's message otherwise.
#define ASSERT_OK(expr)                                             \
  do {                                                              \
    auto hp_ok_ = (expr);                                           \
    ASSERT_TRUE(hp_ok_) << #expr << ": " << hp_ok_.error().message; \
  } while (0)

namespace hostplane::testing {

// WaitTasks that fails the test on error and returns the final tasks.
inline std::vector<Json> WaitOrFail(UpInstance& up, const std::vector<int64_t>& ids,
                                    std::chrono::seconds timeout = std::chrono::seconds(60)) {
  auto r = up.WaitTasks(ids, timeout);
  if (!r) {
    ADD_FAILURE() << r.error().message << "\n--- hostplane up said:\n" << up.log();
    return {};
  }
  return *r;
}

inline CommandOutput CliOrFail(UpInstance& up, const std::vector<std::string>& args,
                               const std::string& stdin_data = "") {
  auto r = up.Cli(args, stdin_data);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  return *r;
}

// The value of an unlabelled metric in /metrics, -1 when absent.
inline double Metric(UpInstance& up, const std::string& name) {
  std::string text = up.Api("GET", "/metrics", nullptr, false).body;
  size_t pos = text.find("\n" + name + " ");
  return pos == std::string::npos ? -1 : std::atof(text.c_str() + pos + name.size() + 2);
}

// Waits until the agent has reported at least one batch since this controller started and has
// applied every revision issued to its node (so its reload is confirmed): page probes before
// that may meet nginx workers of the previous configuration.
inline bool WaitConverged(UpInstance& up, std::chrono::seconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Metric(up, "hostplane_reports_total") < 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    Json node = up.Api("GET", "/api/v1/nodes/local").json();
    if (node.contains("node")) node = node["node"];
    if (node.is_object() && node.value("last_seen", Json()).is_string() &&
        node.value("applied_revision", int64_t{-1}) >= node.value("head_revision", int64_t{0})) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace hostplane::testing
