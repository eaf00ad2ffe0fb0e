#include "agent/files/trash.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <limits>
#include <vector>

#include "agent/files/account_files.h"
#include "agent/files/file_errors.h"
#include "agent/files/remove_tree.h"
#include "common/fs/fd.h"

namespace hostplane::agent::files {
namespace {

// When the entry was trashed: its name's "<ns>-" prefix, else its ctime.
int64_t TrashedAt(const std::string& name, const struct stat& st) {
  int64_t ns = 0;
  const char* end = name.data() + name.size();
  auto [p, ec] = std::from_chars(name.data(), end, ns);
  if (ec == std::errc() && p != name.data() && p != end && *p == '-') return ns;
  return int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
}

}  // namespace

Result<int64_t> Trash::Expire(const AccountHome& home, int64_t cutoff_ns) {
  return RunAsAccount<int64_t>(os_, home.id, [&]() -> Result<int64_t> {
    int fd = os_.OpenBeneath(home.dir.get(), kTrashDir, O_RDONLY | O_DIRECTORY, 0);
    if (fd == -ENOENT) return int64_t{0};
    if (fd < 0) {
      return Fail(FieldError(
          ErrorCode::kForbidden, "trash", "trash.unusable",
          "the trash folder (" + std::string(kTrashDir) + ") is not a folder of the account's"));
    }
    Fd trash(fd);
    struct stat self {};
    if (int rc = os_.StatAt(trash.get(), "", &self); rc < 0 || self.st_uid != home.id.uid) {
      return Fail(FieldError(ErrorCode::kForbidden, "trash", "trash.unusable",
                             "the trash folder is not the account's own"));
    }
    std::vector<DirEntry> names;
    if (int rc = os_.ReadDir(trash.get(), &names); rc < 0) {
      return Fail(ErrnoError("trash", -rc, "reading the trash"));
    }
    TreeBudget budget{limits_.max_tree_entries, limits_.max_tree_depth};
    int64_t removed = 0;
    for (const auto& n : names) {
      struct stat st {};
      if (int rc = os_.StatAt(trash.get(), n.name, &st); rc < 0) {
        if (rc == -ENOENT) continue;
        return Fail(ErrnoError("trash", -rc, "inspecting the trash"));
      }
      if (TrashedAt(n.name, st) >= cutoff_ns) continue;
      HP_TRY(RemoveEntry(os_, trash.get(), n.name, budget, "trash"));
      ++removed;
    }
    return removed;
  });
}

Result<int64_t> Trash::Empty(const AccountHome& home) {
  return Expire(home, std::numeric_limits<int64_t>::max());
}

}  // namespace hostplane::agent::files
