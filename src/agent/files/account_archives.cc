#include "agent/files/account_archives.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "agent/files/file_errors.h"
#include "agent/files/open_parent.h"
#include "agent/files/remove_tree.h"
#include "common/fs/fd.h"
#include "protocol/file_path.h"

namespace hostplane::agent::files {

using protocol::CheckFileName;
using protocol::CheckFilePath;
using protocol::FilePath;

namespace {

constexpr size_t kBlockBytes = 64 * 1024;

struct ReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};
using Reader = std::unique_ptr<struct archive, ReadFree>;
using Writer = std::unique_ptr<struct archive, WriteFree>;
using EntryPtr = std::unique_ptr<struct archive_entry, EntryFree>;

Error Refused(ErrorCode kind, const std::string& code, const std::string& sentence) {
  return FieldError(kind, "path", code, sentence);
}

std::string LibError(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "unknown error";
}

Error Corrupt(struct archive* a) {
  return Refused(ErrorCode::kInvalid, "archive.corrupt",
                 "the archive cannot be read as a zip, tar or tar.gz: " + LibError(a));
}

// A reader of zip, tar (ustar, pax, GNU) and gzip-compressed tar over fd, from its start.
Result<Reader> OpenReader(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return Fail(Error::FromErrno("rewinding the archive", errno));
  Reader a(archive_read_new());
  if (!a) return Fail(Error::Internal("libarchive: out of memory"));
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_none(a.get());
  if (archive_read_open_fd(a.get(), fd, kBlockBytes) != ARCHIVE_OK) return Fail(Corrupt(a.get()));
  return a;
}

// The entry's path, checked as a path of the home (relative, canonical, no ".."): a leading
// "./" and a trailing '/' are dropped; the empty path is the archive's root folder.
Result<FilePath> EntryPath(struct archive_entry* e, int64_t index) {
  const char* raw = archive_entry_pathname(e);
  const std::string which = "entry " + std::to_string(index + 1);
  if (raw == nullptr) {
    return Fail(Refused(ErrorCode::kForbidden, "archive.path_refused", which + " has no path"));
  }
  std::string s(raw);
  while (s.size() >= 2 && s.compare(0, 2, "./") == 0) s.erase(0, 2);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s == ".") s.clear();
  auto p = CheckFilePath("entry", s);
  if (!p) {
    const std::string code = p.error().fields.empty() ? "path" : p.error().fields.begin()->second;
    return Fail(Refused(ErrorCode::kForbidden, "archive.path_refused",
                        which + "'s path is refused (" + code +
                            "): archives may only hold relative paths that stay inside"));
  }
  return *p;
}

// What an entry is, or its refusal: only files and folders are extracted.
Status CheckEntryType(struct archive_entry* e, int64_t index) {
  const std::string which = "entry " + std::to_string(index + 1);
  if (archive_entry_hardlink(e) != nullptr || archive_entry_filetype(e) == AE_IFLNK ||
      archive_entry_symlink(e) != nullptr) {
    return Fail(Refused(ErrorCode::kForbidden, "archive.link_refused",
                        which + " is a symbolic or hard link: archives with links are refused"));
  }
  const auto type = archive_entry_filetype(e);
  if (type != AE_IFREG && type != AE_IFDIR) {
    return Fail(Refused(ErrorCode::kForbidden, "archive.type_refused",
                        which + " is a device, FIFO or socket: only files and folders"));
  }
  return Ok();
}

Error TooLarge(const FileLimits& l) {
  return Refused(
      ErrorCode::kLimit, "archive.too_large",
      "the archive unpacks to more than " + std::to_string(l.max_archive_bytes) + " bytes");
}

Error Ratio(const FileLimits& l) {
  return Refused(ErrorCode::kLimit, "archive.ratio",
                 "the archive unpacks to more than " + std::to_string(l.max_archive_ratio) +
                     " times its size (a zip bomb?)");
}

// Bytes unpacked so far against the limits; archive_bytes is the archive file's size.
Status CheckBytes(const FileLimits& l, int64_t bytes, int64_t archive_bytes) {
  if (bytes > l.max_archive_bytes) return Fail(TooLarge(l));
  if (bytes > l.ratio_floor_bytes &&
      bytes / std::max<int64_t>(archive_bytes, 1) >= l.max_archive_ratio) {
    return Fail(Ratio(l));
  }
  return Ok();
}

// Pass 1: every header, nothing written.
Status Scan(int fd, int64_t archive_bytes, const FileLimits& l) {
  HP_ASSIGN_OR_RETURN(Reader a, OpenReader(fd));
  struct archive_entry* e = nullptr;
  int64_t index = 0;
  int64_t declared = 0;
  for (;; ++index) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return Fail(Corrupt(a.get()));
    if (index >= l.max_archive_entries) {
      return Fail(Refused(
          ErrorCode::kLimit, "archive.too_many",
          "the archive holds more than " + std::to_string(l.max_archive_entries) + " entries"));
    }
    HP_TRY(CheckEntryType(e, index));
    HP_TRY(EntryPath(e, index));
    if (archive_entry_size_is_set(e) != 0) {
      declared += std::max<int64_t>(archive_entry_size(e), 0);
      HP_TRY(CheckBytes(l, declared, archive_bytes));
    }
    if (archive_read_data_skip(a.get()) != ARCHIVE_OK) return Fail(Corrupt(a.get()));
  }
  return Ok();
}

// The folders of p below root (all but its last part), made as needed and opened.
Result<Fd> OpenFolders(FileOs& os, int root, const FilePath& p, size_t parts, int64_t index) {
  int fd = os.OpenBeneath(root, "", O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return Fail(ErrnoError("to", -fd, "opening the extraction folder"));
  Fd cur(fd);
  for (size_t i = 0; i < parts; ++i) {
    const std::string& name = p.parts[i];
    if (int rc = os.MkdirAt(cur.get(), name, 0755); rc < 0 && rc != -EEXIST) {
      return Fail(ErrnoError("to", -rc, "making a folder of the archive"));
    }
    int next = os.OpenBeneath(cur.get(), name, O_RDONLY | O_DIRECTORY, 0);
    if (next == -ENOTDIR) {
      return Fail(
          Refused(ErrorCode::kForbidden, "archive.path_refused",
                  "entry " + std::to_string(index + 1) + " lies inside a file of the archive"));
    }
    if (next < 0) return Fail(ErrnoError("to", -next, "opening a folder of the archive"));
    cur = Fd(next);
  }
  return cur;
}

// Pass 2: the entries into root (a new, empty folder).
Status Unpack(FileOs& os, int fd, int64_t archive_bytes, int root, const FileLimits& l,
              ArchiveResult& out) {
  HP_ASSIGN_OR_RETURN(Reader a, OpenReader(fd));
  struct archive_entry* e = nullptr;
  for (int64_t index = 0;; ++index) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return Fail(Corrupt(a.get()));
    if (index >= l.max_archive_entries) {
      return Fail(Refused(ErrorCode::kLimit, "archive.too_many", "the archive has grown"));
    }
    HP_TRY(CheckEntryType(e, index));
    HP_ASSIGN_OR_RETURN(FilePath p, EntryPath(e, index));
    if (p.home()) continue;  // "./": the target folder itself
    const bool folder = archive_entry_filetype(e) == AE_IFDIR;
    // As an upload's: files 0644 (0755 when the archive marks them executable), folders 0755,
    // whatever the archive says (a zip made elsewhere often says 0600 or nothing, which nginx
    // could not serve); the account may chmod them afterwards.
    const mode_t perm = folder || (archive_entry_perm(e) & 0100) != 0 ? 0755 : 0644;
    HP_ASSIGN_OR_RETURN(Fd parent, OpenFolders(os, root, p, p.parts.size() - 1, index));
    ++out.entries;
    if (folder) {
      if (int mk = os.MkdirAt(parent.get(), p.name(), perm); mk < 0 && mk != -EEXIST) {
        return Fail(ErrnoError("to", -mk, "making a folder of the archive"));
      }
      continue;
    }
    int ffd = os.OpenBeneath(parent.get(), p.name(), O_WRONLY | O_CREAT | O_EXCL, perm);
    if (ffd == -EEXIST || ffd == -EISDIR) {
      return Fail(Refused(ErrorCode::kForbidden, "archive.path_refused",
                          "entry " + std::to_string(index + 1) + " appears twice in the archive"));
    }
    if (ffd < 0) return Fail(ErrnoError("to", -ffd, "creating a file of the archive"));
    Fd file(ffd);
    const int64_t before = out.bytes;
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      int d = archive_read_data_block(a.get(), &buf, &size, &offset);
      if (d == ARCHIVE_EOF) break;
      if (d != ARCHIVE_OK) return Fail(Corrupt(a.get()));
      // Bytes are counted to the end of each block (holes included): a sparse entry is as
      // large as it claims.
      out.bytes =
          std::max(out.bytes, before + static_cast<int64_t>(offset) + static_cast<int64_t>(size));
      HP_TRY(CheckBytes(l, out.bytes, archive_bytes));
      const char* data = static_cast<const char*>(buf);
      for (size_t put = 0; put < size;) {
        ssize_t n = os.WriteAt(file.get(), data + put, size - put,
                               static_cast<off_t>(offset + static_cast<la_int64_t>(put)));
        if (n < 0) return Fail(ErrnoError("to", static_cast<int>(-n), "writing a file"));
        put += static_cast<size_t>(n);
      }
    }
  }
  return Ok();
}

// Adding the home's trees to an archive being written.
class Packer {
 public:
  Packer(FileOs& os, struct archive* w, const AccountIdentity& id, const FileLimits& l,
         const struct stat& self)
      : os_(os), w_(w), id_(id), l_(l), self_(self) {}

  Status Add(int dir, const std::string& name, const std::string& entry, int depth) {
    struct stat st {};
    if (int rc = os_.StatAt(dir, name, &st); rc < 0) {
      return Fail(ErrnoError("paths", -rc, "inspecting an entry to archive"));
    }
    if (st.st_dev == self_.st_dev && st.st_ino == self_.st_ino) return Ok();  // the archive
    if (S_ISLNK(st.st_mode)) {
      return Fail(FieldError(ErrorCode::kForbidden, "paths", "archive.link_refused",
                             "a symbolic link is never followed nor archived: delete it first"));
    }
    HP_TRY(CheckOwned(st, id_, "paths"));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
      return Fail(FieldError(ErrorCode::kInvalid, "paths", "archive.type_refused",
                             "only files and folders can be archived"));
    }
    if (++result.entries > l_.max_archive_entries) {
      return Fail(FieldError(
          ErrorCode::kLimit, "paths", "archive.too_many",
          "more than " + std::to_string(l_.max_archive_entries) + " entries in one archive"));
    }
    if (depth > l_.max_tree_depth) {
      return Fail(FieldError(ErrorCode::kLimit, "paths", "limit.tree",
                             "the folder is nested too deeply to archive"));
    }
    int fd = os_.OpenBeneath(dir, name,
                             O_RDONLY | O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0), 0);
    if (fd < 0) return Fail(ErrnoError("paths", -fd, "opening an entry to archive"));
    Fd f(fd);
    struct stat now {};
    if (int rc = os_.StatAt(f.get(), "", &now); rc < 0 || now.st_ino != st.st_ino ||
                                                now.st_dev != st.st_dev ||
                                                (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
      return Fail(FieldError(ErrorCode::kConflict, "paths", "file.changed",
                             "an entry changed while it was archived: try again"));
    }
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname_utf8(e.get(), entry.c_str());
    archive_entry_set_filetype(e.get(), S_ISDIR(st.st_mode) ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e.get(), st.st_mode & 0777);
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    archive_entry_set_size(e.get(), S_ISREG(st.st_mode) ? st.st_size : 0);
    if (S_ISREG(st.st_mode)) {
      result.bytes += st.st_size;
      if (result.bytes > l_.max_archive_bytes) {
        return Fail(FieldError(
            ErrorCode::kLimit, "paths", "archive.too_large",
            "the archive would hold more than " + std::to_string(l_.max_archive_bytes) + " bytes"));
      }
    }
    if (archive_write_header(w_, e.get()) != ARCHIVE_OK) return Fail(WriteError());
    if (S_ISREG(st.st_mode)) return Content(f.get(), st.st_size);
    std::vector<DirEntry> names;
    if (int rc = os_.ReadDir(f.get(), &names); rc < 0) {
      return Fail(ErrnoError("paths", -rc, "reading a folder to archive"));
    }
    std::sort(names.begin(), names.end(),
              [](const DirEntry& x, const DirEntry& y) { return x.name < y.name; });
    for (const auto& n : names) HP_TRY(Add(f.get(), n.name, entry + "/" + n.name, depth + 1));
    return Ok();
  }

  Error WriteError() {
    if (int err = archive_errno(w_); err == ENOSPC || err == EDQUOT) {
      return ErrnoError("to", err, "writing the archive");
    }
    return FieldError(ErrorCode::kIo, "to", "archive.write",
                      "writing the archive failed: " + LibError(w_));
  }

  ArchiveResult result;

 private:
  // Exactly `size` bytes (the header's): a file that grows or shrinks meanwhile is refused.
  Status Content(int fd, int64_t size) {
    if (buffer_.empty()) buffer_.resize(kBlockBytes);
    int64_t off = 0;
    while (off < size) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(size - off, kBlockBytes));
      ssize_t n = os_.ReadAt(fd, buffer_.data(), want, off);
      if (n < 0) return Fail(ErrnoError("paths", static_cast<int>(-n), "reading a file"));
      if (n == 0) break;
      if (archive_write_data(w_, buffer_.data(), static_cast<size_t>(n)) != n) {
        return Fail(WriteError());
      }
      off += n;
    }
    if (off != size) {
      return Fail(FieldError(ErrorCode::kConflict, "paths", "file.changed",
                             "a file shrank while it was archived: try again"));
    }
    return Ok();
  }

  FileOs& os_;
  struct archive* w_;
  AccountIdentity id_;
  const FileLimits& l_;
  struct stat self_;
  std::vector<char> buffer_;
};

enum class Format { kZip, kTar, kTarGz };

Result<Format> FormatOf(const std::string& name) {
  auto ends = [&](const std::string& s) {
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".zip")) return Format::kZip;
  if (ends(".tar")) return Format::kTar;
  if (ends(".tar.gz") || ends(".tgz")) return Format::kTarGz;
  return Fail(FieldError(ErrorCode::kInvalid, "to", "archive.format",
                         "an archive's name ends in .zip, .tar, .tar.gz or .tgz"));
}

std::string Hidden(const std::string& name, const char* suffix) {
  std::string s = "." + name;
  s.resize(std::min(s.size(), protocol::kMaxNameBytes));
  return s + suffix;
}

}  // namespace

Result<ArchiveResult> AccountArchives::Extract(const AccountHome& home, const ExtractRequest& r) {
  HP_ASSIGN_OR_RETURN(FilePath src, CheckFileName("path", r.path));
  HP_ASSIGN_OR_RETURN(FilePath to, CheckFileName("to", r.to));
  return RunAsAccount<ArchiveResult>(os_, home.id, [&]() -> Result<ArchiveResult> {
    int afd = os_.OpenBeneath(home.dir.get(), src.text(), O_RDONLY | O_NONBLOCK, 0);
    if (afd < 0) return Fail(ErrnoError("path", -afd, "opening the archive"));
    Fd archive_fd(afd);
    struct stat st {};
    if (int rc = os_.StatAt(archive_fd.get(), "", &st); rc < 0) {
      return Fail(ErrnoError("path", -rc, "inspecting the archive"));
    }
    if (!S_ISREG(st.st_mode)) {
      return Fail(FieldError(ErrorCode::kInvalid, "path", "file.not_regular",
                             "only a regular file can be extracted"));
    }
    HP_TRY(CheckOwnLink(st, home.id, "path"));
    HP_ASSIGN_OR_RETURN(Fd to_dir, OpenParent(os_, home, to, "to"));
    struct stat target {};
    if (int rc = os_.StatAt(to_dir.get(), to.name(), &target); rc != -ENOENT) {
      if (rc < 0) return Fail(ErrnoError("to", -rc, "inspecting the target"));
      return Fail(ErrnoError("to", EEXIST, "extracting"));
    }
    HP_TRY(Scan(archive_fd.get(), st.st_size, limits_));

    const std::string tmp = Hidden(to.name(), kExtractSuffix);
    TreeBudget debris{limits_.max_tree_entries, limits_.max_tree_depth};
    HP_TRY(RemoveEntry(os_, to_dir.get(), tmp, debris, "to"));  // of a killed extraction
    if (int rc = os_.MkdirAt(to_dir.get(), tmp, 0755); rc < 0) {
      return Fail(ErrnoError("to", -rc, "making the folder"));
    }
    ArchiveResult out;
    Status done = [&]() -> Status {
      int rfd = os_.OpenBeneath(to_dir.get(), tmp, O_RDONLY | O_DIRECTORY, 0);
      if (rfd < 0) return Fail(ErrnoError("to", -rfd, "opening the folder"));
      Fd root(rfd);
      HP_TRY(Unpack(os_, archive_fd.get(), st.st_size, root.get(), limits_, out));
      int rc = os_.RenameAt(to_dir.get(), tmp, to_dir.get(), to.name(), RENAME_NOREPLACE);
      if (rc == -EEXIST || rc == -ENOTEMPTY) return Fail(ErrnoError("to", EEXIST, "extracting"));
      if (rc < 0) return Fail(ErrnoError("to", -rc, "putting the folder in place"));
      return Ok();
    }();
    if (!done) {
      TreeBudget budget{limits_.max_tree_entries + limits_.max_archive_entries,
                        limits_.max_tree_depth + 1000};
      (void)RemoveEntry(os_, to_dir.get(), tmp, budget, "to");
      return Fail(std::move(done.error()));
    }
    return out;
  });
}

Result<ArchiveResult> AccountArchives::Create(const AccountHome& home,
                                              const CreateArchiveRequest& r) {
  HP_ASSIGN_OR_RETURN(FilePath to, CheckFileName("to", r.to));
  HP_ASSIGN_OR_RETURN(Format format, FormatOf(to.name()));
  if (r.paths.empty() || static_cast<int64_t>(r.paths.size()) > limits_.max_archive_entries) {
    return Fail(FieldError(ErrorCode::kInvalid, "paths", "archive.paths",
                           "name 1 to " + std::to_string(limits_.max_archive_entries) +
                               " files or folders to archive"));
  }
  std::vector<FilePath> paths;
  for (const auto& p : r.paths) {
    HP_ASSIGN_OR_RETURN(FilePath fp, CheckFileName("paths", p));
    paths.push_back(std::move(fp));
  }
  return RunAsAccount<ArchiveResult>(os_, home.id, [&]() -> Result<ArchiveResult> {
    HP_ASSIGN_OR_RETURN(Fd to_dir, OpenParent(os_, home, to, "to"));
    struct stat target {};
    if (int rc = os_.StatAt(to_dir.get(), to.name(), &target); rc != -ENOENT) {
      if (rc < 0) return Fail(ErrnoError("to", -rc, "inspecting the target"));
      return Fail(ErrnoError("to", EEXIST, "creating the archive"));
    }
    const std::string part = Hidden(to.name(), ".hp-part");
    if (int rc = os_.UnlinkAt(to_dir.get(), part, 0); rc < 0 && rc != -ENOENT) {
      return Fail(ErrnoError("to", -rc, "removing an old partial archive"));
    }
    int pfd = os_.OpenBeneath(to_dir.get(), part, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (pfd < 0) return Fail(ErrnoError("to", -pfd, "creating the archive"));
    Fd out_fd(pfd);
    struct stat self {};
    if (int rc = os_.StatAt(out_fd.get(), "", &self); rc < 0) {
      return Fail(ErrnoError("to", -rc, "inspecting the archive"));
    }
    ArchiveResult result;
    Status done = [&]() -> Status {
      Writer w(archive_write_new());
      if (!w) return Fail(Error::Internal("libarchive: out of memory"));
      if (format == Format::kZip) {
        archive_write_set_format_zip(w.get());
      } else {
        archive_write_set_format_pax_restricted(w.get());
        if (format == Format::kTarGz) archive_write_add_filter_gzip(w.get());
      }
      archive_write_set_bytes_in_last_block(w.get(), 1);
      Packer pack(os_, w.get(), home.id, limits_, self);
      if (archive_write_open_fd(w.get(), out_fd.get()) != ARCHIVE_OK) {
        return Fail(pack.WriteError());
      }
      for (const auto& p : paths) {
        HP_ASSIGN_OR_RETURN(Fd parent, OpenParent(os_, home, p, "paths"));
        HP_TRY(pack.Add(parent.get(), p.name(), p.name(), 0));
      }
      if (archive_write_close(w.get()) != ARCHIVE_OK) return Fail(pack.WriteError());
      result = pack.result;
      if (int rc = os_.Fsync(out_fd.get()); rc < 0) {
        return Fail(ErrnoError("to", -rc, "saving the archive"));
      }
      int rc = os_.RenameAt(to_dir.get(), part, to_dir.get(), to.name(), RENAME_NOREPLACE);
      if (rc < 0) return Fail(ErrnoError("to", -rc, "putting the archive in place"));
      return Ok();
    }();
    if (!done) {
      (void)os_.UnlinkAt(to_dir.get(), part, 0);
      return Fail(std::move(done.error()));
    }
    return result;
  });
}

}  // namespace hostplane::agent::files
