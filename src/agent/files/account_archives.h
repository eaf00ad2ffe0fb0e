#pragma once

// Archives in an account's home (issue 20): extract a .zip / .tar / .tar.gz into a new folder,
// and create one from a list of paths, with libarchive, as the account's uid. libarchive only
// ever sees descriptors opened beneath the home (archive_read_open_fd / archive_write_open_fd),
// never a path, so it cannot follow a link or leave the home; every file it makes is made by
// this code through FileOs, beneath a descriptor.
//
// Extracting (shared/SECURITY.md rules 4 and 5):
//  1. a first pass reads every header and refuses the archive, before anything is written, when
//     an entry is a symbolic or hard link (archive.link_refused), has an absolute path or one
//     that climbs out or is not canonical (archive.path_refused), is a device, FIFO or socket
//     (archive.type_refused), or when the entries' count (archive.too_many), their declared
//     uncompressed bytes (archive.too_large) or their ratio to the archive's size
//     (archive.ratio) exceed FileLimits; an unreadable archive is archive.corrupt;
//  2. the second pass writes into a hidden folder beside the target (".<name>.hp-extract"),
//     counting the bytes really unpacked (headers can lie: a zip bomb stops at the bound with
//     archive.too_large / archive.ratio), and renames it to the target at the end
//     (RENAME_NOREPLACE): a refused or failed extraction leaves nothing behind. Files get 0644
//     (0755 if the archive marks them executable) and folders 0755, as uploads do, whatever
//     the archive's bits (a zip made elsewhere often says 0600 or nothing: nginx could not
//     serve it).
// Creating: the paths' trees (no link, only the account's own files and folders, else
// archive.link_refused / file.foreign / archive.type_refused) go into ".<name>.hp-part" beside
// the target, renamed into place at the end (file.exists if it appeared meanwhile); the format
// follows the target's name (.zip, .tar, .tar.gz or .tgz, else archive.format). Bounded by the
// same entry and byte limits.
//
// Thread-safe: no state besides the limits.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/files/account_home.h"
#include "agent/files/file_os.h"
#include "common/result.h"

namespace hostplane::agent::files {

inline constexpr const char* kExtractSuffix = ".hp-extract";

struct ExtractRequest {
  std::string path;  // the archive
  std::string to;    // a folder that must not exist yet
};

struct CreateArchiveRequest {
  std::vector<std::string> paths;  // files or folders; each goes in under its own name
  std::string to;                  // the archive to create: *.zip, *.tar, *.tar.gz, *.tgz
};

struct ArchiveResult {
  int64_t entries = 0;
  int64_t bytes = 0;  // uncompressed bytes of the entries
};

class AccountArchives {
 public:
  AccountArchives(FileOs& os, FileLimits limits) : os_(os), limits_(limits) {}

  [[nodiscard]] Result<ArchiveResult> Extract(const AccountHome& home, const ExtractRequest& r);
  [[nodiscard]] Result<ArchiveResult> Create(const AccountHome& home,
                                             const CreateArchiveRequest& r);

 private:
  FileOs& os_;
  FileLimits limits_;
};

}  // namespace hostplane::agent::files
