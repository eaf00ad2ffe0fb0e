#include "agent/files/remove_tree.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <vector>

#include "agent/files/file_errors.h"
#include "common/fs/fd.h"

namespace hostplane::agent::files {

Status RemoveTree(FileOs& os, int dir_fd, const std::string& name, TreeBudget& budget,
                  const std::string& field) {
  if (budget.depth_left-- <= 0) {
    return Fail(FieldError(ErrorCode::kLimit, field, "limit.tree",
                           "the folder is nested too deeply to delete at once"));
  }
  int fd = os.OpenBeneath(dir_fd, name, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return Fail(ErrnoError(field, -fd, "opening a folder to delete"));
  Fd dir(fd);
  std::vector<DirEntry> entries;
  if (int rc = os.ReadDir(dir.get(), &entries); rc < 0) {
    return Fail(ErrnoError(field, -rc, "reading a folder to delete"));
  }
  for (const auto& e : entries) {
    if (budget.entries_left-- <= 0) {
      return Fail(FieldError(ErrorCode::kLimit, field, "limit.tree",
                             "the folder holds too many entries to delete at once"));
    }
    struct stat st {};
    if (int rc = os.StatAt(dir.get(), e.name, &st); rc < 0) {
      if (rc == -ENOENT) continue;
      return Fail(ErrnoError(field, -rc, "inspecting an entry to delete"));
    }
    if (S_ISDIR(st.st_mode)) {
      HP_TRY(RemoveTree(os, dir.get(), e.name, budget, field));
    } else if (int rc2 = os.UnlinkAt(dir.get(), e.name, 0); rc2 < 0 && rc2 != -ENOENT) {
      return Fail(ErrnoError(field, -rc2, "deleting an entry"));
    }
  }
  ++budget.depth_left;
  if (int rc = os.UnlinkAt(dir_fd, name, AT_REMOVEDIR); rc < 0) {
    return Fail(ErrnoError(field, -rc, "deleting a folder"));
  }
  return Ok();
}

Status RemoveEntry(FileOs& os, int dir_fd, const std::string& name, TreeBudget& budget,
                   const std::string& field) {
  struct stat st {};
  if (int rc = os.StatAt(dir_fd, name, &st); rc < 0) {
    if (rc == -ENOENT) return Ok();
    return Fail(ErrnoError(field, -rc, "inspecting an entry to delete"));
  }
  if (S_ISDIR(st.st_mode)) return RemoveTree(os, dir_fd, name, budget, field);
  if (int rc = os.UnlinkAt(dir_fd, name, 0); rc < 0 && rc != -ENOENT) {
    return Fail(ErrnoError(field, -rc, "deleting an entry"));
  }
  return Ok();
}

}  // namespace hostplane::agent::files
