// Crash consistency (issue 23 item 2; P3, P10, P11 of shared/SECURITY.md), against the real
// `hostplane up` (real nginx, PHP-FPM, Unix users) in a temporary prefix, checked with curl by
// Host header, the REST API, the passwd and group databases and the files of the prefix.
//
// For every failpoint of the agent's write path (common/fs: each step of the atomic write and of
// the batch) and of each multi-step account operation, several rounds each:
//  - crash: `up` is started with the point set to crash, dormant until the test arms it
//    (HOSTPLANE_FAILPOINTS_ARMED_BY) right before a customer + site is created or a customer
//    deleted; after the SIGKILL every managed file is its old or its new version (hashed against
//    both), and after a restart the operation is completed or undone: no temporary file, no
//    orphan user, group, home, pool or vhost, no task left failed, the old site still served;
//  - disk error: the point fails with ENOSPC or EIO while `up` keeps running: a task of the
//    change reports the cause, the old site keeps serving, the new one is not served, the agent's
//    journal keeps the failed object at its previous revision, no managed file changed and no
//    temporary file is left; a restart without the fault converges with no orphan.
// HOSTPLANE_PROOF_ROUNDS sets the rounds per point (default 3 kills, 1 disk error; the
// longer run is documented in tests/proof/README.md). Counts are printed at the end of each test.

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "agent/journal.h"
#include "orphan_scan.h"
#include "test_support.h"
#include "tree_snapshot.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

enum class Op { kCreate, kDelete };

struct Point {
  std::string name;
  std::vector<Op> ops;  // the changes that reach it, taken in turn round by round
};

const std::vector<Point>& Points() {
  static const std::vector<Point> kPoints = {
      {"fs.write_atomic.after_write", {Op::kCreate, Op::kDelete}},
      {"fs.write_atomic.after_fsync", {Op::kCreate, Op::kDelete}},
      {"fs.write_atomic.before_rename", {Op::kCreate, Op::kDelete}},
      {"fs.write_atomic.after_rename", {Op::kCreate, Op::kDelete}},
      {"fs.write_atomic.after_dir_fsync", {Op::kCreate, Op::kDelete}},
      {"fs.apply_files.after_write", {Op::kCreate}},
      {"fs.apply_files.after_sync", {Op::kCreate, Op::kDelete}},
      {"fs.apply_files.after_rename", {Op::kCreate, Op::kDelete}},
      {"fs.apply_files.after_dir_fsync", {Op::kCreate, Op::kDelete}},
      {"account.ensure.after_group", {Op::kCreate}},
      {"account.ensure.after_user", {Op::kCreate}},
      {"account.ensure.after_home", {Op::kCreate}},
      {"account.remove.before_user", {Op::kDelete}},
      {"account.remove.after_user", {Op::kDelete}},
      {"account.remove.after_group", {Op::kDelete}},
  };
  return kPoints;
}

// Rounds per point: HOSTPLANE_PROOF_ROUNDS, else 3 kills and 1 disk error per point (a disk
// error's task waits out its retry backoff, about 30 s, before the restart's retry applies it).
int Rounds(int fallback) {
  const char* v = std::getenv("HOSTPLANE_PROOF_ROUNDS");
  int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : fallback;
}
int KillRounds() { return Rounds(3); }
int DiskRounds() { return Rounds(1); }

// Files the agent manages in the prefix: everything but tenant content, logs, databases (SQLite
// has its own journal), sockets and pid files, and the daemons' scratch directories.
bool NotManaged(const std::string& rel) {
  const std::string name = rel.substr(rel.rfind('/') + 1);
  for (const char* part : {"home", "logs", "log", "tmp", "run"}) {
    if (rel == part || rel.starts_with(std::string(part) + "/") ||
        rel.find("/" + std::string(part) + "/") != std::string::npos ||
        rel.ends_with("/" + std::string(part))) {
      return true;
    }
  }
  for (const char* ext : {".db", ".db-wal", ".db-shm", "-journal", ".pid", ".sock", ".log"}) {
    if (name.ends_with(ext)) return true;
  }
  return false;
}

bool IsTemp(const std::string& rel) {
  const std::string name = rel.substr(rel.rfind('/') + 1);
  return name.size() > 5 && name[0] == '.' && name.ends_with(".tmp");
}

struct Counts {
  int rounds = 0, cut = 0, files_checked = 0, torn = 0, debris_at_crash = 0, debris_left = 0,
      orphans = 0, loud_failures = 0, records_at_crash = 0;
};

class CrashConsistency : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "these tests make Unix users and need root";
    arm_ = up_.prefix() + "/arm-failpoints";
    ASSERT_OK(up_.Start());
    ASSERT_NO_FATAL_FAILURE(CreateApplied("acme"));
  }
  void TearDown() override {
    // ~UpInstance removes the customers (their Unix users) through a running `up`.
    if (!up_.Running() || up_.Api("GET", "/healthz", nullptr, false).status != 200) {
      up_.Kill9();
      up_.SetEnv(kFailpoints, "");
      (void)up_.Start();
    }
  }

  static std::string Domain(const std::string& login) { return login + ".example"; }

  // The customer and its site, applied and served.
  void CreateApplied(const std::string& login) {
    auto ids = Create(login);
    for (const auto& t : WaitOrFail(up_, ids)) ASSERT_EQ(t["state"], "applied") << t.dump();
    ASSERT_TRUE(up_.WaitServing(Domain(login), 10s)) << up_.log();
  }
  std::vector<int64_t> Create(const std::string& login) {
    auto c = up_.Api("POST", "/api/v1/customers",
                     {{"login", login}, {"email", "ops@" + login + ".example"}});
    EXPECT_TRUE(c.status == 201 || c.status == 0) << c.body;
    auto s = up_.Api("POST", "/api/v1/sites", {{"domain", Domain(login)}, {"customer", login}});
    EXPECT_TRUE(s.status == 201 || s.status == 0) << s.body;
    return s.status == 201 ? UpInstance::TaskIds(s.json()) : std::vector<int64_t>{};
  }
  std::vector<int64_t> Delete(const std::string& login) {
    auto r = up_.Api("DELETE", "/api/v1/customers/" + login + "?remove_content=true");
    EXPECT_TRUE(r.status == 202 || r.status == 0) << r.body;
    return r.status == 202 ? UpInstance::TaskIds(r.json()) : std::vector<int64_t>{};
  }

  // Until the node has applied every revision issued to it and no task waits: WaitConverged
  // also waits for a batch reported since the start, which a restart with nothing to do never
  // sends.
  bool WaitIdle(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      Json node = up_.Api("GET", "/api/v1/nodes/local").json();
      if (node.contains("node")) node = node["node"];
      bool idle = node.is_object() && node.value("applied_revision", int64_t{-1}) >=
                                          node.value("head_revision", int64_t{0});
      for (const char* state : {"pending", "running", "retry"}) {
        if (!idle) break;
        idle = up_.Api("GET", std::string("/api/v1/tasks?state=") + state).json()["tasks"].empty();
      }
      if (idle) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // Restarts `up` with spec set, dormant until Arm().
  void StartWith(const std::string& spec) {
    std::filesystem::remove(arm_);
    up_.Stop();
    up_.SetEnv(kFailpoints, spec);
    up_.SetEnv(kArmedBy, spec.empty() ? "" : arm_);
    ASSERT_OK(up_.Start());
    ++starts_;
    // `up` writes hostplane.env and up.json after its API answers: arming before that would
    // fail its start instead of the change.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (Occurrences(up_.log(), "hostplane is up.") < starts_ &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(WaitIdle(60s)) << up_.log();
  }
  static int Occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  void Arm() { std::ofstream(arm_) << "armed\n"; }

  // The agent's journal (agent/journal.h): object key -> the revision applied. Read through a
  // second connection while the agent runs (SQLite WAL).
  std::map<std::string, int64_t> JournalRevisions() {
    std::map<std::string, int64_t> out;
    auto journal = agent::Journal::Open(up_.data_dir() + "/agent/journal.db");
    EXPECT_TRUE(journal) << journal.error().message;
    if (!journal) return out;
    auto objects = journal->Objects();
    EXPECT_TRUE(objects) << objects.error().message;
    if (objects) {
      for (const auto& o : *objects) out[o.key] = o.revision;
    }
    return out;
  }

  TreeSnapshot Managed() { return SnapshotTree(up_.data_dir(), NotManaged); }

  // After a restart without faults: converged, nothing failed or waiting, no temporary file, no
  // orphan, the old site served, and the operation's customer complete or gone.
  void ExpectWholeAfterRestart(const std::string& login, Op op, Counts& counts) {
    ASSERT_TRUE(WaitIdle(60s)) << up_.log();
    for (const char* state : {"pending", "retry", "running", "failed"}) {
      auto r = up_.Api("GET", std::string("/api/v1/tasks?state=") + state);
      EXPECT_TRUE(r.json()["tasks"].empty()) << state << ": " << r.body;
    }
    for (const auto& [rel, e] : Managed()) {
      if (IsTemp(rel)) {
        ++counts.debris_left;
        ADD_FAILURE() << "temporary file left after the restart: " << rel;
      }
    }
    auto orphans = ScanOrphans(up_);
    counts.orphans += static_cast<int>(orphans.size());
    for (const auto& o : orphans) ADD_FAILURE() << "orphan: " << o;
    EXPECT_EQ(up_.Curl(Domain("acme")).status, 200) << "the old site is not served";
    const bool stored = up_.Api("GET", "/api/v1/customers/" + login).status == 200;
    if (op == Op::kCreate && stored) {
      EXPECT_TRUE(up_.WaitServing(Domain(login), 10s)) << login << " not served\n" << up_.log();
    }
    if (op == Op::kDelete) EXPECT_FALSE(stored) << login << " is still there";
  }

  void PrintCounts(const std::string& what, const std::map<std::string, Counts>& all) {
    Counts total;
    std::cout << "\n" << what << "\n";
    for (const auto& [point, c] : all) {
      std::cout << "  " << point << ": rounds " << c.rounds << ", cut " << c.cut
                << ", files checked " << c.files_checked << ", torn " << c.torn
                << ", batch records at the cut " << c.records_at_crash << ", temp files at the cut "
                << c.debris_at_crash << ", left after restart " << c.debris_left << ", orphans "
                << c.orphans << ", loud failures " << c.loud_failures << "\n";
      total.rounds += c.rounds;
      total.cut += c.cut;
      total.files_checked += c.files_checked;
      total.torn += c.torn;
      total.orphans += c.orphans;
      total.debris_left += c.debris_left;
      total.loud_failures += c.loud_failures;
    }
    std::cout << "  total: rounds " << total.rounds << ", cut " << total.cut << ", files checked "
              << total.files_checked << ", torn " << total.torn << ", temp files left "
              << total.debris_left << ", orphans " << total.orphans << ", loud failures "
              << total.loud_failures << "\n";
  }

  static constexpr const char* kFailpoints = "HOSTPLANE_FAILPOINTS";
  static constexpr const char* kArmedBy = "HOSTPLANE_FAILPOINTS_ARMED_BY";
  UpInstance up_;
  std::string arm_;
  int next_ = 0;
  int starts_ = 1;  // SetUp's
};

TEST_F(CrashConsistency, AKillAtEveryPointLeavesOldOrNewAndARestartFinishesOrUndoes) {
  std::map<std::string, Counts> all;
  for (const auto& point : Points()) {
    for (int round = 0; round < KillRounds(); ++round) {
      SCOPED_TRACE(point.name + " round " + std::to_string(round));
      Counts& counts = all[point.name];
      ++counts.rounds;
      const Op op = point.ops[static_cast<size_t>(round) % point.ops.size()];
      const std::string login = "crash" + std::to_string(next_++);
      if (op == Op::kDelete) ASSERT_NO_FATAL_FAILURE(CreateApplied(login));
      const TreeSnapshot before = Managed();
      ASSERT_NO_FATAL_FAILURE(StartWith(point.name + "=crash"));
      Arm();
      (void)(op == Op::kCreate ? Create(login) : Delete(login));
      auto deadline = std::chrono::steady_clock::now() + 30s;
      while (up_.Running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
      }
      ASSERT_FALSE(up_.Running()) << "the change did not reach " << point.name << "\n" << up_.log();
      ++counts.cut;
      const TreeSnapshot cut = Managed();
      up_.Kill9();
      ASSERT_NO_FATAL_FAILURE(StartWith(""));
      const TreeSnapshot after = Managed();
      for (const auto& [rel, e] : cut) {
        if (e.type != 'f') continue;
        if (IsTemp(rel)) {
          ++counts.debris_at_crash;
          continue;
        }
        ++counts.files_checked;
        if (rel == "up.json") {  // up's own record, rewritten at every start: whole JSON
          EXPECT_FALSE(
              Json::parse(ReadFile(up_.data_dir() + "/" + rel), nullptr, false).is_discarded())
              << "up.json is torn";
          continue;
        }
        if (rel.ends_with("/_hostplane-gen.conf")) {  // the reload marker: one per reload
          const std::string marker = ReadFile(up_.data_dir() + "/" + rel);
          EXPECT_TRUE(marker.starts_with("# managed by hostplane: reload marker") &&
                      marker.ends_with("}\n"))
              << "the reload marker is torn: " << marker;
          continue;
        }
        if (rel.starts_with("agent/batch-")) {  // a batch record: rolled back and gone after
          ++counts.records_at_crash;
          EXPECT_FALSE(after.contains(rel)) << rel << " was not rolled back by the restart";
          continue;
        }
        auto old_it = before.find(rel);
        auto new_it = after.find(rel);
        const bool is_old = old_it != before.end() && old_it->second.hash == e.hash;
        const bool is_new = new_it != after.end() && new_it->second.hash == e.hash;
        if (!is_old && !is_new) {
          ++counts.torn;
          ADD_FAILURE() << rel << " is neither its old nor its new version";
        }
      }
      ASSERT_NO_FATAL_FAILURE(ExpectWholeAfterRestart(login, op, counts));
    }
  }
  PrintCounts("kill -9 at each point, " + std::to_string(KillRounds()) + " round(s) each", all);
}

TEST_F(CrashConsistency, AFullOrFailingDiskFailsTheTaskLoudlyAndTheOldConfigKeepsServing) {
  std::map<std::string, Counts> all;
  int index = 0;
  for (const auto& point : Points()) {
    if (point.ops.front() != Op::kCreate) continue;
    ++index;
    for (int round = 0; round < DiskRounds(); ++round) {
      SCOPED_TRACE(point.name + " round " + std::to_string(round));
      Counts& counts = all[point.name];
      ++counts.rounds;
      const bool full = (round + index) % 2 == 0;  // ENOSPC and EIO in turn
      const std::string cause = full ? "No space left on device" : "Input/output error";
      const std::string login = "disk" + std::to_string(next_++);
      ASSERT_NO_FATAL_FAILURE(StartWith(point.name + (full ? "=error(enospc)" : "=error(eio)")));
      const TreeSnapshot before = Managed();
      const auto journal_before = JournalRevisions();
      Arm();
      auto ids = Create(login);
      ASSERT_FALSE(ids.empty()) << up_.log();
      // A task of the change reports the cause (retry: a disk error is transient).
      std::string reported, object;
      auto deadline = std::chrono::steady_clock::now() + 30s;
      while (reported.empty() && std::chrono::steady_clock::now() < deadline) {
        for (auto id : ids) {
          Json r = up_.Api("GET", "/api/v1/tasks/" + std::to_string(id)).json();
          if (!r.is_object() || !r["task"].is_object()) continue;
          const Json& t = r["task"];
          const std::string state = t.value("state", "");
          const std::string error =
              t.value("error", Json("")).is_string() ? t.value("error", "") : "";
          if ((state == "retry" || state == "failed") && error.find(cause) != std::string::npos) {
            reported = state + ": " + error;
            object = t.value("object_key", "");
          }
        }
        if (reported.empty()) std::this_thread::sleep_for(50ms);
      }
      ASSERT_FALSE(reported.empty()) << "no task reported \"" << cause << "\"\n" << up_.log();
      ++counts.loud_failures;
      if (round == 0) std::cout << "  " << point.name << " -> " << reported << "\n";
      EXPECT_EQ(up_.Curl(Domain("acme")).status, 200) << "the old configuration stopped serving";
      // A disk error on every write fails the site too; at an account step only the account's
      // task fails, and the site's own task (its vhost, its docroot) applies on its own.
      const bool every_write = point.name.starts_with("fs.");
      if (every_write) {
        EXPECT_NE(up_.Curl(Domain(login)).status, 200) << "a site whose change failed is served";
      }
      // The agent's journal holds the failed object at its previous revision (or not at all).
      const auto journal_now = JournalRevisions();
      auto revision = [](const std::map<std::string, int64_t>& m, const std::string& key) {
        auto it = m.find(key);
        return it == m.end() ? int64_t{-1} : it->second;
      };
      EXPECT_EQ(revision(journal_now, object), revision(journal_before, object))
          << "the journal recorded " << object << " although its change failed";
      for (const auto& [key, rev] : journal_before) {
        EXPECT_EQ(revision(journal_now, key), rev) << key << " moved in the journal";
      }
      // Every managed file is as it was (at an account step: the account's pool files); nothing
      // temporary is left.
      const TreeSnapshot failed = Managed();
      for (const auto& [rel, e] : failed) {
        if (e.type != 'f') continue;
        if (!every_write && !IsTemp(rel) && rel.find("/pools/") == std::string::npos) continue;
        ++counts.files_checked;
        if (IsTemp(rel)) {
          ++counts.debris_left;
          ADD_FAILURE() << "temporary file left by a failed write: " << rel;
          continue;
        }
        auto it = before.find(rel);
        if (it == before.end() || it->second.hash != e.hash) {
          ++counts.torn;
          ADD_FAILURE() << rel << " changed although its change failed";
        }
      }
      ASSERT_NO_FATAL_FAILURE(StartWith(""));
      ASSERT_NO_FATAL_FAILURE(ExpectWholeAfterRestart(login, Op::kCreate, counts));
    }
  }
  PrintCounts("ENOSPC/EIO at each point, " + std::to_string(DiskRounds()) + " round(s) each", all);
}

}  // namespace
}  // namespace hostplane::testing
