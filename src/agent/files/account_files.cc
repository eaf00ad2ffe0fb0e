#include "agent/files/account_files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "agent/files/file_errors.h"
#include "agent/files/open_parent.h"
#include "agent/files/remove_tree.h"
#include "protocol/file_path.h"

namespace hostplane::agent::files {

using protocol::CheckFileName;
using protocol::CheckFilePath;
using protocol::kMaxNameBytes;
namespace {

EntryType TypeOf(const struct stat& st) {
  if (S_ISREG(st.st_mode)) return EntryType::kFile;
  if (S_ISDIR(st.st_mode)) return EntryType::kDirectory;
  if (S_ISLNK(st.st_mode)) return EntryType::kSymlink;
  return EntryType::kOther;
}

}  // namespace

const char* EntryTypeName(EntryType t) {
  switch (t) {
    case EntryType::kFile:
      return "file";
    case EntryType::kDirectory:
      return "directory";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kOther:
      return "other";
    case EntryType::kForeign:
      return "foreign";
  }
  return "other";
}

Result<AccountHome> AccountFiles::OpenHome(int root_dir, const std::string& home_rel,
                                           AccountIdentity id) {
  int fd = os_.OpenBeneath(root_dir, home_rel, O_RDONLY | O_DIRECTORY, 0);
  if (fd == -ENOENT) return Fail(Error::NotFound("the account has no home on this node"));
  if (fd == -ELOOP) {
    return Fail(Error{ErrorCode::kForbidden,
                      "the account's home is a symbolic link",
                      {{"account", "home.symlink"}}});
  }
  if (fd < 0) return Fail(Error::FromErrno("opening the account's home", -fd));
  AccountHome home{Fd(fd), id};
  struct stat st {};
  if (int rc = os_.StatAt(home.dir.get(), "", &st); rc < 0) {
    return Fail(Error::FromErrno("inspecting the account's home", -rc));
  }
  if (st.st_uid != id.uid) {
    return Fail(Error{ErrorCode::kForbidden,
                      "the home is not owned by the account's user",
                      {{"account", "home.not_owned"}}});
  }
  return home;
}

Result<ListPage> AccountFiles::List(const AccountHome& home, const ListRequest& r) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFilePath("path", r.path));
  if (r.limit < 1 || r.limit > limits_.max_page_entries || r.offset < 0) {
    return Fail(FieldError(ErrorCode::kLimit, "limit", "limit.page",
                           "a page holds 1 to " + std::to_string(limits_.max_page_entries) +
                               " entries from an offset of 0 or more"));
  }
  return RunAsAccount<ListPage>(os_, home.id, [&]() -> Result<ListPage> {
    int fd = os_.OpenBeneath(home.dir.get(), p.text(), O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) return Fail(ErrnoError("path", -fd, "opening the folder"));
    Fd dir(fd);
    std::vector<DirEntry> names;
    if (int rc = os_.ReadDir(dir.get(), &names); rc < 0) {
      return Fail(ErrnoError("path", -rc, "reading the folder"));
    }
    std::vector<FileEntry> all;
    all.reserve(names.size());
    for (auto& n : names) {
      struct stat st {};
      if (int rc = os_.StatAt(dir.get(), n.name, &st); rc < 0) {
        if (rc == -ENOENT) continue;  // removed while we listed
        return Fail(ErrnoError("path", -rc, "inspecting an entry"));
      }
      FileEntry e;
      e.name = std::move(n.name);
      if (st.st_uid != home.id.uid) {
        e.type = EntryType::kForeign;
      } else {
        e.type = TypeOf(st);
        e.size = e.type == EntryType::kFile ? static_cast<int64_t>(st.st_size) : 0;
        e.mtime_ns = MtimeNs(st);
        e.mode = static_cast<int>(st.st_mode & 0777);
      }
      all.push_back(std::move(e));
    }
    auto less = [&](const FileEntry& a, const FileEntry& b) {
      switch (r.sort) {
        case SortKey::kSize:
          if (a.size != b.size) return a.size < b.size;
          break;
        case SortKey::kMtime:
          if (a.mtime_ns != b.mtime_ns) return a.mtime_ns < b.mtime_ns;
          break;
        case SortKey::kName:
          break;
      }
      return a.name < b.name;
    };
    if (r.descending) {
      std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) { return less(b, a); });
    } else {
      std::sort(all.begin(), all.end(), less);
    }
    ListPage page;
    page.total = static_cast<int64_t>(all.size());
    for (int64_t i = r.offset; i < page.total && i < r.offset + r.limit; ++i) {
      page.entries.push_back(std::move(all[static_cast<size_t>(i)]));
    }
    return page;
  });
}

Result<ReadChunk> AccountFiles::Read(const AccountHome& home, const ReadRequest& r) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFileName("path", r.path));
  if (r.length < 1 || r.length > limits_.max_chunk_bytes || r.offset < 0) {
    return Fail(FieldError(ErrorCode::kLimit, "length", "limit.chunk",
                           "a read returns 1 to " + std::to_string(limits_.max_chunk_bytes) +
                               " bytes from an offset of 0 or more"));
  }
  return RunAsAccount<ReadChunk>(os_, home.id, [&]() -> Result<ReadChunk> {
    // O_NONBLOCK: a FIFO planted in the home must not hang the agent.
    int fd = os_.OpenBeneath(home.dir.get(), p.text(), O_RDONLY | O_NONBLOCK, 0);
    if (fd < 0) return Fail(ErrnoError("path", -fd, "opening the file"));
    Fd file(fd);
    struct stat st {};
    if (int rc = os_.StatAt(file.get(), "", &st); rc < 0) {
      return Fail(ErrnoError("path", -rc, "inspecting the file"));
    }
    if (S_ISDIR(st.st_mode)) return Fail(ErrnoError("path", EISDIR, "reading"));
    if (!S_ISREG(st.st_mode)) {
      return Fail(FieldError(ErrorCode::kInvalid, "path", "file.not_regular",
                             "only regular files can be read"));
    }
    HP_TRY(CheckOwnLink(st, home.id, "path"));
    ReadChunk out;
    out.size = st.st_size;
    out.mtime_ns = MtimeNs(st);
    out.data.resize(static_cast<size_t>(r.length));
    size_t got = 0;
    while (got < out.data.size()) {
      ssize_t n = os_.ReadAt(file.get(), out.data.data() + got, out.data.size() - got,
                             static_cast<off_t>(r.offset + static_cast<int64_t>(got)));
      if (n < 0) return Fail(ErrnoError("path", static_cast<int>(-n), "reading the file"));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    out.data.resize(got);
    out.eof = r.offset + static_cast<int64_t>(got) >= out.size;
    return out;
  });
}

Result<WriteResult> AccountFiles::Write(const AccountHome& home, const WriteRequest& r) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFileName("path", r.path));
  if (r.offset < 0 || static_cast<int64_t>(r.data.size()) > limits_.max_chunk_bytes) {
    return Fail(FieldError(ErrorCode::kLimit, "data", "limit.chunk",
                           "a write carries at most " + std::to_string(limits_.max_chunk_bytes) +
                               " bytes at an offset of 0 or more"));
  }
  if (r.mode < 0 || r.mode > 0777) {
    return Fail(FieldError(ErrorCode::kInvalid, "mode", "mode.special",
                           "only permission bits (0 to 0777) may be set"));
  }
  return RunAsAccount<WriteResult>(os_, home.id, [&]() -> Result<WriteResult> {
    HP_ASSIGN_OR_RETURN(Fd parent, OpenParent(os_, home, p, "path"));
    const std::string part = "." + p.name() + kPartSuffix;
    Fd file;
    if (r.offset == 0) {
      // A new part every time: never reuse (and truncate) whatever is there under that name.
      if (int rc = os_.UnlinkAt(parent.get(), part, 0); rc < 0 && rc != -ENOENT) {
        return Fail(ErrnoError("path", -rc, "removing an old partial upload"));
      }
      int fd = os_.OpenBeneath(parent.get(), part, O_WRONLY | O_CREAT | O_EXCL,
                               static_cast<mode_t>(r.mode));
      if (fd < 0) return Fail(ErrnoError("path", -fd, "creating the file"));
      file = Fd(fd);
    } else {
      int fd = os_.OpenBeneath(parent.get(), part, O_WRONLY | O_NONBLOCK, 0);
      if (fd == -ENOENT) {
        return Fail(FieldError(ErrorCode::kConflict, "offset", "write.offset",
                               "no upload of this file is under way: start at offset 0"));
      }
      if (fd < 0) return Fail(ErrnoError("path", -fd, "opening the partial upload"));
      file = Fd(fd);
    }
    struct stat st {};
    if (int rc = os_.StatAt(file.get(), "", &st); rc < 0) {
      return Fail(ErrnoError("path", -rc, "inspecting the partial upload"));
    }
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != home.id.uid) {
      return Fail(FieldError(ErrorCode::kForbidden, "path", "file.foreign_link",
                             "the partial upload is not a file of the account's own"));
    }
    if (st.st_size != r.offset) {
      return Fail(FieldError(
          ErrorCode::kConflict, "offset", "write.offset",
          "the upload has " + std::to_string(st.st_size) + " bytes: the next chunk starts there"));
    }
    size_t put = 0;
    while (put < r.data.size()) {
      ssize_t n = os_.WriteAt(file.get(), r.data.data() + put, r.data.size() - put,
                              static_cast<off_t>(r.offset + static_cast<int64_t>(put)));
      if (n < 0) return Fail(ErrnoError("path", static_cast<int>(-n), "writing the file"));
      put += static_cast<size_t>(n);
    }
    WriteResult out;
    out.size = r.offset + static_cast<int64_t>(put);
    if (!r.last) return out;
    auto finished = Finish(parent.get(), file.get(), part, p, r, home.id);
    if (!finished) (void)os_.UnlinkAt(parent.get(), part, 0);  // no debris of a refused save
    return finished;
  });
}

Result<WriteResult> AccountFiles::Finish(int parent_fd, int part_fd, const std::string& part,
                                         const FilePath& p, const WriteRequest& r,
                                         const AccountIdentity& id) {
  WriteResult out;
  struct stat st {};

  struct stat target {};
  int trc = os_.StatAt(parent_fd, p.name(), &target);
  if (trc < 0 && trc != -ENOENT) return Fail(ErrnoError("path", -trc, "inspecting the file"));
  const bool exists = trc == 0;
  if (exists && r.exclusive) return Fail(ErrnoError("path", EEXIST, "creating the file"));
  if (exists) {
    if (S_ISDIR(target.st_mode)) return Fail(ErrnoError("path", EISDIR, "replacing"));
    if (!S_ISREG(target.st_mode)) {
      return Fail(FieldError(ErrorCode::kInvalid, "path", "file.not_regular",
                             "only a regular file can be replaced"));
    }
    HP_TRY(CheckOwned(target, id, "path"));
  }
  if (r.if_mtime_ns && (!exists || MtimeNs(target) != *r.if_mtime_ns)) {
    return Fail(FieldError(ErrorCode::kConflict, "if_mtime", "file.changed",
                           "the file changed since it was opened for editing: reload it"));
  }
  if (exists) {
    if (int rc = os_.Fchmod(part_fd, target.st_mode & 0777); rc < 0) {
      return Fail(ErrnoError("path", -rc, "keeping the file's permissions"));
    }
  }
  if (int rc = os_.Fsync(part_fd); rc < 0) {
    return Fail(ErrnoError("path", -rc, "saving the file"));
  }
  if (int rc =
          os_.RenameAt(parent_fd, part, parent_fd, p.name(), r.exclusive ? RENAME_NOREPLACE : 0);
      rc < 0) {
    return Fail(ErrnoError("path", -rc, "putting the file in place"));
  }
  if (int rc = os_.Fsync(parent_fd); rc < 0) {
    return Fail(ErrnoError("path", -rc, "saving the folder"));
  }
  if (int rc = os_.StatAt(part_fd, "", &st); rc < 0) {
    return Fail(ErrnoError("path", -rc, "inspecting the file"));
  }
  out.size = st.st_size;
  out.mtime_ns = MtimeNs(st);
  out.done = true;
  return out;
}

Status AccountFiles::Mkdir(const AccountHome& home, const std::string& path, int mode) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFileName("path", path));
  if (mode < 0 || mode > 0777) {
    return Fail(FieldError(ErrorCode::kInvalid, "mode", "mode.special",
                           "only permission bits (0 to 0777) may be set"));
  }
  return RunAsAccount<void>(os_, home.id, [&]() -> Status {
    HP_ASSIGN_OR_RETURN(Fd parent, OpenParent(os_, home, p, "path"));
    if (int rc = os_.MkdirAt(parent.get(), p.name(), static_cast<mode_t>(mode)); rc < 0) {
      return Fail(ErrnoError("path", -rc, "making the folder"));
    }
    return Ok();
  });
}

Status AccountFiles::Move(const AccountHome& home, const std::string& from, const std::string& to) {
  HP_ASSIGN_OR_RETURN(FilePath f, CheckFileName("from", from));
  HP_ASSIGN_OR_RETURN(FilePath t, CheckFileName("to", to));
  return RunAsAccount<void>(os_, home.id, [&]() -> Status {
    HP_ASSIGN_OR_RETURN(Fd from_dir, OpenParent(os_, home, f, "from"));
    HP_ASSIGN_OR_RETURN(Fd to_dir, OpenParent(os_, home, t, "to"));
    struct stat st {};
    if (int rc = os_.StatAt(from_dir.get(), f.name(), &st); rc < 0) {
      return Fail(ErrnoError("from", -rc, "moving"));
    }
    HP_TRY(CheckOwnLink(st, home.id, "from"));
    int rc = os_.RenameAt(from_dir.get(), f.name(), to_dir.get(), t.name(), RENAME_NOREPLACE);
    if (rc == -EINVAL) {
      return Fail(FieldError(ErrorCode::kInvalid, "to", "move.into_itself",
                             "a folder cannot be moved into itself"));
    }
    if (rc == -EEXIST || rc == -ENOTEMPTY) return Fail(ErrnoError("to", EEXIST, "moving"));
    if (rc < 0) return Fail(ErrnoError("from", -rc, "moving"));
    return Ok();
  });
}

Result<std::string> AccountFiles::Delete(const AccountHome& home, const std::string& path,
                                         bool at_once) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFileName("path", path));
  if (p.parts[0] == kTrashDir) at_once = true;  // what is in the trash goes for good
  return RunAsAccount<std::string>(os_, home.id, [&]() -> Result<std::string> {
    HP_ASSIGN_OR_RETURN(Fd parent, OpenParent(os_, home, p, "path"));
    struct stat st {};
    if (int rc = os_.StatAt(parent.get(), p.name(), &st); rc < 0) {
      return Fail(ErrnoError("path", -rc, "deleting"));
    }
    if (at_once) {
      if (S_ISDIR(st.st_mode)) {
        TreeBudget budget{limits_.max_tree_entries, limits_.max_tree_depth};
        HP_TRY(RemoveTree(os_, parent.get(), p.name(), budget, "path"));
      } else if (int rc = os_.UnlinkAt(parent.get(), p.name(), 0); rc < 0) {
        return Fail(ErrnoError("path", -rc, "deleting"));
      }
      return std::string();
    }
    if (int rc = os_.MkdirAt(home.dir.get(), kTrashDir, 0700); rc < 0 && rc != -EEXIST) {
      return Fail(ErrnoError("path", -rc, "making the trash folder"));
    }
    int tfd = os_.OpenBeneath(home.dir.get(), kTrashDir, O_RDONLY | O_DIRECTORY, 0);
    if (tfd < 0) {
      return Fail(FieldError(ErrorCode::kForbidden, "path", "trash.unusable",
                             "the trash folder (" + std::string(kTrashDir) +
                                 ") is not a folder of the account's: delete at once instead"));
    }
    Fd trash(tfd);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    std::string name =
        std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) + "-" +
        p.name();
    if (name.size() > kMaxNameBytes) name.resize(kMaxNameBytes);
    if (int rc = os_.RenameAt(parent.get(), p.name(), trash.get(), name, RENAME_NOREPLACE);
        rc < 0) {
      return Fail(ErrnoError("path", -rc, "moving to the trash"));
    }
    return name;
  });
}

Status AccountFiles::Chmod(const AccountHome& home, const std::string& path, int mode) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFileName("path", path));
  if (mode < 0 || mode > 0777) {
    return Fail(FieldError(ErrorCode::kInvalid, "mode", "mode.special",
                           "only permission bits (0 to 0777) may be set; not setuid, setgid or "
                           "sticky"));
  }
  return RunAsAccount<void>(os_, home.id, [&]() -> Status {
    int fd = os_.OpenBeneath(home.dir.get(), p.text(), O_RDONLY | O_NONBLOCK, 0);
    if (fd < 0) return Fail(ErrnoError("path", -fd, "opening"));
    Fd file(fd);
    struct stat st {};
    if (int rc = os_.StatAt(file.get(), "", &st); rc < 0) {
      return Fail(ErrnoError("path", -rc, "inspecting"));
    }
    HP_TRY(CheckOwned(st, home.id, "path"));
    if (int rc = os_.Fchmod(file.get(), static_cast<mode_t>(mode)); rc < 0) {
      return Fail(ErrnoError("path", -rc, "changing permissions"));
    }
    return Ok();
  });
}

}  // namespace hostplane::agent::files
