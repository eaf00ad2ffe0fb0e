#pragma once

// The file engine's precise errors: a field, a code and a sentence (Error::fields[field] =
// code), and errno of an operation on a field turned into the matching code (ENOENT ->
// file.not_found, ELOOP -> path.symlink, EXDEV -> path.escapes, EACCES/EPERM ->
// file.permission, ...). Shared by AccountFiles, the copy, the archives and the trash.

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "agent/files/as_account.h"
#include "common/result.h"

namespace hostplane::agent::files {

Error FieldError(ErrorCode code, const std::string& field, const std::string& what,
                 const std::string& sentence);

// err is a positive errno; doing says what was being done ("opening the folder").
Error ErrnoError(const std::string& field, int err, const std::string& doing);

int64_t MtimeNs(const struct stat& st);

// A hard link to someone else's file (file.foreign_link): refused for every operation on its
// content.
[[nodiscard]] Status CheckOwnLink(const struct stat& st, const AccountIdentity& id,
                                  const std::string& field);
// As CheckOwnLink, and the account must own the entry (file.foreign).
[[nodiscard]] Status CheckOwned(const struct stat& st, const AccountIdentity& id,
                                const std::string& field);

}  // namespace hostplane::agent::files
