#include "common/fs/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

#include "common/failpoint.h"
#include "common/fs/fd.h"

namespace hostplane {
namespace {

Error ErrnoError(const std::string& what, const std::string& path, int err) {
  return Error::FromErrno(what + " " + path, err);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

std::pair<std::string, std::string> SplitParent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string c = path.substr(start, end - start);
    if (!c.empty() && c != ".") out.push_back(std::move(c));
    start = end + 1;
  }
  return out;
}

// The one way a tenant path is opened: beneath dirfd, with no symlink in any component.
int OpenBeneath(int dirfd, const std::string& sub, uint64_t flags, uint64_t mode = 0) {
  struct open_how how {};
  how.flags = flags | O_CLOEXEC;
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(
      ::syscall(SYS_openat2, dirfd, sub.empty() ? "." : sub.c_str(), &how, sizeof how));
}

Error BeneathError(const std::string& what, const std::string& path, int err) {
  if (err == ELOOP) {
    return Error::Forbidden(what + " " + path + ": a component is a symbolic link (refused)");
  }
  if (err == EXDEV) {
    return Error::Forbidden(what + " " + path + ": path escapes its base directory (refused)");
  }
  return ErrnoError(what, path, err);
}

// A failpoint of the atomic-write path: its error (an injected EIO or ENOSPC) reads as the
// system call's would, "writing x.conf.tmp: failpoint ...: No space left on device".
Status Step(std::string_view point, const std::string& what) {
  if (auto s = failpoint::Hit(point); !s) return Fail(s.error().Wrap(what));
  return Ok();
}

Status FsyncFd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return Fail(ErrnoError("fsync", path, errno));
  return Ok();
}

Status FsyncDir(const std::string& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Fail(ErrnoError("opening directory", dir, errno));
  return FsyncFd(fd.get(), dir);
}

// Removes the entry `name` of the directory dirfd, recursing into directories without ever
// following a link: a symlink or a hard link is one name to unlink, nothing more.
Status RemoveEntryAt(int dirfd, const std::string& name, const std::string& display) {
  if (::unlinkat(dirfd, name.c_str(), 0) == 0) return Ok();
  int err = errno;
  if (err == ENOENT) return Ok();
  if (err != EISDIR && err != EPERM) return Fail(ErrnoError("removing", display, err));
  Fd dir(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return Fail(ErrnoError("opening directory", display, errno));
  int dup = ::dup(dir.get());
  if (dup < 0) return Fail(ErrnoError("dup", display, errno));
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    int e = errno;
    ::close(dup);
    return Fail(ErrnoError("listing", display, e));
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  for (const auto& n : names) HP_TRY(RemoveEntryAt(dir.get(), n, JoinPath(display, n)));
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return Fail(ErrnoError("removing directory", display, errno));
  }
  return Ok();
}

}  // namespace

PosixFilesystem::PosixFilesystem(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string PosixFilesystem::HostPath(const std::string& rel) const {
  std::string r = rel;
  while (!r.empty() && r.front() == '/') r.erase(r.begin());
  if (r.empty()) return root_;
  if (root_ == "/") return "/" + r;
  return root_ + "/" + r;
}

Result<std::optional<std::string>> PosixFilesystem::ReadFile(const std::string& rel) {
  std::string path = HostPath(rel);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Fail(ErrnoError("opening", path, errno));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrnoError("reading", path, errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(out));
}

Status PosixFilesystem::WriteFileAtomic(const std::string& rel, const std::string& content,
                                        mode_t mode) {
  std::string path = HostPath(rel);
  auto [dir, name] = SplitParent(path);
  if (name.empty()) return Fail(Error::Invalid("writing " + path + ": not a file name"));
  auto [rel_dir, rel_name] = SplitParent(rel);
  if (!rel_dir.empty()) HP_TRY(MakeDirs(rel_dir, 0755));
  std::string tmp = JoinPath(dir, "." + name + ".tmp");
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return Fail(ErrnoError("creating", tmp, errno));
  auto cleanup = [&](Error e) {
    fd.Reset();
    ::unlink(tmp.c_str());
    return Fail(std::move(e));
  };
  if (::fchmod(fd.get(), mode) != 0) return cleanup(ErrnoError("chmod", tmp, errno));
  if (auto s = WriteAll(fd.get(), content, tmp); !s) return cleanup(s.error());
  // Written, not yet durable: a full disk or a failing one shows here first (write, then fsync).
  if (auto s = Step("fs.write_atomic.after_write", "writing " + tmp); !s) return cleanup(s.error());
  if (auto s = FsyncFd(fd.get(), tmp); !s) return cleanup(s.error());
  if (auto s = Step("fs.write_atomic.after_fsync", "fsync " + tmp); !s) return cleanup(s.error());
  if (::close(fd.Release()) != 0) return cleanup(ErrnoError("closing", tmp, errno));
  // The new content is durable under its temporary name; the live file is still the old one.
  if (auto s = failpoint::Hit("fs.write_atomic.before_rename"); !s) return cleanup(s.error());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return cleanup(ErrnoError("renaming " + tmp + " to", path, errno));
  }
  // The new content is live; its name is durable only once the directory is synced.
  HP_TRY(Step("fs.write_atomic.after_rename", "renaming " + tmp + " to " + path));
  HP_TRY(FsyncDir(dir));
  return Step("fs.write_atomic.after_dir_fsync", "fsync " + dir);
}

Status PosixFilesystem::ApplyFiles(const std::vector<FileWrite>& writes,
                                   const std::function<void()>& after_each) {
  struct Staged {
    std::string path, tmp, dir;
    bool remove;
  };
  std::vector<Staged> staged;
  staged.reserve(writes.size());
  auto drop_temps = [&] {
    for (const auto& st : staged) {
      if (!st.remove) ::unlink(st.tmp.c_str());
    }
  };
  for (const auto& w : writes) {
    std::string path = HostPath(w.rel);
    auto [dir, name] = SplitParent(path);
    if (name.empty()) {
      drop_temps();
      return Fail(Error::Invalid("writing " + path + ": not a file name"));
    }
    if (!w.content) {
      staged.push_back({path, "", dir, true});
      continue;
    }
    auto [rel_dir, rel_name] = SplitParent(w.rel);
    if (!rel_dir.empty()) {
      if (auto s = MakeDirs(rel_dir, 0755); !s) {
        drop_temps();
        return s;
      }
    }
    std::string tmp = JoinPath(dir, "." + name + ".tmp");
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, w.mode));
    if (!fd.valid()) {
      drop_temps();
      return Fail(ErrnoError("creating", tmp, errno));
    }
    staged.push_back({path, tmp, dir, false});
    Status s = ::fchmod(fd.get(), w.mode) == 0 ? Ok() : Fail(ErrnoError("chmod", tmp, errno));
    if (s && w.owner && ::fchown(fd.get(), w.owner->uid, w.owner->gid) != 0) {
      s = Fail(ErrnoError("chown", tmp, errno));
    }
    if (s) s = WriteAll(fd.get(), *w.content, tmp);
    if (s) s = Step("fs.apply_files.after_write", "writing " + tmp);
    if (s && ::close(fd.Release()) != 0) s = Fail(ErrnoError("closing", tmp, errno));
    if (!s) {
      drop_temps();
      return s;
    }
  }
  // Every temporary file's data is on disk before any rename makes it live.
  if (auto s = Sync(); !s) {
    drop_temps();
    return s;
  }
  // Every new content is durable under its temporary name; no live file has changed yet.
  if (auto s = Step("fs.apply_files.after_sync", "syncfs " + root_); !s) {
    drop_temps();
    return s;
  }
  std::set<std::string> dirs;
  for (size_t i = 0; i < staged.size(); ++i) {
    const auto& st = staged[i];
    if (st.remove) {
      if (::unlink(st.path.c_str()) != 0 && errno != ENOENT) {
        for (size_t j = i + 1; j < staged.size(); ++j)
          if (!staged[j].remove) ::unlink(staged[j].tmp.c_str());
        return Fail(ErrnoError("removing", st.path, errno));
      }
    } else if (::rename(st.tmp.c_str(), st.path.c_str()) != 0) {
      int err = errno;
      for (size_t j = i; j < staged.size(); ++j)
        if (!staged[j].remove) ::unlink(staged[j].tmp.c_str());
      return Fail(ErrnoError("renaming " + st.tmp + " to", st.path, err));
    }
    dirs.insert(st.dir);
    if (after_each) after_each();
    // Some of the batch is live, the rest still under temporary names.
    if (auto s = Step("fs.apply_files.after_rename", "renaming " + st.tmp + " to " + st.path); !s) {
      for (size_t j = i + 1; j < staged.size(); ++j)
        if (!staged[j].remove) ::unlink(staged[j].tmp.c_str());
      return s;
    }
  }
  for (const auto& d : dirs) HP_TRY(FsyncDir(d));
  // The whole batch is live and durable.
  return Step("fs.apply_files.after_dir_fsync", "fsync of the batch's directories");
}

Status PosixFilesystem::Sync() {
  Fd fd(::open(root_.empty() ? "/" : root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Fail(ErrnoError("opening", root_, errno));
  if (::syncfs(fd.get()) != 0) return Fail(ErrnoError("syncfs", root_, errno));
  return Ok();
}

Status PosixFilesystem::RemoveFile(const std::string& rel) {
  std::string path = HostPath(rel);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Ok();
    return Fail(ErrnoError("removing", path, errno));
  }
  return FsyncDir(SplitParent(path).first);
}

Status PosixFilesystem::MakeDirs(const std::string& rel, mode_t mode) {
  std::string path = HostPath(rel);
  std::string cur = path.front() == '/' ? "" : ".";
  for (const auto& c : Components(path)) {
    cur += "/" + c;
    if (::mkdir(cur.c_str(), mode) == 0) continue;
    if (errno != EEXIST) return Fail(ErrnoError("creating directory", cur, errno));
    struct stat st {};
    if (::stat(cur.c_str(), &st) != 0) return Fail(ErrnoError("stat", cur, errno));
    if (!S_ISDIR(st.st_mode)) return Fail(ErrnoError("creating directory", cur, ENOTDIR));
  }
  return Ok();
}

Result<std::vector<std::string>> PosixFilesystem::ListDir(const std::string& rel) {
  std::string path = HostPath(rel);
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return std::vector<std::string>();
    return Fail(ErrnoError("listing", path, errno));
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool PosixFilesystem::Exists(const std::string& rel) {
  struct stat st {};
  return ::lstat(HostPath(rel).c_str(), &st) == 0;
}

Result<int> PosixFilesystem::RemoveTempDebris(const std::string& dir) {
  HP_ASSIGN_OR_RETURN(auto names, ListDir(dir));
  int removed = 0;
  for (const auto& n : names) {
    if (n.size() > 5 && n.front() == '.' && n.ends_with(".tmp")) {
      std::string path = HostPath(JoinPath(dir, n));
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return Fail(ErrnoError("removing", path, errno));
      }
      ++removed;
    }
  }
  if (removed > 0) HP_TRY(FsyncDir(HostPath(dir)));
  return removed;
}

Status PosixFilesystem::MakeDirsBeneath(const std::string& base, const std::string& sub,
                                        mode_t mode, const FileOwner& owner) {
  std::string base_path = HostPath(base);
  Fd cur(::open(base_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid()) return Fail(ErrnoError("opening", base_path, errno));
  std::string display = base_path;
  for (const auto& c : Components(sub)) {
    display = JoinPath(display, c);
    bool created = ::mkdirat(cur.get(), c.c_str(), mode) == 0;
    if (!created && errno != EEXIST) {
      return Fail(ErrnoError("creating directory", display, errno));
    }
    Fd next(OpenBeneath(cur.get(), c, O_RDONLY | O_DIRECTORY));
    if (!next.valid()) return Fail(BeneathError("opening directory", display, errno));
    if (created) {
      if (::fchown(next.get(), owner.uid, owner.gid) != 0) {
        return Fail(ErrnoError("chown", display, errno));
      }
      if (::fchmod(next.get(), mode) != 0) return Fail(ErrnoError("chmod", display, errno));
      // Durable with the caller's Sync(): one syncfs for a whole batch, not one fsync per dir.
    }
    cur = std::move(next);
  }
  return Ok();
}

Result<bool> PosixFilesystem::DirEmptyBeneath(const std::string& base, const std::string& sub) {
  std::string base_path = HostPath(base);
  std::string display = JoinPath(base_path, sub);
  Fd basefd(::open(base_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!basefd.valid()) {
    if (errno == ENOENT) return false;
    return Fail(ErrnoError("opening", base_path, errno));
  }
  int fd = OpenBeneath(basefd.get(), sub, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    return Fail(BeneathError("opening directory", display, errno));
  }
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    int e = errno;
    ::close(fd);
    return Fail(ErrnoError("listing", display, e));
  }
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

Status PosixFilesystem::CreateFileBeneath(const std::string& base, const std::string& sub,
                                          const std::string& content, mode_t mode,
                                          const FileOwner& owner) {
  std::string base_path = HostPath(base);
  std::string display = JoinPath(base_path, sub);
  auto [parent, name] = SplitParent(sub);
  if (name.empty() || name == "." || name == "..") {
    return Fail(Error::Invalid("creating " + display + ": not a file name"));
  }
  Fd basefd(::open(base_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!basefd.valid()) return Fail(ErrnoError("opening", base_path, errno));
  Fd dir(OpenBeneath(basefd.get(), parent, O_RDONLY | O_DIRECTORY));
  if (!dir.valid()) return Fail(BeneathError("opening directory", display, errno));
  // Written under a temporary name and renamed without replacing: a crash leaves either no file
  // or the whole file, never an empty one that would later count as "content present".
  struct stat existing {};
  if (::fstatat(dir.get(), name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) return Ok();
  const std::string tmp = "." + name + ".tmp";
  ::unlinkat(dir.get(), tmp.c_str(), 0);
  Fd fd(
      ::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return Fail(ErrnoError("creating", display, errno));
  auto cleanup = [&](Error e) {
    fd.Reset();
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return Fail(std::move(e));
  };
  if (::fchown(fd.get(), owner.uid, owner.gid) != 0) {
    return cleanup(ErrnoError("chown", display, errno));
  }
  if (::fchmod(fd.get(), mode) != 0) return cleanup(ErrnoError("chmod", display, errno));
  if (auto s = WriteAll(fd.get(), content, display); !s) return cleanup(s.error());
  if (::renameat2(dir.get(), tmp.c_str(), dir.get(), name.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {  // raced with another creator: theirs stays
      fd.Reset();
      ::unlinkat(dir.get(), tmp.c_str(), 0);
      return Ok();
    }
    return cleanup(ErrnoError("renaming into", display, errno));
  }
  return Ok();  // durable with the caller's Sync()
}

Status PosixFilesystem::RemoveTreeBeneath(const std::string& base, const std::string& sub) {
  std::string base_path = HostPath(base);
  std::string display = JoinPath(base_path, sub);
  auto [parent, name] = SplitParent(sub);
  if (name.empty() || name == "." || name == "..") {
    return Fail(Error::Invalid("removing " + display + ": refusing to remove the base itself"));
  }
  Fd basefd(::open(base_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!basefd.valid()) {
    if (errno == ENOENT) return Ok();
    return Fail(ErrnoError("opening", base_path, errno));
  }
  Fd dir(OpenBeneath(basefd.get(), parent, O_RDONLY | O_DIRECTORY));
  if (!dir.valid()) {
    if (errno == ENOENT) return Ok();
    return Fail(BeneathError("opening directory", display, errno));
  }
  HP_TRY(RemoveEntryAt(dir.get(), name, display));
  return FsyncFd(dir.get(), display);
}

}  // namespace hostplane
