#pragma once

// Copies a file or a folder's tree within one account's home (issue 20), as the account's uid.
//
// - Every level is opened beneath its parent with no link followed (FileOs::OpenBeneath); a
//   symbolic link met anywhere in the source refuses the whole copy (path.symlink) and removes
//   what was written. Refused, not skipped: a copy that silently differs from its source (a
//   site missing a link it relied on) is worse than a precise refusal the customer can act on;
//   a link's target is never read either way.
// - Entries the account does not own, hard links to someone else's file, FIFOs, sockets and
//   devices refuse the copy too (file.foreign, file.foreign_link, file.not_regular).
// - The copy is written under a hidden name beside the target (".<name>.hp-copy") and renamed
//   into place at the end with RENAME_NOREPLACE (file.exists), or over the target when
//   `overwrite` is asked (a file, or an empty folder); a copy that fails leaves nothing behind.
// - Bounded: bytes (FileLimits::max_copy_bytes, limit.copy), entries and depth (limit.tree).
//
// Thread-safe: no state besides the limits.

#include <cstdint>
#include <string>

#include "agent/files/account_home.h"
#include "agent/files/file_os.h"
#include "common/result.h"

namespace hostplane::agent::files {

inline constexpr const char* kCopySuffix = ".hp-copy";

struct CopyRequest {
  std::string from;
  std::string to;
  bool overwrite = false;
};

struct CopyResult {
  int64_t entries = 0;  // files and folders written
  int64_t bytes = 0;
};

class FileCopier {
 public:
  FileCopier(FileOs& os, FileLimits limits) : os_(os), limits_(limits) {}

  // Errors: as AccountFiles' (fields "from" / "to"), and copy.into_itself (kInvalid), limit.copy
  // / limit.tree (kLimit).
  [[nodiscard]] Result<CopyResult> Copy(const AccountHome& home, const CopyRequest& r);

 private:
  FileOs& os_;
  FileLimits limits_;
};

}  // namespace hostplane::agent::files
