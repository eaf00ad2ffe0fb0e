#include "agent/batch_applier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <utility>

namespace hostplane::agent {
namespace {

using protocol::Task;
using protocol::TaskOutcome;
using Json = nlohmann::json;

// One live file the batch changes.
struct Change {
  size_t task;
  std::string path;
  std::optional<std::string> old_content;
  std::optional<std::string> new_content;
  mode_t mode;
  std::optional<FileOwner> owner;
  bool live = false;  // the new content is in place
};

TaskOutcome OutcomeFor(const Error& e) {
  return e.retryable() ? TaskOutcome::kRetry : TaskOutcome::kFailed;
}

Status Put(Filesystem& fs, const std::string& path, const std::optional<std::string>& content,
           mode_t mode, const std::optional<FileOwner>& owner) {
  if (content && owner)
    return fs.ApplyFiles(std::vector<FileWrite>{FileWrite(path, content, mode, owner)});
  if (content) return fs.WriteFileAtomic(path, *content, mode);
  return fs.RemoveFile(path);
}

// The batch record is CBOR (nlohmann::json's binary format): previous contents are arbitrary
// bytes, which JSON text cannot carry without an extra encoding.
std::string EncodeRecord(const std::string& driver, const std::vector<Change>& changes) {
  Json files = Json::array();
  for (const auto& c : changes) {
    Json f{{"path", c.path}, {"mode", c.mode}};
    if (c.owner) {
      f["uid"] = c.owner->uid;
      f["gid"] = c.owner->gid;
    }
    if (c.old_content) {
      f["old"] = Json::binary(std::vector<uint8_t>(c.old_content->begin(), c.old_content->end()));
    } else {
      f["old"] = nullptr;
    }
    files.push_back(std::move(f));
  }
  std::vector<uint8_t> bytes = Json::to_cbor(Json{{"driver", driver}, {"files", files}});
  return std::string(bytes.begin(), bytes.end());
}

struct RecordedFile {
  std::string path;
  std::optional<std::string> old_content;
  mode_t mode;
  std::optional<FileOwner> owner;
};

Result<std::vector<RecordedFile>> DecodeRecord(const std::string& data, const std::string& where) {
  Json j = Json::from_cbor(data, /*strict=*/true, /*allow_exceptions=*/false);
  auto bad = [&] { return Fail(Error::Io("batch record " + where + " is unreadable")); };
  if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_array()) {
    return bad();
  }
  std::vector<RecordedFile> out;
  for (const auto& f : j["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("old") ||
        !f.contains("mode") || !f["mode"].is_number_unsigned()) {
      return bad();
    }
    RecordedFile r{f["path"].get<std::string>(), std::nullopt, f["mode"].get<mode_t>(), {}};
    if (f.contains("uid") || f.contains("gid")) {
      if (!f.contains("uid") || !f.contains("gid") || !f["uid"].is_number_unsigned() ||
          !f["gid"].is_number_unsigned()) {
        return bad();
      }
      r.owner = FileOwner{f["uid"].get<uid_t>(), f["gid"].get<gid_t>()};
    }
    if (f["old"].is_binary()) {
      const auto& b = f["old"].get_binary();
      r.old_content = std::string(b.begin(), b.end());
    } else if (!f["old"].is_null()) {
      return bad();
    }
    out.push_back(std::move(r));
  }
  return out;
}

// The state of one Apply call.
class BatchRun {
 public:
  BatchRun(Filesystem& fs, ServiceDriver& driver, const std::vector<Task>& tasks,
           std::chrono::milliseconds write_delay, BatchOutcome& out)
      : fs_(fs),
        driver_(driver),
        tasks_(tasks),
        write_delay_(write_delay),
        out_(out),
        final_(tasks.size(), false) {}

  void SetResult(size_t i, TaskOutcome outcome, const std::string& detail) {
    if (final_[i]) return;
    final_[i] = true;
    out_.results[i].outcome = outcome;
    out_.results[i].detail = detail;
  }
  bool Pending(size_t i) const { return !final_[i]; }

  // Renders, checks for files claimed twice, prepares; then diffs against the live files.
  void Plan() {
    std::map<std::string, size_t> claimed;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      auto files = driver_.Render(tasks_[i]);
      if (!files) {
        SetResult(i, OutcomeFor(files.error()), files.error().message);
        continue;
      }
      bool clash = false;
      for (const auto& f : *files) {
        auto [it, inserted] = claimed.emplace(f.path, i);
        if (!inserted && it->second != i) {
          SetResult(i, TaskOutcome::kFailed,
                    "file " + f.path + " is also written by task " +
                        std::to_string(tasks_[it->second].id) + " of this batch");
          clash = true;
          break;
        }
      }
      if (clash) continue;
      if (auto p = driver_.Prepare(tasks_[i]); !p) {
        SetResult(i, OutcomeFor(p.error()), p.error().message);
        continue;
      }
      out_.files[i] = std::move(*files);
    }
    // What Prepare made (docroots, default pages) becomes durable with one sync for the batch.
    if (auto s = fs_.Sync(); !s) {
      for (size_t i = 0; i < tasks_.size(); ++i)
        SetResult(i, TaskOutcome::kRetry, s.error().message);
      return;
    }
    for (size_t i = 0; i < tasks_.size(); ++i) {
      if (!Pending(i)) continue;
      std::vector<Change> mine;
      for (const auto& f : out_.files[i]) {
        auto cur = fs_.ReadFile(f.path);
        if (!cur) {
          SetResult(i, TaskOutcome::kRetry, cur.error().message);
          mine.clear();
          break;
        }
        if (*cur == f.content) continue;
        mine.push_back(Change{i, f.path, std::move(*cur), f.content, f.mode, f.owner});
      }
      for (auto& c : mine) changes_.push_back(std::move(c));
    }
  }

  bool HasChanges() const { return !changes_.empty(); }
  const std::vector<Change>& changes() const { return changes_; }

  // Puts the new (live=true) or old (live=false) content of task i's files in place.
  Status SetLive(size_t task, bool live) {
    for (auto& c : changes_) {
      if (c.task != task || c.live == live) continue;
      HP_TRY(Put(fs_, c.path, live ? c.new_content : c.old_content, c.mode, c.owner));
      c.live = live;
      if (live && write_delay_.count() > 0) std::this_thread::sleep_for(write_delay_);
    }
    return Ok();
  }
  // Puts the new content of every pending task's files in place at once: one sync for all the
  // data, one fsync per directory (Filesystem::ApplyFiles), instead of two fsyncs per file.
  Status SetAllLive() {
    std::vector<FileWrite> writes;
    std::vector<Change*> which;
    for (auto& c : changes_) {
      if (c.live || !Pending(c.task)) continue;
      writes.push_back({c.path, c.new_content, c.mode, c.owner});
      which.push_back(&c);
    }
    size_t done = 0;
    auto after_each = [&] {
      which[done++]->live = true;
      if (write_delay_.count() > 0) std::this_thread::sleep_for(write_delay_);
    };
    return fs_.ApplyFiles(writes, after_each);
  }
  bool IsLive(size_t task) const {
    return std::any_of(changes_.begin(), changes_.end(),
                       [&](const Change& c) { return c.task == task && c.live; });
  }

  // Puts every file back to its previous content. On failure the batch record must stay.
  Status RestoreAll() {
    Status first = Ok();
    for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
      if (!it->live) continue;
      if (auto s = Put(fs_, it->path, it->old_content, it->mode, it->owner); !s) {
        if (first) first = s;
        continue;
      }
      it->live = false;
    }
    return first;
  }

  // Tasks still pending with at least one changed file live.
  std::vector<size_t> LiveTasks() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      if (Pending(i) && IsLive(i)) out.push_back(i);
    }
    return out;
  }

  // Fails every live task with e (after restoring their files).
  void AbortLive(const Error& e) { AbortTasks(LiveTasks(), e); }

  // Restores every file and fails the given tasks with e.
  void AbortTasks(const std::vector<size_t>& live, const Error& e) {
    if (auto s = RestoreAll(); !s) {
      restore_failed_ = true;
      spdlog::error("{}: restoring the previous files failed: {}", driver_.Name(),
                    s.error().message);
    } else if (auto a = driver_.Assemble(); !a) {
      restore_failed_ = true;
      spdlog::error("{}: rebuilding derived files after the restore failed: {}", driver_.Name(),
                    a.error().message);
    }
    for (size_t i : live) SetResult(i, OutcomeFor(e), e.message);
  }

  Result<Verdict> Validate() {
    ++out_.validations;
    if (auto a = driver_.Assemble(); !a) return Fail(a.error());
    return driver_.Validate();
  }

  // With the validator refusing and no batch file named: takes every task out, checks the rest
  // of the configuration is sound, then bisects. Returns the culprit, or nullopt when the
  // configuration is refused even without this batch.
  Result<std::optional<size_t>> Bisect(const std::vector<size_t>& live) {
    for (size_t t : live) HP_TRY(SetLive(t, false));
    HP_ASSIGN_OR_RETURN(auto base, Validate());
    if (!base.ok) return std::optional<size_t>();
    std::vector<size_t> suspects = live;
    while (suspects.size() > 1) {
      std::vector<size_t> h1(suspects.begin(), suspects.begin() + suspects.size() / 2);
      std::vector<size_t> h2(suspects.begin() + suspects.size() / 2, suspects.end());
      for (size_t t : h1) HP_TRY(SetLive(t, true));
      HP_ASSIGN_OR_RETURN(auto v, Validate());
      if (v.ok) {
        suspects = std::move(h2);  // h1 is sound and stays live
      } else {
        for (size_t t : h1) HP_TRY(SetLive(t, false));
        suspects = std::move(h1);
      }
    }
    size_t culprit = suspects.front();
    for (size_t t : live) {
      if (t != culprit) HP_TRY(SetLive(t, true));
    }
    return std::optional<size_t>(culprit);
  }

  // Validates until the live configuration is accepted, taking out one culprit at a time.
  // Returns false when the batch was aborted.
  bool ValidateLoop() {
    for (;;) {
      auto live = LiveTasks();
      if (live.empty()) return true;
      auto v = Validate();
      if (!v) {
        AbortLive(v.error().Wrap(driver_.Name() + " validator did not run"));
        return false;
      }
      if (v->ok) return true;
      std::optional<size_t> culprit;
      if (v->file) {
        for (const auto& c : changes_) {
          if (c.live && c.path == *v->file && Pending(c.task)) culprit = c.task;
        }
      }
      if (!culprit) {
        auto b = Bisect(live);
        if (!b) {
          AbortTasks(live, b.error());
          return false;
        }
        if (!*b) {
          AbortTasks(live, Error::Validation(v->message));
          return false;
        }
        culprit = **b;
      }
      spdlog::warn("{}: task {} ({}) refused by the validator: {}", driver_.Name(),
                   tasks_[*culprit].id, tasks_[*culprit].object_key, v->message);
      if (auto s = SetLive(*culprit, false); !s) {
        AbortLive(s.error());
        return false;
      }
      SetResult(*culprit, TaskOutcome::kFailed, v->message);
    }
  }

  bool restore_failed() const { return restore_failed_; }
  void set_restore_failed() { restore_failed_ = true; }

 private:
  Filesystem& fs_;
  ServiceDriver& driver_;
  const std::vector<Task>& tasks_;
  std::chrono::milliseconds write_delay_;
  BatchOutcome& out_;
  std::vector<bool> final_;
  std::vector<Change> changes_;
  bool restore_failed_ = false;
};

}  // namespace

BatchApplier::BatchApplier(Filesystem& fs, std::string state_dir,
                           std::chrono::milliseconds write_delay)
    : fs_(fs), state_dir_(std::move(state_dir)), write_delay_(write_delay) {}

std::string BatchApplier::RecordPath(const ServiceDriver& driver) const {
  return state_dir_ + "/batch-" + driver.Name() + ".cbor";
}

BatchOutcome BatchApplier::Apply(ServiceDriver& driver, const std::vector<protocol::Task>& tasks) {
  auto started = std::chrono::steady_clock::now();
  BatchOutcome out;
  out.results.resize(tasks.size());
  out.files.resize(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    out.results[i].task = tasks[i].id;
    out.results[i].revision = tasks[i].revision;
  }
  BatchRun run(fs_, driver, tasks, write_delay_, out);
  run.Plan();

  if (run.HasChanges()) {
    const std::string record = RecordPath(driver);
    bool proceed = true;
    if (auto s = fs_.WriteFileAtomic(record, EncodeRecord(driver.Name(), run.changes()), 0600);
        !s) {
      for (size_t i = 0; i < tasks.size(); ++i) {
        run.SetResult(i, TaskOutcome::kRetry, "writing the batch record: " + s.error().message);
      }
      proceed = false;
    }
    if (proceed) {
      if (auto s = run.SetAllLive(); !s) {
        run.AbortLive(s.error());
        for (size_t j = 0; j < tasks.size(); ++j) {
          run.SetResult(j, OutcomeFor(s.error()), s.error().message);
        }
        proceed = false;
      }
    }
    if (proceed) proceed = run.ValidateLoop();
    if (proceed && run.LiveTasks().empty()) {
      // Every task was taken out after the last validator run: derive from the restored tree.
      if (auto a = driver.Assemble(); !a) {
        spdlog::error("{}: rebuilding derived files failed: {}", driver.Name(), a.error().message);
        run.set_restore_failed();
      }
    } else if (proceed) {
      auto reload_started = std::chrono::steady_clock::now();
      Status reloaded = driver.Reload();
      ++out.reloads;
      out.reload_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - reload_started)
                          .count();
      if (!reloaded) {
        spdlog::error("{}: reload failed, restoring the previous files: {}", driver.Name(),
                      reloaded.error().message);
        run.AbortLive(reloaded.error());
      }
    }
    for (const auto& c : run.changes()) {
      if (c.live) ++out.changed_files;
    }
    if (!run.restore_failed()) {
      if (auto s = fs_.RemoveFile(record); !s) {
        // Recovery would roll back files that are live and loaded: ask for the tasks again
        // rather than report them applied.
        spdlog::error("{}: removing the batch record failed: {}", driver.Name(), s.error().message);
        for (size_t i : run.LiveTasks()) run.SetResult(i, TaskOutcome::kRetry, s.error().message);
      }
    }
  }

  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!run.Pending(i)) continue;
    if (auto f = driver.Finish(tasks[i]); !f) {
      run.SetResult(i, OutcomeFor(f.error()), f.error().message);
      continue;
    }
    run.SetResult(i, TaskOutcome::kApplied, "");
  }
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count();
  for (auto& r : out.results) r.duration_ms = ms;
  return out;
}

Result<bool> BatchApplier::Recover(ServiceDriver& driver) {
  const std::string record = RecordPath(driver);
  HP_ASSIGN_OR_RETURN(auto data, fs_.ReadFile(record));
  bool rolled_back = false;
  if (data.has_value()) {
    HP_ASSIGN_OR_RETURN(auto files, DecodeRecord(*data, fs_.HostPath(record)));
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
      HP_TRY(Put(fs_, it->path, it->old_content, it->mode, it->owner));
    }
    HP_TRY(fs_.RemoveFile(record));
    spdlog::warn("{}: rolled back an interrupted batch of {} file(s)", driver.Name(), files.size());
    rolled_back = true;
  }
  // Derived files may lag the per-object files after a crash at any point: rebuild them.
  HP_TRY(driver.Assemble());
  std::vector<std::string> dirs = driver.ManagedDirs();
  dirs.push_back(state_dir_);
  for (const auto& d : dirs) {
    HP_ASSIGN_OR_RETURN(auto n, fs_.RemoveTempDebris(d));
    if (n > 0) spdlog::info("{}: removed {} temporary file(s) from {}", driver.Name(), n, d);
  }
  return rolled_back;
}

}  // namespace hostplane::agent
