#pragma once

// The exit codes of the `hostplane` API verbs (customer, site, task, node). Scripts may rely on
// them; they never change meaning. The same table is printed in the --help footer.

namespace hostplane::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUnexpected = 1,    // anything else: a 5xx, an unreadable answer
  kExitUsage = 2,         // bad arguments (CLI11 parse errors)
  kExitNotFound = 3,      // 404
  kExitInvalid = 4,       // 400 / 422: the controller refused the input
  kExitConflict = 5,      // 409: already exists, taken, or a plan limit reached
  kExitTaskFailed = 6,    // --wait / task wait: a task failed (its error is printed)
  kExitTimeout = 7,       // --wait / task wait: still not applied after --timeout
  kExitUnreachable = 8,   // cannot connect to the controller
  kExitUnauthorized = 9,  // 401 / 403: missing, unknown or insufficient token
};

inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 not found, 4 invalid input,\n"
    "5 conflict or limit reached, 6 a task failed, 7 timed out waiting, 8 cannot reach\n"
    "the controller, 9 unauthorized.";

// The exit code for an HTTP status of the API (2xx: kExitOk).
int ExitCodeForStatus(int status);

}  // namespace hostplane::cli
