#pragma once

// Small probes of TCP ports on 127.0.0.1, for supervising local daemons and for tests. Used by
// `hostplane up` (is nginx listening yet?) and by the test fixtures that start real daemons.

#include "common/result.h"

namespace hostplane {

// True when a TCP connection to 127.0.0.1:port is accepted.
bool LoopbackAccepts(int port);

// A port on 127.0.0.1 that nobody listened on a moment ago (bind to port 0, read it, close).
// Racy by nature: tests that can afford it claim a port block instead. Errors: kIo.
[[nodiscard]] Result<int> FreeLoopbackPort();

}  // namespace hostplane
