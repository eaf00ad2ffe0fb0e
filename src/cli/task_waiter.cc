#include "cli/task_waiter.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kMaxPoll{60'000};  // the API's cap for one wait request

bool IsFinal(const std::string& state) {
  return state == "applied" || state == "failed" || state == "superseded";
}

std::string NodeOf(const json& task) { return CellOf(task, {"node", "node_name"}); }

std::string Plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

WaitOutcome WaitForTasks(ApiClient& client, const json& tasks, const WaitOptions& options,
                         const Clock& clock, std::ostream& err) {
  WaitOutcome outcome;
  outcome.tasks = json::array();
  if (!tasks.is_array() || tasks.empty()) return outcome;

  const auto start = clock.Steady();
  const auto deadline = start + options.timeout;

  // Group by node, keeping the order in which nodes first appear.
  std::vector<std::string> nodes;
  std::map<std::string, std::vector<json>> by_node;
  for (const json& t : tasks) {
    std::string node = NodeOf(t);
    if (!by_node.count(node)) nodes.push_back(node);
    by_node[node].push_back(t);
  }

  bool any_failed = false;
  for (const std::string& node : nodes) {
    const auto& group = by_node[node];
    const std::string header =
        "waiting for " + Plural(group.size(), "task") + " on node " + node + "...";
    if (options.tty) {
      err << "\r\x1b[K" << header << std::flush;
    } else {
      err << header << "\n" << std::flush;
    }
    size_t done = 0;
    std::vector<std::string> failures;
    for (const json& task : group) {
      const int64_t id = task.value("id", int64_t{0});
      json current = task;
      while (!IsFinal(current.value("state", ""))) {
        auto remaining = duration_cast<milliseconds>(deadline - clock.Steady());
        if (remaining <= milliseconds(0)) {
          if (options.tty) err << "\n";
          err << "error: timed out after "
              << duration_cast<milliseconds>(options.timeout).count() / 1000.0
              << " s waiting for task " << id << " on node " << node << " (still "
              << current.value("state", "pending") << ")\n";
          outcome.tasks.push_back(current);
          outcome.exit_code = kExitTimeout;
          return outcome;
        }
        milliseconds poll = std::min(remaining, kMaxPoll);
        auto r = client.Get("/api/v1/tasks/" + std::to_string(id) + "/wait",
                            {{"timeout_ms", std::to_string(poll.count())}},
                            poll + std::chrono::seconds(15));
        if (!r) {
          if (options.tty) err << "\n";
          err << "error: " << r.error().message << "\n";
          outcome.exit_code = kExitUnreachable;
          return outcome;
        }
        if (!r->ok()) {
          if (options.tty) err << "\n";
          PrintApiError(*r, err);
          outcome.exit_code = ExitCodeForStatus(r->status);
          return outcome;
        }
        current = r->body.value("task", json::object());
      }
      outcome.tasks.push_back(current);
      ++done;
      const auto elapsed = duration_cast<milliseconds>(clock.Steady() - start).count();
      const std::string state = current.value("state", "");
      if (state == "failed") {
        any_failed = true;
        failures.push_back("error: task " + std::to_string(id) + " (" +
                           CellOf(current, {"object", "object_key"}) + ") on node " + node +
                           " failed: " + CellOf(current, {"error"}));
      }
      if (options.tty) {
        err << "\r\x1b[K" << header << " " << done << "/" << group.size() << std::flush;
      } else {
        err << "task " << id << " on node " << node << ": " << state << " in " << elapsed
            << " ms\n";
      }
      if (done == group.size() && options.tty) {
        err << "\r\x1b[K" << header << " "
            << (failures.empty() ? "applied" : Plural(failures.size(), "task") + " failed")
            << " in " << elapsed << " ms\n";
      }
    }
    for (const auto& f : failures) err << f << "\n";
  }
  outcome.exit_code = any_failed ? kExitTaskFailed : kExitOk;
  return outcome;
}

}  // namespace hostplane::cli
