#include "controller/services/change_runner.h"

#include <algorithm>
#include <map>

namespace hostplane::controller {

void ChangeRunner::Ring(const std::vector<TaskRecord>& tasks) {
  std::map<std::string, int64_t> heads;
  for (const auto& t : tasks) heads[t.node_name] = std::max(heads[t.node_name], t.revision);
  for (const auto& [node, head] : heads) engine_.Notify(node, head);
}

}  // namespace hostplane::controller
