#pragma once

// The one way a secret key file is created and read (the controller's signing key, a node's box
// key): created once with mode 0600, whole or not at all, never replaced; read only when no one
// but its owner can access it. Free functions, safe to call from any thread. The contents they
// return are secrets: the caller wipes them (sodium_memzero) when done and never logs them.

#include <functional>
#include <string>

#include "common/result.h"

namespace hostplane {

// The content of the private file at `path` (an absolute host path), at most 4 KiB. Errors:
// kNotFound (no such file), kIo (opening, reading), kInvalid when it is not a regular file or is
// accessible by group or others ("chmod 600 it").
[[nodiscard]] Result<std::string> ReadPrivateFile(const std::string& path);

// Creates `path` with `content` and mode 0600 unless it exists: written to a temporary file
// (O_EXCL, fsync) that is hard-linked into place, so the file appears whole or not at all and an
// existing one is never replaced. Returns false (no error) when another process created it
// first. Errors: kIo (a directory that does not exist among them).
[[nodiscard]] Result<bool> CreatePrivateFileOnce(const std::string& path,
                                                 const std::string& content);

// The content of the private file at `path`, created first from generate() when it does not
// exist (two racing starts end up with the same content). Errors: those of ReadPrivateFile and
// CreatePrivateFileOnce.
[[nodiscard]] Result<std::string> LoadOrCreatePrivateFile(
    const std::string& path, const std::function<std::string()>& generate);

}  // namespace hostplane
