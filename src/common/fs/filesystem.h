#pragma once

// The filesystem as a dependency. Every path is relative to a configured root (production: "/",
// tests: a temporary prefix), so a driver never names an absolute host path itself.
//
// Writes are atomic and durable (leveldb SetCurrentFile, userver fs::blocking::RewriteFileContents
// AtomicallyUnsafe): the content goes to a temporary file named ".<name>.tmp" in the same
// directory (a name no include glob like "*.conf" matches), is fsync'ed, renamed over the target,
// and the directory is fsync'ed. After a crash the target holds the old or the new content, never
// a mix; leftover ".*.tmp" files are removed by RemoveTempDebris().
//
// Paths inside a tenant's tree (docroots) go through the *Beneath functions, which resolve with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): root never follows a tenant's link
// (shared/SECURITY.md rule 4).

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hostplane {

struct FileOwner {
  uid_t uid;
  gid_t gid;
  bool operator==(const FileOwner&) const = default;
};

// One entry of a bulk change: new content for rel, or (content == nullopt) its removal. With an
// owner, the file is given to it (fchown on the temporary file, before it is renamed into place):
// a secret only one system user may read (an account's msmtp configuration, a DKIM key for
// OpenDKIM). The directory must be one only root can write to.
struct FileWrite {
  FileWrite() = default;
  FileWrite(std::string r, std::optional<std::string> c, mode_t m = 0644,
            std::optional<FileOwner> o = std::nullopt)
      : rel(std::move(r)), content(std::move(c)), mode(m), owner(o) {}

  std::string rel;
  std::optional<std::string> content;
  mode_t mode = 0644;
  std::optional<FileOwner> owner;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  // The absolute host path of a root-relative path (for handing to a daemon's command line).
  virtual std::string HostPath(const std::string& rel) const = 0;

  // Returns the content, or nullopt if the file does not exist. Errors: kIo.
  [[nodiscard]] virtual Result<std::optional<std::string>> ReadFile(const std::string& rel) = 0;
  // Atomic, durable replace (see above). Creates missing parent directories (0755).
  [[nodiscard]] virtual Status WriteFileAtomic(const std::string& rel, const std::string& content,
                                               mode_t mode = 0644) = 0;
  // Many WriteFileAtomic/RemoveFile at once, with the same per-file guarantee (old or new, never
  // torn) but one syncfs() for all the temporary files and one fsync per directory, instead of two
  // fsyncs per file: writes every ".<name>.tmp", syncs the filesystem, renames each into place (or
  // unlinks), calls after_each (a test hook) after each, then fsyncs every directory touched.
  // On error, entries already renamed stay renamed: callers keep a record to restore them.
  [[nodiscard]] virtual Status ApplyFiles(const std::vector<FileWrite>& writes,
                                          const std::function<void()>& after_each = {}) = 0;
  // Makes everything written under the root so far durable (syncfs). The *Beneath functions do
  // not sync on their own: a batch of them is made durable with one Sync().
  [[nodiscard]] virtual Status Sync() = 0;
  // Removes the file and fsyncs its directory; a missing file is not an error.
  [[nodiscard]] virtual Status RemoveFile(const std::string& rel) = 0;
  [[nodiscard]] virtual Status MakeDirs(const std::string& rel, mode_t mode = 0755) = 0;
  // Names (not paths) of the entries of a directory; empty if it does not exist.
  [[nodiscard]] virtual Result<std::vector<std::string>> ListDir(const std::string& rel) = 0;
  virtual bool Exists(const std::string& rel) = 0;
  // Deletes ".*.tmp" files left in dir by an interrupted WriteFileAtomic. Returns how many.
  [[nodiscard]] virtual Result<int> RemoveTempDebris(const std::string& dir) = 0;

  // Tenant trees. `base` is a trusted root-relative directory (an account home); `sub` is a
  // validated relative path inside it. No component of `sub` may be a symlink.
  // Creates the directories of sub (mode, owned by owner) that do not exist yet.
  [[nodiscard]] virtual Status MakeDirsBeneath(const std::string& base, const std::string& sub,
                                               mode_t mode, const FileOwner& owner) = 0;
  // True if the directory base/sub exists and has no entries.
  [[nodiscard]] virtual Result<bool> DirEmptyBeneath(const std::string& base,
                                                     const std::string& sub) = 0;
  // Creates base/sub (a file) with content only if it does not exist (O_CREAT|O_EXCL|O_NOFOLLOW).
  [[nodiscard]] virtual Status CreateFileBeneath(const std::string& base, const std::string& sub,
                                                 const std::string& content, mode_t mode,
                                                 const FileOwner& owner) = 0;
  // Deletes base/sub recursively without following links. Missing is not an error.
  [[nodiscard]] virtual Status RemoveTreeBeneath(const std::string& base,
                                                 const std::string& sub) = 0;
};

// The real filesystem under `root` (an absolute directory).
class PosixFilesystem final : public Filesystem {
 public:
  explicit PosixFilesystem(std::string root);
  std::string HostPath(const std::string& rel) const override;
  Result<std::optional<std::string>> ReadFile(const std::string& rel) override;
  Status WriteFileAtomic(const std::string& rel, const std::string& content, mode_t mode) override;
  Status ApplyFiles(const std::vector<FileWrite>& writes,
                    const std::function<void()>& after_each) override;
  Status Sync() override;
  Status RemoveFile(const std::string& rel) override;
  Status MakeDirs(const std::string& rel, mode_t mode) override;
  Result<std::vector<std::string>> ListDir(const std::string& rel) override;
  bool Exists(const std::string& rel) override;
  Result<int> RemoveTempDebris(const std::string& dir) override;
  Status MakeDirsBeneath(const std::string& base, const std::string& sub, mode_t mode,
                         const FileOwner& owner) override;
  Result<bool> DirEmptyBeneath(const std::string& base, const std::string& sub) override;
  Status CreateFileBeneath(const std::string& base, const std::string& sub,
                           const std::string& content, mode_t mode,
                           const FileOwner& owner) override;
  Status RemoveTreeBeneath(const std::string& base, const std::string& sub) override;

 private:
  std::string root_;
};

}  // namespace hostplane
