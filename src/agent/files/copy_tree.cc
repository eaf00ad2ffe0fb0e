#include "agent/files/copy_tree.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "agent/files/file_errors.h"
#include "agent/files/open_parent.h"
#include "agent/files/remove_tree.h"
#include "common/fs/fd.h"
#include "protocol/file_path.h"

namespace hostplane::agent::files {

using protocol::CheckFileName;
using protocol::FilePath;

namespace {

constexpr size_t kBufferBytes = 1 << 20;

struct CopyBudget {
  int64_t bytes_left;
  int64_t entries_left;
  int depth_left;
};

class TreeCopy {
 public:
  TreeCopy(FileOs& os, const AccountIdentity& id, CopyBudget budget)
      : os_(os), id_(id), budget_(budget) {}

  // Copies src_dir/src (whatever it is) to dst_dir/dst, which must not exist.
  Status Entry(int src_dir, const std::string& src, int dst_dir, const std::string& dst) {
    if (budget_.entries_left-- <= 0) {
      return Fail(FieldError(ErrorCode::kLimit, "from", "limit.tree",
                             "the folder holds too many entries to copy at once"));
    }
    struct stat st {};
    if (int rc = os_.StatAt(src_dir, src, &st); rc < 0) {
      return Fail(ErrnoError("from", -rc, "inspecting an entry to copy"));
    }
    if (S_ISLNK(st.st_mode)) {
      return Fail(FieldError(ErrorCode::kForbidden, "from", "path.symlink",
                             "the copy meets a symbolic link, which is never followed nor "
                             "copied: delete or replace it first"));
    }
    HP_TRY(CheckOwned(st, id_, "from"));
    ++result.entries;
    if (S_ISDIR(st.st_mode)) return Folder(src_dir, src, st, dst_dir, dst);
    if (S_ISREG(st.st_mode)) return File(src_dir, src, st, dst_dir, dst);
    return Fail(FieldError(ErrorCode::kInvalid, "from", "file.not_regular",
                           "only files and folders can be copied (not a FIFO, socket or device)"));
  }

  CopyResult result;

 private:
  Status Folder(int src_dir, const std::string& src, const struct stat& st, int dst_dir,
                const std::string& dst) {
    if (budget_.depth_left-- <= 0) {
      return Fail(FieldError(ErrorCode::kLimit, "from", "limit.tree",
                             "the folder is nested too deeply to copy"));
    }
    int sfd = os_.OpenBeneath(src_dir, src, O_RDONLY | O_DIRECTORY, 0);
    if (sfd < 0) return Fail(ErrnoError("from", -sfd, "opening a folder to copy"));
    Fd from(sfd);
    if (int rc = os_.MkdirAt(dst_dir, dst, (st.st_mode & 0777) | 0700); rc < 0) {
      return Fail(ErrnoError("to", -rc, "making a folder of the copy"));
    }
    int dfd = os_.OpenBeneath(dst_dir, dst, O_RDONLY | O_DIRECTORY, 0);
    if (dfd < 0) return Fail(ErrnoError("to", -dfd, "opening a folder of the copy"));
    Fd to(dfd);
    std::vector<DirEntry> names;
    if (int rc = os_.ReadDir(from.get(), &names); rc < 0) {
      return Fail(ErrnoError("from", -rc, "reading a folder to copy"));
    }
    for (const auto& n : names) HP_TRY(Entry(from.get(), n.name, to.get(), n.name));
    ++budget_.depth_left;
    return Ok();
  }

  Status File(int src_dir, const std::string& src, const struct stat& st, int dst_dir,
              const std::string& dst) {
    // O_NONBLOCK: the entry may have been swapped for a FIFO since it was inspected.
    int sfd = os_.OpenBeneath(src_dir, src, O_RDONLY | O_NONBLOCK, 0);
    if (sfd < 0) return Fail(ErrnoError("from", -sfd, "opening a file to copy"));
    Fd from(sfd);
    struct stat now {};
    if (int rc = os_.StatAt(from.get(), "", &now); rc < 0) {
      return Fail(ErrnoError("from", -rc, "inspecting a file to copy"));
    }
    if (now.st_ino != st.st_ino || now.st_dev != st.st_dev || !S_ISREG(now.st_mode)) {
      return Fail(FieldError(ErrorCode::kConflict, "from", "file.changed",
                             "a file changed while it was being copied: try again"));
    }
    int dfd = os_.OpenBeneath(dst_dir, dst, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777);
    if (dfd < 0) return Fail(ErrnoError("to", -dfd, "creating a file of the copy"));
    Fd to(dfd);
    if (buffer_.empty()) buffer_.resize(kBufferBytes);
    for (off_t off = 0;;) {
      ssize_t n = os_.ReadAt(from.get(), buffer_.data(), buffer_.size(), off);
      if (n < 0) return Fail(ErrnoError("from", static_cast<int>(-n), "reading a file to copy"));
      if (n == 0) break;
      if ((budget_.bytes_left -= n) < 0) {
        return Fail(FieldError(ErrorCode::kLimit, "from", "limit.copy",
                               "the copy would write more than the limit of one copy"));
      }
      for (ssize_t put = 0; put < n;) {
        ssize_t w =
            os_.WriteAt(to.get(), buffer_.data() + put, static_cast<size_t>(n - put), off + put);
        if (w < 0) return Fail(ErrnoError("to", static_cast<int>(-w), "writing the copy"));
        put += w;
      }
      off += n;
      result.bytes += n;
    }
    return Ok();
  }

  FileOs& os_;
  AccountIdentity id_;
  CopyBudget budget_;
  std::vector<char> buffer_;
};

}  // namespace

Result<CopyResult> FileCopier::Copy(const AccountHome& home, const CopyRequest& r) {
  HP_ASSIGN_OR_RETURN(FilePath f, CheckFileName("from", r.from));
  HP_ASSIGN_OR_RETURN(FilePath t, CheckFileName("to", r.to));
  const std::string from_text = f.text();
  const std::string to_text = t.text();
  if (to_text == from_text ||
      (to_text.size() > from_text.size() && to_text.compare(0, from_text.size(), from_text) == 0 &&
       to_text[from_text.size()] == '/')) {
    return Fail(FieldError(ErrorCode::kInvalid, "to", "copy.into_itself",
                           "a file or folder cannot be copied onto or into itself"));
  }
  return RunAsAccount<CopyResult>(os_, home.id, [&]() -> Result<CopyResult> {
    HP_ASSIGN_OR_RETURN(Fd from_dir, OpenParent(os_, home, f, "from"));
    HP_ASSIGN_OR_RETURN(Fd to_dir, OpenParent(os_, home, t, "to"));
    struct stat target {};
    int trc = os_.StatAt(to_dir.get(), t.name(), &target);
    if (trc < 0 && trc != -ENOENT) return Fail(ErrnoError("to", -trc, "inspecting the target"));
    if (trc == 0) {
      if (!r.overwrite) return Fail(ErrnoError("to", EEXIST, "copying"));
      HP_TRY(CheckOwned(target, home.id, "to"));
    }
    std::string tmp = "." + t.name();
    tmp.resize(std::min(tmp.size(), protocol::kMaxNameBytes));
    tmp += kCopySuffix;
    TreeBudget cleanup{limits_.max_tree_entries, limits_.max_tree_depth};
    HP_TRY(RemoveEntry(os_, to_dir.get(), tmp, cleanup, "to"));  // debris of a killed copy
    TreeCopy copy(os_, home.id,
                  {limits_.max_copy_bytes, limits_.max_tree_entries, limits_.max_tree_depth});
    Status done = copy.Entry(from_dir.get(), f.name(), to_dir.get(), tmp);
    if (done) {
      int rc = os_.RenameAt(to_dir.get(), tmp, to_dir.get(), t.name(),
                            r.overwrite ? 0 : RENAME_NOREPLACE);
      if (rc == -ENOTEMPTY || rc == -EEXIST) {
        done = Fail(ErrnoError("to", EEXIST, "putting the copy in place"));
      } else if (rc < 0) {
        done = Fail(ErrnoError("to", -rc, "putting the copy in place"));
      }
    }
    if (!done) {
      TreeBudget budget{limits_.max_tree_entries, limits_.max_tree_depth};
      (void)RemoveEntry(os_, to_dir.get(), tmp, budget, "to");
      return Fail(std::move(done.error()));
    }
    return copy.result;
  });
}

}  // namespace hostplane::agent::files
