#pragma once

// For unit tests only: a SqliteStore in a fresh temporary directory with a ManualClock, removed
// with everything in it when the TempStore is destroyed.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
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
    auto s = OpenSqliteStore(path(), clock_);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    if (s) store_ = std::move(*s);
  }

  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  ManualClock& clock() { return clock_; }
  std::string path() const { return dir_ + "/store.db"; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
};

}  // namespace hostplane::controller
