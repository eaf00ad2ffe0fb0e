#pragma once

// Waits until the tasks of a change are applied, for `--wait` and `task wait`. It long-polls
// GET /api/v1/tasks/{id}/wait (at most 60 s per request, as the API allows) until each task is
// final or the overall timeout passes, and shows progress on stderr per node:
//   on a terminal   one live line: "waiting for 2 tasks on node web1... 1/2", finished in place
//                   as "waiting for 2 tasks on node web1... applied in 84 ms"
//   otherwise       plain lines: "waiting for 2 tasks on node web1..." then one line per task
// A superseded task counts as done: a newer change of the same object replaced it.

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/api_client.h"
#include "common/clock.h"

namespace hostplane::cli {

struct WaitOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  bool tty = false;  // stderr is a terminal: draw a live line
};

struct WaitOutcome {
  int exit_code = 0;     // kExitOk, kExitTaskFailed, kExitTimeout, or a transport/HTTP code
  nlohmann::json tasks;  // the tasks as last seen (array), for --output json
};

// tasks: the "tasks" array of a change response (objects with at least "id"). Failed tasks print
// "error: task <id> (<object>) on node <node> failed: <the daemon's error>".
WaitOutcome WaitForTasks(ApiClient& client, const nlohmann::json& tasks, const WaitOptions& options,
                         const Clock& clock, std::ostream& err);

}  // namespace hostplane::cli
