#pragma once

// A private ACME CA for a `hostplane up` under test: Debian's pebble on loopback
// (agent::PebbleInstance) in the instance's data directory, validating HTTP-01 challenges on the
// instance's nginx with every name resolving to 127.0.0.1, and the instance told where it is
// (--acme-directory, --acme-ca-file). Construct and Start() it before UpInstance::Start(); it
// stops with its destructor. Errors are values; one owner, not thread-safe.

#include <string>

#include "agent/drivers/acme/pebble_instance.h"
#include "common/fs/filesystem.h"
#include "common/result.h"
#include "up_process.h"

namespace hostplane::testing {

class UpPebble {
 public:
  // Makes up's data directory (0755: pebble's files are read by nginx's and lego's users).
  explicit UpPebble(UpInstance& up);
  UpPebble(const UpPebble&) = delete;
  UpPebble& operator=(const UpPebble&) = delete;

  // Starts pebble and adds its directory and CA file to up's arguments.
  [[nodiscard]] Status Start();
  // pebble's issuing root (a new one at every start) written to <prefix>/pebble-root.pem, for
  // clients that verify served certificates (curl --cacert); returns that path.
  [[nodiscard]] Result<std::string> WriteRoot();

 private:
  UpInstance& up_;
  PosixFilesystem files_;
  agent::PebbleInstance pebble_;
};

}  // namespace hostplane::testing
