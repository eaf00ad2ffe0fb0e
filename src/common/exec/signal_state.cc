#include "common/exec/signal_state.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <thread>

namespace hostplane {

Result<bool> CatchesSignal(int pid, int sig) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return Fail(Error::NotFound("process " + std::to_string(pid) + " is gone"));
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("SigCgt:")) continue;
    // 64 bits in hex, bit (sig - 1) for signal sig.
    const uint64_t mask = std::stoull(line.substr(7), nullptr, 16);
    return ((mask >> (sig - 1)) & 1u) != 0;
  }
  return Fail(Error::NotFound("process " + std::to_string(pid) + " is gone"));
}

Status WaitUntilCatches(int pid, int sig, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    HP_ASSIGN_OR_RETURN(bool catches, CatchesSignal(pid, sig));
    if (catches) return Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Error::Timeout("process " + std::to_string(pid) + " has no handler for signal " +
                                 std::to_string(sig) + " after " + std::to_string(limit.count()) +
                                 " ms"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace hostplane
