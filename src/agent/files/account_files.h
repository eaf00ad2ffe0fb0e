#pragma once

// The file manager's operations on one account's home (issue 20; shared/SECURITY.md rule 4):
// list a folder (sorted, paged), read a file in chunks, write one in chunks (to a part file that
// the last chunk renames over the target, so nginx serves the old or the new file, never half of
// one; with a modification-time precondition for edits), make a folder, move, delete (to the
// home's trash folder, or at once), change permission bits.
//
// Containment, in layers:
//  1. every path field passes CheckFilePath (no "..", no absolute path, no NUL ...);
//  2. every path is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
//     RESOLVE_NO_MAGICLINKS | O_NOFOLLOW) from a descriptor of the home, and every other call
//     takes a descriptor of the parent and one name: a symlink anywhere is refused, not followed;
//  3. the work runs as the account's file-system uid/gid (as_account.h), so the kernel refuses
//     what the account itself could not do;
//  4. a file with more than one link that the account does not own (a hard link planted to
//     another tenant's or root's file) is refused; a listing shows entries the account does not
//     own as "foreign", without size or time.
//
// Thread-safe: no state besides the limits; each call runs on a thread of its own.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/files/account_home.h"
#include "agent/files/as_account.h"
#include "agent/files/file_os.h"
#include "common/fs/fd.h"
#include "common/result.h"
#include "protocol/file_path.h"

namespace hostplane::agent::files {

using protocol::FilePath;

// The trash folder in every home: deleted entries are moved to <home>/.hp-trash/<ns>-<name>.
inline constexpr const char* kTrashDir = ".hp-trash";
// A chunked write goes to ".<name>.hp-part" beside the target until its last chunk.
inline constexpr const char* kPartSuffix = ".hp-part";

enum class EntryType { kFile, kDirectory, kSymlink, kOther, kForeign };
const char* EntryTypeName(EntryType t);  // "file" | "directory" | "symlink" | "other" | "foreign"

struct FileEntry {
  std::string name;
  EntryType type = EntryType::kFile;
  int64_t size = 0;      // 0 for foreign entries
  int64_t mtime_ns = 0;  // 0 for foreign entries
  int mode = 0;          // permission bits (0777), 0 for foreign entries
};

enum class SortKey { kName, kSize, kMtime };

struct ListRequest {
  std::string path;  // "" = the home
  int64_t offset = 0;
  int limit = 100;  // 1..FileLimits::max_page_entries
  SortKey sort = SortKey::kName;
  bool descending = false;
};

struct ListPage {
  std::vector<FileEntry> entries;
  int64_t total = 0;  // entries in the folder
};

struct ReadRequest {
  std::string path;
  int64_t offset = 0;
  int64_t length = 0;  // 1..max_chunk_bytes
};

struct ReadChunk {
  std::string data;
  int64_t size = 0;  // the file's size
  int64_t mtime_ns = 0;
  bool eof = false;  // offset + data reach the end
};

struct WriteRequest {
  std::string path;
  int64_t offset = 0;  // 0 starts the upload; later chunks follow on at the part's size
  std::string data;    // 0..max_chunk_bytes
  bool last = true;    // this chunk ends the upload: the part replaces the target
  // Edit precondition, checked at the last chunk: the target's mtime must still be this.
  std::optional<int64_t> if_mtime_ns;
  bool exclusive = false;  // the target must not exist
  int mode = 0644;         // for a new file; a replaced file keeps its mode
};

struct WriteResult {
  int64_t size = 0;  // the part's size so far, or the file's once done
  int64_t mtime_ns = 0;
  bool done = false;
};

// Error codes (Error::fields["<field>"], the field being "path", "from", "to", "mode", ...):
// the path.* codes of file_path.h and
//   path.symlink (kForbidden)  a component or the target is a symbolic link
//   path.escapes (kForbidden)  resolution would leave the home
//   path.not_a_directory (kInvalid), file.not_found (kNotFound), file.exists (kConflict),
//   file.is_directory / file.not_regular (kInvalid), dir.not_empty (kConflict),
//   file.permission (kForbidden)  the account may not do this (the kernel said EACCES/EPERM)
//   file.foreign (kForbidden)     the account does not own the file
//   file.foreign_link (kForbidden) a hard link to a file of someone else
//   file.changed (kConflict)      the edit precondition failed (someone saved in between)
//   write.offset (kConflict)      a chunk that does not follow on (the message says the size)
//   file.no_space (kLimit), limit.chunk / limit.page / limit.tree (kLimit), mode.special
//   (kInvalid), move.into_itself (kInvalid), trash.unusable (kForbidden); kIo otherwise.
class AccountFiles {
 public:
  AccountFiles(FileOs& os, FileLimits limits) : os_(os), limits_(limits) {}

  // Opens <root>/<home_rel> (root_dir: a descriptor of the Filesystem root; home_rel trusted) as
  // root, without following links, and checks that id owns it. Errors: kNotFound (no home),
  // kForbidden home.symlink / home.not_owned, kIo.
  [[nodiscard]] Result<AccountHome> OpenHome(int root_dir, const std::string& home_rel,
                                             AccountIdentity id);

  [[nodiscard]] Result<ListPage> List(const AccountHome& home, const ListRequest& r);
  [[nodiscard]] Result<ReadChunk> Read(const AccountHome& home, const ReadRequest& r);
  [[nodiscard]] Result<WriteResult> Write(const AccountHome& home, const WriteRequest& r);
  [[nodiscard]] Status Mkdir(const AccountHome& home, const std::string& path, int mode = 0755);
  [[nodiscard]] Status Move(const AccountHome& home, const std::string& from,
                            const std::string& to);
  // Returns the entry's name in the trash, or "" when removed at once (at_once, or an entry
  // already in the trash).
  [[nodiscard]] Result<std::string> Delete(const AccountHome& home, const std::string& path,
                                           bool at_once);
  // Permission bits only (0..0777); setuid, setgid and sticky are refused (mode.special).
  [[nodiscard]] Status Chmod(const AccountHome& home, const std::string& path, int mode);

 private:
  // The last chunk: checks the target (exclusive, owned, if_mtime), keeps its mode, makes the
  // part durable and renames it over the target. Runs as the account.
  [[nodiscard]] Result<WriteResult> Finish(int parent_fd, int part_fd, const std::string& part,
                                           const FilePath& p, const WriteRequest& r,
                                           const AccountIdentity& id);

  FileOs& os_;
  FileLimits limits_;
};

}  // namespace hostplane::agent::files
