#pragma once

// For unit tests only: a store with a ManualClock, on the backend the test process runs the
// store contract on: SQLite in a fresh temporary directory (removed with everything in it when
// the TempStore is destroyed), or, when the environment says HOSTPLANE_TEST_STORE=postgresql, a
// fresh database on the process's private PostgreSQL (common/testing/postgres_server.h). CTest
// runs the store's tests both ways (the `postgres` label; src/CMakeLists.txt).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/testing/postgres_server.h"
#include "controller/store/pg_store.h"
#include "controller/store/sqlite_store.h"
#include "controller/store/states_for_test.h"

namespace hostplane::controller {

class TempStore {
 public:
  TempStore() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hp-store-test-XXXXXX").string();
    if (char* made = ::mkdtemp(pattern.data())) dir_ = made;
    EXPECT_FALSE(dir_.empty()) << "mkdtemp failed";
    if (OnPostgres()) {
      auto server = testing::PostgresServer::Shared();
      EXPECT_TRUE(server.has_value()) << (server ? "" : server.error().message);
      if (server) {
        auto url = (*server)->CreateDatabase();
        EXPECT_TRUE(url.has_value()) << (url ? "" : url.error().message);
        if (url) url_ = *url;
      }
    }
    Reopen();
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  // Closes and opens the same file again (a restart).
  void Reopen() {
    store_.reset();
    auto s = OnPostgres() ? OpenPostgresStore(url_, clock_) : OpenSqliteStore(path(), clock_);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    if (s) store_ = std::move(*s);
  }

  // Another store on the same database, as a second controller sharing it has (its own
  // connections; on SQLite the same file, as `serve --shared-store`).
  std::unique_ptr<Store> OpenAnother() {
    auto s = OnPostgres() ? OpenPostgresStore(url_, clock_) : OpenSqliteStore(path(), clock_);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  ManualClock& clock() { return clock_; }
  // The SQLite file (SQLite only), in dir() (both).
  std::string path() const { return dir_ + "/store.db"; }
  // True when this process runs the store on PostgreSQL (HOSTPLANE_TEST_STORE=postgresql).
  static bool OnPostgres() {
    const char* backend = std::getenv("HOSTPLANE_TEST_STORE");
    return backend != nullptr && std::string(backend) == "postgresql";
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string url_;  // the PostgreSQL database's URL
  ManualClock clock_;
  std::unique_ptr<Store> store_;
};

}  // namespace hostplane::controller
