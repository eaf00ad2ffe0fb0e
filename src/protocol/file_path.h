#pragma once

// A path inside an account's home, as a customer names it (shared/SECURITY.md "Path"): relative
// to the home, components separated by '/', in canonical form. CheckFilePath is the one
// validator; the agent applies it to every path field of a file request (the controller applies
// the same function before it sends one), so a path that reaches the OS has no "..", no leading
// '/', no NUL, control character or backslash, no empty or "." component, and no name longer
// than the filesystem allows. Resolution itself (openat2 beneath the home, no links) is
// AccountFiles' job: this check is the first wall, not the only one.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::protocol {

inline constexpr size_t kMaxNameBytes = 240;   // one component (NAME_MAX 255 less our suffixes)
inline constexpr size_t kMaxPathBytes = 4000;  // the whole path (PATH_MAX 4096 less the home)

// A checked path: its components, never empty ones. No components: the home itself.
struct FilePath {
  std::vector<std::string> parts;
  bool home() const { return parts.empty(); }
  std::string name() const { return parts.empty() ? std::string() : parts.back(); }
  std::string parent() const;  // "" for a name directly in the home
  std::string text() const;    // "a/b/c", "" for the home
};

// Checks `path` (the value of request field `field`). "" is the home. Errors: kInvalid with
// {field: code}, code one of path.absolute, path.dotdot, path.nul, path.control,
// path.backslash, path.not_canonical (an empty or "." component, a trailing '/'),
// path.not_utf8, path.name_too_long, path.too_long. The message never echoes the path.
[[nodiscard]] Result<FilePath> CheckFilePath(std::string_view field, std::string_view path);

// As CheckFilePath, and the path must name something inside the home, not the home itself
// (code path.home).
[[nodiscard]] Result<FilePath> CheckFileName(std::string_view field, std::string_view path);

}  // namespace hostplane::protocol
