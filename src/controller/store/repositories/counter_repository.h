#pragma once

// Named counters that never give a value twice (account uids). Lives inside one StoreTxn; not
// thread-safe.

#include <string>

#include "controller/store/sql.h"

namespace hostplane::controller {

class CounterRepository {
 public:
  explicit CounterRepository(sql::Connection& db) : db_(db) {}

  // The next value of the counter, starting at first.
  Result<int64_t> Next(const std::string& name, int64_t first);

 private:
  sql::Connection& db_;
};

}  // namespace hostplane::controller
