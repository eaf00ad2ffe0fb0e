#pragma once

// An account's open home and the engine's limits, shared by AccountFiles, FileCopier,
// AccountArchives and Trash.

#include <cstdint>

#include "agent/files/as_account.h"
#include "common/fs/fd.h"

namespace hostplane::agent::files {

struct FileLimits {
  int64_t max_chunk_bytes = 256 * 1024;  // data in one read or write request
  int max_page_entries = 1000;           // entries in one listing page
  int64_t max_tree_entries = 100'000;    // entries one delete-at-once may remove
  int max_tree_depth = 64;               // folder depth one delete-at-once may descend
  // Copy (copy_tree.h): bytes one copy may write (its entries and depth: the tree's limits).
  int64_t max_copy_bytes = int64_t{4} << 30;
  // Archives (account_archives.h), extracting or creating one:
  int64_t max_archive_bytes = int64_t{2} << 30;  // uncompressed bytes of all entries
  int64_t max_archive_entries = 20'000;          // entries
  // Uncompressed / compressed bytes: logs and SQL dumps stay under ~30, deflate's maximum is
  // ~1030 (a bomb of zeros) ...
  int64_t max_archive_ratio = 250;
  int64_t ratio_floor_bytes = 1 << 20;  // ... checked once this much is unpacked
  // The trash (trash.h): entries older than this are removed by the daily pass.
  int trash_days = 30;
};

// An open home: a descriptor of <home_root>/<login> (opened by root without following links)
// and the account that owns it.
struct AccountHome {
  Fd dir;
  AccountIdentity id;
};

}  // namespace hostplane::agent::files
