#pragma once

// A file descriptor owned by one object, and the write loop every raw descriptor needs.

#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace hostplane {

// Owns one file descriptor; closes it when destroyed.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int Release() { return std::exchange(fd_, -1); }
  void Reset() { (void)Close(); }
  // Closes now; returns close()'s result (0, or -1 with errno set), 0 when nothing was open.
  int Close();

 private:
  int fd_ = -1;
};

// Writes all of data (short writes and EINTR retried). Errors: kIo "writing <what>: <reason>".
[[nodiscard]] Status WriteAll(int fd, std::string_view data, const std::string& what);

}  // namespace hostplane
