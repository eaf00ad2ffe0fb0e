#pragma once

// What a directory tree holds, to compare before and after an operation: per entry (path relative
// to the root, never following a link) its type, owner, mode, link count and content hash (or a
// symbolic link's target). Used by the crash tests (every managed file is its old or its new
// version) and the containment tests (nothing outside a tenant's tree changed).

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hostplane::testing {

struct TreeEntry {
  char type = '?';   // 'f' file, 'd' directory, 'l' symbolic link, 'o' other (socket, fifo)
  std::string hash;  // files: BLAKE2b of the content; links: the target
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  nlink_t links = 0;  // files: a new hard link to one shows here
  bool operator==(const TreeEntry&) const = default;
};

using TreeSnapshot = std::map<std::string, TreeEntry>;

// The entries below root (root itself as ""). skip(rel) true: the entry and, for a directory,
// everything below it are left out. A root that does not exist: an empty snapshot.
TreeSnapshot SnapshotTree(const std::string& root,
                          const std::function<bool(const std::string& rel)>& skip = {});

// One line per difference ("x: content changed", "y: added", "z: owner 0:0 -> 1000:1000").
std::vector<std::string> DiffTrees(const TreeSnapshot& before, const TreeSnapshot& after);

}  // namespace hostplane::testing
