#pragma once

// The operating-system calls the file manager makes, behind one seam (as Filesystem is for the
// drivers): tests inject failures (EIO, ENOSPC) or count calls; production is PosixFileOs. Every
// call works on descriptors and single names relative to them; the one call that takes a path,
// OpenBeneath, always resolves with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS (the caller cannot ask for less). Calls return 0 / a descriptor / a
// count, or -errno: the caller turns errno into a precise code.
//
// Thread-safe: it holds no state. BecomeAccount changes the calling thread only.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hostplane::agent::files {

struct DirEntry {
  std::string name;
};

class FileOs {
 public:
  virtual ~FileOs() = default;

  // openat2(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW, mode) beneath dirfd, no links followed.
  // path "" opens dirfd's directory itself ("."). Returns a descriptor or -errno.
  virtual int OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode) = 0;
  // fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW); name "" stats dirfd itself (AT_EMPTY_PATH).
  virtual int StatAt(int dirfd, const std::string& name, struct stat* st) = 0;
  // The names in the directory (not "." or ".."), read from a descriptor of it. -errno on error.
  virtual int ReadDir(int dirfd, std::vector<DirEntry>* out) = 0;
  virtual ssize_t ReadAt(int fd, char* buf, size_t n, off_t offset) = 0;
  virtual ssize_t WriteAt(int fd, const char* buf, size_t n, off_t offset) = 0;
  virtual int Fsync(int fd) = 0;
  virtual int Fchmod(int fd, mode_t mode) = 0;
  virtual int MkdirAt(int dirfd, const std::string& name, mode_t mode) = 0;
  // renameat2; flags 0 or RENAME_NOREPLACE.
  virtual int RenameAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
                       unsigned flags) = 0;
  // unlinkat; flags 0 or AT_REMOVEDIR.
  virtual int UnlinkAt(int dirfd, const std::string& name, int flags) = 0;

  // Makes the calling thread act on files as uid/gid: setfsgid, setfsuid and (this thread only)
  // the supplementary groups [gid], then reads them back. With a file-system uid other than 0
  // the kernel drops the thread's CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN (capabilities(7)), so
  // every open, rename and chmod is checked as the account. Returns 0 or -errno (-EPERM when the
  // change did not hold).
  virtual int BecomeAccount(uid_t uid, gid_t gid) = 0;
};

class PosixFileOs final : public FileOs {
 public:
  int OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode) override;
  int StatAt(int dirfd, const std::string& name, struct stat* st) override;
  int ReadDir(int dirfd, std::vector<DirEntry>* out) override;
  ssize_t ReadAt(int fd, char* buf, size_t n, off_t offset) override;
  ssize_t WriteAt(int fd, const char* buf, size_t n, off_t offset) override;
  int Fsync(int fd) override;
  int Fchmod(int fd, mode_t mode) override;
  int MkdirAt(int dirfd, const std::string& name, mode_t mode) override;
  int RenameAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
               unsigned flags) override;
  int UnlinkAt(int dirfd, const std::string& name, int flags) override;
  int BecomeAccount(uid_t uid, gid_t gid) override;
};

}  // namespace hostplane::agent::files
