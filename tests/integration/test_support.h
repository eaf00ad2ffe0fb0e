#pragma once

// GoogleTest glue over tests/support/up_process.h.

#include <gtest/gtest.h>

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

}  // namespace hostplane::testing
