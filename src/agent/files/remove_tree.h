#pragma once

// Removes a folder and everything in it without ever following a link: each level is opened
// beneath its parent (FileOs::OpenBeneath: no symlink, no escape) and entries are unlinked by
// name. Bounded in entries and depth (limit.tree). Used by delete-at-once, the trash's expiry
// and the clean-up of a copy or an extraction that did not finish. Runs as whoever calls it (the
// account's thread, as_account.h).

#include <cstdint>
#include <string>

#include "agent/files/file_os.h"
#include "common/result.h"

namespace hostplane::agent::files {

struct TreeBudget {
  int64_t entries_left;
  int depth_left;
};

// Removes dir_fd/name, a folder. Errors carry `field` (limit.tree, file.permission, ...).
[[nodiscard]] Status RemoveTree(FileOs& os, int dir_fd, const std::string& name, TreeBudget& budget,
                                const std::string& field);

// Removes dir_fd/name whatever it is (a folder's tree, or a single entry unlinked).
[[nodiscard]] Status RemoveEntry(FileOs& os, int dir_fd, const std::string& name,
                                 TreeBudget& budget, const std::string& field);

}  // namespace hostplane::agent::files
