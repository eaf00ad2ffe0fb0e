#include "agent/files/trash_sweeper.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <vector>

#include "agent/files/account_files.h"
#include "agent/files/trash.h"
#include "common/fs/fd.h"

namespace hostplane::agent::files {

Result<SweepReport> TrashSweeper::SweepOnce(int64_t now_ns) {
  const int64_t cutoff = now_ns - int64_t{limits_.trash_days} * 86'400 * 1'000'000'000;
  int fd = os_.OpenBeneath(root_dir_, home_root_, O_RDONLY | O_DIRECTORY, 0);
  if (fd == -ENOENT) return SweepReport{};  // a node without homes (mail, DNS)
  if (fd < 0) return Fail(Error::FromErrno("opening the homes' folder " + home_root_, -fd));
  Fd homes(fd);
  std::vector<DirEntry> names;
  if (int rc = os_.ReadDir(homes.get(), &names); rc < 0) {
    return Fail(Error::FromErrno("reading the homes' folder " + home_root_, -rc));
  }
  AccountFiles files(os_, limits_);
  Trash trash(os_, limits_);
  SweepReport report;
  for (const auto& n : names) {
    struct stat st {};
    if (os_.StatAt(homes.get(), n.name, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid == 0 ||
        st.st_gid == 0) {
      continue;
    }
    ++report.homes;
    auto home = files.OpenHome(root_dir_, home_root_ + "/" + n.name, {st.st_uid, st.st_gid});
    Result<int64_t> removed =
        home ? trash.Expire(*home, cutoff) : Result<int64_t>(Fail(home.error()));
    if (!removed) {
      ++report.failed;
      spdlog::warn("files: expiring the trash of {}: {}", n.name, removed.error().message);
      continue;
    }
    report.removed += *removed;
  }
  return report;
}

void TrashSweeper::Start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    do {
      lock.unlock();
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      auto r = SweepOnce(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
      if (!r) {
        spdlog::warn("files: the trash's daily pass failed: {}", r.error().message);
      } else if (r->removed > 0 || r->failed > 0) {
        spdlog::info("files: the trash's daily pass removed {} entries in {} homes ({} failed)",
                     r->removed, r->homes, r->failed);
      }
      lock.lock();
    } while (!cv_.wait_for(lock, interval, [this] { return stopping_; }));
  });
}

void TrashSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hostplane::agent::files
