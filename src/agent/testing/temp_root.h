#pragma once

// A temporary root directory for a test: a short 0755 prefix under /tmp, removed with everything
// beneath it on destruction. Header-only, for hp_agent_test.

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace hostplane::agent::testing {

class TempRoot {
 public:
  TempRoot() {
    char tmpl[] = "/tmp/hpt.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
    ::chmod(path_.c_str(), 0755);  // nginx workers must traverse it
  }
  ~TempRoot() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hostplane::agent::testing
