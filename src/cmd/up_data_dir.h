#pragma once

// Where `hostplane up` keeps its data directory. The private daemons run as their own users
// (www-data, postfix, dovecot, mysql, knot and the accounts' users) and must reach their files
// under it, so every directory above it must let others traverse it. A clone in root's home
// (mode 0700) does not, and `up` never loosens a directory that is not its own: when run as root
// and the data directory would be out of the daemons' reach, the data lives in
// /var/lib/hostplane/up/<instance> instead, and the data directory asked for (./var) becomes a
// symbolic link to it. The decision is made before anything starts, and every refusal says what
// is wrong and the commands that fix it. Called once by `up` at start-up (main thread).

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.h"

namespace hostplane::cmd {

// Where relocated data directories go (one <instance> folder each).
inline constexpr const char* kUpRelocationRoot = "/var/lib/hostplane/up";

struct UpDataDir {
  std::string path;  // the real, absolute directory everything is kept in (mode 0755)
  std::string link;  // the path asked for, when it is a symbolic link to `path`; else ""
  std::string why;   // why the data is not at the path asked for ("/root is mode 0700"); or ""
};

// The first directory on the way from "/" to `dir` (included, links resolved) that others may not
// traverse (no o+x), and its mode; nullopt when they may traverse all of them. Directories that
// do not exist yet are not checked (`up` creates them with mode 0755).
struct Untraversable {
  std::string dir;
  mode_t mode = 0;
};
std::optional<Untraversable> FirstUntraversable(const std::string& dir);

// The instance folder name for a data directory's absolute path: the last two components in
// [a-z0-9-] (at most 24 characters) and 8 hex digits of its hash, e.g. "try-readme-var-1a2b3c4d".
std::string UpInstanceName(const std::string& absolute_path);

// Finds or makes the data directory `requested` (relative to the working directory). When
// `daemons_switch_users` (up runs as root) and a directory above it is not traversable by others,
// the data goes to <relocation_root>/<instance> with `requested` a link to it; otherwise it is
// `requested` itself. The directory is given mode 0755 (it is hostplane's own).
// Errors, each with the commands that fix it: kConflict when `requested` is a directory with data
// the daemons cannot reach, when <relocation_root>/<instance> already holds data `requested` does
// not link to, or when `requested` is a link to a missing or unreachable directory; kIo.
[[nodiscard]] Result<UpDataDir> PlaceUpDataDir(
    const std::string& requested, bool daemons_switch_users,
    const std::string& relocation_root = kUpRelocationRoot);

}  // namespace hostplane::cmd
