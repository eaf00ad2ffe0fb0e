#pragma once

// The agent's daily pass over the trash of every home on the node (trash.h): once when it
// starts, then every `interval`, each folder <home_root>/<login> owned by a user other than root
// has the entries its trash held for longer than FileLimits::trash_days removed, as that user.
// A home that fails (a trash that is not a folder, a tree over the limits) is logged and the
// pass goes on.
//
// Thread-safe: Start and Stop from one thread; the pass runs on a thread of its own.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "agent/files/account_home.h"
#include "agent/files/file_os.h"
#include "common/result.h"

namespace hostplane::agent::files {

struct SweepReport {
  int64_t homes = 0;    // homes looked at
  int64_t removed = 0;  // trash entries removed
  int64_t failed = 0;   // homes whose trash could not be expired
};

class TrashSweeper {
 public:
  // root_dir: a descriptor of the Filesystem root (kept open by the caller); home_root: the
  // root-relative folder of the homes.
  TrashSweeper(FileOs& os, FileLimits limits, int root_dir, std::string home_root)
      : os_(os), limits_(limits), root_dir_(root_dir), home_root_(std::move(home_root)) {}
  ~TrashSweeper() { Stop(); }
  TrashSweeper(const TrashSweeper&) = delete;
  TrashSweeper& operator=(const TrashSweeper&) = delete;

  // One pass: entries trashed before now_ns - trash_days are removed.
  [[nodiscard]] Result<SweepReport> SweepOnce(int64_t now_ns);

  void Start(std::chrono::milliseconds interval);
  void Stop();

 private:
  FileOs& os_;
  FileLimits limits_;
  int root_dir_;
  std::string home_root_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace hostplane::agent::files
