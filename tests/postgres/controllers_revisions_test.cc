// Several controllers on one PostgreSQL store: 4 stores (each its own pool of connections, as 4
// `hostplane serve` processes have) write N changes each, every change appending a task to two
// of three nodes (in node-id order: see the deadlock test below for the other order).
// Afterwards every node's task revisions are exactly 1..head: no gap, no duplicate.
// N is HOSTPLANE_PG_CHANGES (default 100 for CI); the 4 x 1,000:
//   HOSTPLANE_PG_CHANGES=1000 build/tests/postgres/hp_postgres_test --gtest_filter='Controllers*'
// CTest label: postgres.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/pg/connection.h"
#include "common/testing/postgres_server.h"
#include "controller/store/pg_store.h"

namespace hostplane::controller {
namespace {

int Changes() {
  const char* n = std::getenv("HOSTPLANE_PG_CHANGES");
  return n ? std::atoi(n) : 100;
}

TEST(Controllers, FourWritersOnOverlappingNodesGiveGapFreeRevisions) {
  constexpr int kControllers = 4;
  constexpr int kNodes = 3;
  const int changes = Changes();
  auto server = testing::PostgresServer::Shared();
  ASSERT_TRUE(server) << server.error().message;
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url) << url.error().message;
  ManualClock clock;
  std::vector<std::unique_ptr<Store>> stores;
  for (int c = 0; c < kControllers; ++c) {
    auto store = OpenPostgresStore(*url, clock);  // all four migrate at once: they take turns
    ASSERT_TRUE(store) << store.error().message;
    stores.push_back(std::move(*store));
  }
  std::vector<int64_t> nodes;
  ASSERT_TRUE(stores[0]->Write([&](StoreTxn& tx) -> Status {
    for (int k = 0; k < kNodes; ++k) {
      Node n;
      n.name = "web" + std::to_string(k);
      n.roles = {"web"};
      n.capacity = 1000000;
      HP_ASSIGN_OR_RETURN(Node made, tx.nodes().Insert(n));
      nodes.push_back(made.id);
    }
    return Ok();
  }));

  std::atomic<int> failed{0};
  std::vector<std::map<int64_t, int>> appended(kControllers);  // per controller: node -> tasks
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> writers;
  for (int c = 0; c < kControllers; ++c) {
    writers.emplace_back([&, c] {
      std::mt19937 rng(static_cast<unsigned>(c + 1));
      for (int i = 0; i < changes; ++i) {
        const int a = static_cast<int>(rng() % kNodes);
        const int b = (a + 1 + static_cast<int>(rng() % (kNodes - 1))) % kNodes;
        const int first = std::min(a, b);
        const int second = std::max(a, b);
        const std::string object = "site:c" + std::to_string(c) + "-" + std::to_string(i);
        Status s = stores[static_cast<size_t>(c)]->Write([&](StoreTxn& tx) -> Status {
          for (int k : {first, second}) {
            HP_TRY(tx.tasks().Append({nodes[static_cast<size_t>(k)], object, "site.ensure",
                                      Json{{"domain", object}}, std::nullopt, std::nullopt}));
          }
          return Ok();
        });
        if (!s) {
          ++failed;
          ADD_FAILURE() << "controller " << c << " change " << i << ": " << s.error().message;
          continue;
        }
        ++appended[static_cast<size_t>(c)][nodes[static_cast<size_t>(first)]];
        ++appended[static_cast<size_t>(c)][nodes[static_cast<size_t>(second)]];
      }
    });
  }
  for (auto& t : writers) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d controllers x %d changes (2 tasks each) in %.2f s: %.0f changes/s\n",
              kControllers, changes, seconds, kControllers * changes / seconds);
  EXPECT_EQ(failed.load(), 0);

  auto db = pg::Connection::Open(*url);
  ASSERT_TRUE(db) << db.error().message;
  int64_t total = 0;
  for (int64_t node : nodes) {
    int expected = 0;
    for (const auto& per : appended) {
      auto it = per.find(node);
      if (it != per.end()) expected += it->second;
    }
    total += expected;
    auto rows = db->Query("SELECT revision FROM tasks WHERE node_id = $1 ORDER BY revision",
                          {std::to_string(node)});
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->Rows(), expected) << "node " << node;
    for (int r = 0; r < rows->Rows(); ++r) {
      ASSERT_EQ(rows->Text(r, 0), std::to_string(r + 1)) << "node " << node << " row " << r;
    }
    auto head = db->Query("SELECT head_revision FROM nodes WHERE id = $1", {std::to_string(node)});
    ASSERT_TRUE(head);
    EXPECT_EQ(head->Text(0, 0), std::to_string(expected)) << "node " << node;
  }
  EXPECT_EQ(total, 2 * kControllers * changes);
}

// Two controllers lock two nodes' counter rows in opposite orders: PostgreSQL ends the deadlock
// by failing one of them (40P01), whose store runs the write again; both changes commit and the
// revisions stay gap-free.
TEST(Controllers, ADeadlockBetweenControllersIsRunAgain) {
  auto server = testing::PostgresServer::Shared();
  ASSERT_TRUE(server) << server.error().message;
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url) << url.error().message;
  ManualClock clock;
  auto one = OpenPostgresStore(*url, clock);
  auto two = OpenPostgresStore(*url, clock);
  ASSERT_TRUE(one && two);
  std::vector<int64_t> nodes;
  ASSERT_TRUE((*one)->Write([&](StoreTxn& tx) -> Status {
    for (const char* name : {"web1", "web2"}) {
      Node n;
      n.name = name;
      n.roles = {"web"};
      n.capacity = 10;
      HP_ASSIGN_OR_RETURN(Node made, tx.nodes().Insert(n));
      nodes.push_back(made.id);
    }
    return Ok();
  }));
  // Each write appends to its first node, waits until the other holds its own first node (only
  // on its first run), then appends to the other node.
  std::atomic<int> holding{0};
  std::atomic<int> runs{0};
  auto change = [&](Store& store, int64_t first, int64_t second, const std::string& object) {
    bool waited = false;
    return store.Write([&](StoreTxn& tx) -> Status {
      ++runs;
      HP_TRY(tx.tasks().Append(
          {first, object, "site.ensure", Json::object(), std::nullopt, std::nullopt}));
      if (!waited) {
        waited = true;
        ++holding;
        while (holding.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      HP_TRY(tx.tasks().Append(
          {second, object, "site.ensure", Json::object(), std::nullopt, std::nullopt}));
      return Ok();
    });
  };
  Status a, b;
  std::thread ta([&] { a = change(**one, nodes[0], nodes[1], "site:a"); });
  std::thread tb([&] { b = change(**two, nodes[1], nodes[0], "site:b"); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a) << a.error().message;
  EXPECT_TRUE(b) << b.error().message;
  // At least one of the two ran again. Usually exactly one: on a loaded machine both waiters may
  // run PostgreSQL's deadlock check (each after its own deadlock_timeout) before the first
  // victim's locks are gone, and both run again (seen once in CI: 4 runs). What matters is below:
  // both committed, and the revisions have no gap.
  EXPECT_GE(runs.load(), 3) << "neither write ran again: there was no deadlock to end";
  EXPECT_LE(runs.load(), 4);
  auto db = pg::Connection::Open(*url);
  ASSERT_TRUE(db);
  for (int64_t node : nodes) {
    auto rows = db->Query(
        "SELECT string_agg(revision::text, ',' ORDER BY revision) FROM tasks "
        "WHERE node_id = $1",
        {std::to_string(node)});
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(rows->Text(0, 0), "1,2") << "node " << node;
  }
}

}  // namespace
}  // namespace hostplane::controller
