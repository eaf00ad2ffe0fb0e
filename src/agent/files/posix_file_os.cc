#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/files/file_os.h"

namespace hostplane::agent::files {
namespace {

int Neg(long rc) { return rc < 0 ? -errno : static_cast<int>(rc); }

}  // namespace

int PosixFileOs::OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC | O_NOFOLLOW;
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long rc;
  do {
    rc = ::syscall(SYS_openat2, dirfd, path.empty() ? "." : path.c_str(), &how, sizeof how);
  } while (rc < 0 && (errno == EINTR || errno == EAGAIN));
  if (rc < 0 && errno == ENOTDIR && (flags & O_DIRECTORY)) {
    // O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR: say "a link" (ELOOP), as for any other
    // component, by looking at the entry itself (O_PATH, still without following it).
    struct open_how look {};
    look.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    look.resolve = how.resolve;
    long fd = ::syscall(SYS_openat2, dirfd, path.empty() ? "." : path.c_str(), &look, sizeof look);
    if (fd >= 0) {
      struct stat st {};
      const bool link = ::fstat(static_cast<int>(fd), &st) == 0 && S_ISLNK(st.st_mode);
      ::close(static_cast<int>(fd));
      return link ? -ELOOP : -ENOTDIR;
    }
    errno = ENOTDIR;
  }
  return Neg(rc);
}

int PosixFileOs::StatAt(int dirfd, const std::string& name, struct stat* st) {
  int flags = AT_SYMLINK_NOFOLLOW | (name.empty() ? AT_EMPTY_PATH : 0);
  return Neg(::fstatat(dirfd, name.c_str(), st, flags));
}

int PosixFileOs::ReadDir(int dirfd, std::vector<DirEntry>* out) {
  // fdopendir takes the descriptor over: give it a duplicate so the caller keeps its own.
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return -errno;
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    int err = errno;
    ::close(dup);
    return -err;
  }
  ::rewinddir(dir);
  errno = 0;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      out->push_back({e->d_name});
    }
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  return err == 0 ? 0 : -err;
}

ssize_t PosixFileOs::ReadAt(int fd, char* buf, size_t n, off_t offset) {
  ssize_t rc;
  do {
    rc = ::pread(fd, buf, n, offset);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : rc;
}

ssize_t PosixFileOs::WriteAt(int fd, const char* buf, size_t n, off_t offset) {
  ssize_t rc;
  do {
    rc = ::pwrite(fd, buf, n, offset);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : rc;
}

int PosixFileOs::Fsync(int fd) { return Neg(::fsync(fd)); }

int PosixFileOs::Fchmod(int fd, mode_t mode) { return Neg(::fchmod(fd, mode)); }

int PosixFileOs::MkdirAt(int dirfd, const std::string& name, mode_t mode) {
  return Neg(::mkdirat(dirfd, name.c_str(), mode));
}

int PosixFileOs::RenameAt(int from_dir, const std::string& from, int to_dir, const std::string& to,
                          unsigned flags) {
  return Neg(::renameat2(from_dir, from.c_str(), to_dir, to.c_str(), flags));
}

int PosixFileOs::UnlinkAt(int dirfd, const std::string& name, int flags) {
  return Neg(::unlinkat(dirfd, name.c_str(), flags));
}

int PosixFileOs::BecomeAccount(uid_t uid, gid_t gid) {
  // The raw system call: glibc's setgroups() changes every thread of the process (setxid
  // broadcast); the kernel's changes only this one, which is what a per-request thread needs.
  gid_t groups[1] = {gid};
  if (::syscall(SYS_setgroups, 1, groups) != 0) return -errno;
  ::setfsgid(gid);
  ::setfsuid(uid);
  // setfsuid/setfsgid report failure only by returning the old value: read back.
  if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != uid ||
      static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != gid) {
    return -EPERM;
  }
  return 0;
}

}  // namespace hostplane::agent::files
