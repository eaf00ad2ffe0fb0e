#pragma once

// The trash of an account's home (<home>/.hp-trash, where AccountFiles::Delete moves entries as
// "<unix-ns>-<name>"): emptied at once on request, and expired by the agent's daily pass
// (TrashSweeper) which removes the entries put there more than FileLimits::trash_days ago. The
// time an entry was trashed is its name's prefix (set by Delete), else its ctime (a rename sets
// it). Removal runs as the account's uid with the same tree removal as delete-at-once
// (remove_tree.h): bounded, no link ever followed.
//
// Thread-safe: no state besides the limits.

#include <cstdint>
#include <string>

#include "agent/files/account_home.h"
#include "agent/files/file_os.h"
#include "common/result.h"

namespace hostplane::agent::files {

class Trash {
 public:
  Trash(FileOs& os, FileLimits limits) : os_(os), limits_(limits) {}

  // Removes the entries trashed before cutoff_ns (Unix nanoseconds); returns how many. A home
  // without a trash has nothing to remove. Errors: trash.unusable (kForbidden) when .hp-trash
  // is not a folder of the account's, limit.tree, file.permission, kIo.
  [[nodiscard]] Result<int64_t> Expire(const AccountHome& home, int64_t cutoff_ns);
  // Every entry, now.
  [[nodiscard]] Result<int64_t> Empty(const AccountHome& home);

 private:
  FileOs& os_;
  FileLimits limits_;
};

}  // namespace hostplane::agent::files
