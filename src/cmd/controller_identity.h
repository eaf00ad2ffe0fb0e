#pragma once

// A controller's lasting identity: 32 random hexadecimal digits kept in <data-dir>/controller.id
// (0600), made at the first start. A process that holds its data directory exclusively
// (controller.lock) is the only live incarnation of that identity, so the job lease it finds
// held under the same identity was left by a dead incarnation and is taken at once
// (LeaderLeaseOptions::identity): an all-in-one restarted after a crash provisions and mails
// without waiting for its own old lease to run out.

#include <string>

#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::cmd {

inline constexpr const char* kControllerIdFile = "controller.id";

// Reads the identity, or makes and durably writes a new one. Errors: kIo; kInvalid when the file
// holds something else than 32 hexadecimal digits (someone edited it: it is not replaced).
Result<std::string> ControllerIdentity(Filesystem& files);

}  // namespace hostplane::cmd
