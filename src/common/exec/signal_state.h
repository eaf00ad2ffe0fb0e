#pragma once

// Whether a process has a handler for a signal yet (/proc/<pid>/status, SigCgt). A daemon that
// re-executes itself to reload (PHP-FPM on SIGUSR2) starts its new image with the signal's
// default action — for SIGUSR2, terminate — until it installs its handler again: a second reload
// signal sent in that window kills it. Callers wait until the handler is back before signalling.

#include <chrono>

#include "common/result.h"

namespace hostplane {

// True when pid catches sig; false while it does not (default action or ignored). Errors:
// kNotFound when the process is gone.
[[nodiscard]] Result<bool> CatchesSignal(int pid, int sig);

// Waits until pid catches sig, up to limit. Errors: kNotFound (gone), kTimeout.
[[nodiscard]] Status WaitUntilCatches(int pid, int sig, std::chrono::milliseconds limit);

}  // namespace hostplane
