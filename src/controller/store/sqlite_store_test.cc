#include "controller/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/sqlite/database.h"
#include "controller/store/sqlite_schema.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

#define ASSERT_OK(expr)                                                   \
  do {                                                                    \
    const auto& ok_ = (expr);                                             \
    ASSERT_TRUE(ok_.has_value()) << #expr << ": " << ok_.error().message; \
  } while (0)

Node MakeNode(TempStore& store, const std::string& name) {
  Node out;
  EXPECT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    Node n;
    n.name = name;
    n.roles = {"web"};
    n.capacity = 100;
    auto r = tx.nodes().Insert(n);
    if (!r) return Fail(r.error());
    out = *r;
    return Ok();
  }));
  return out;
}

Customer MakeCustomer(TempStore& store, const std::string& login) {
  Customer out;
  EXPECT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    auto plan = tx.plans().FindByName("default");
    if (!plan) return Fail(plan.error());
    Customer c;
    c.login = login;
    c.name = login;
    c.email = "ops@" + login + ".example";
    c.plan_id = (*plan)->id;
    auto r = tx.customers().Insert(c);
    if (!r) return Fail(r.error());
    out = *r;
    return Ok();
  }));
  return out;
}

// Appends one task per (object, kind) in one transaction; returns them.
std::vector<TaskRecord> Append(TempStore& store, int64_t node_id,
                               const std::vector<std::string>& objects) {
  std::vector<TaskRecord> out;
  EXPECT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    for (const auto& o : objects) {
      auto t = tx.tasks().Append({node_id, o, "site.ensure", Json{{"domain", o}}, std::nullopt});
      if (!t) return Fail(t.error());
      out.push_back(*t);
    }
    return Ok();
  }));
  return out;
}

std::string Record(TempStore& store, const std::string& node, int64_t task,
                   const std::string& state, std::optional<int64_t> next = std::nullopt) {
  bool accepted = false;
  auto s = store->Write([&](StoreTxn& tx) -> Status {
    auto r = tx.tasks().RecordResult(node, task,
                                     {Parse<TaskState>(state).value_or(TaskState::kPending),
                                      state == "applied" ? "" : "boom", 12, next});
    if (!r) return Fail(r.error());
    accepted = *r;
    return Ok();
  });
  if (!s) return "error: " + s.error().message;
  return accepted ? "accepted" : "ignored";
}

std::vector<int64_t> Revisions(const Store::Fetched& f) {
  std::vector<int64_t> out;
  for (const auto& t : f.tasks) out.push_back(t.revision);
  return out;
}

TEST(SqliteStore, MigrationsAreAppliedOnceAndDataSurvivesReopen) {
  TempStore store;
  MakeCustomer(store, "acme");
  store.Reopen();
  store.Reopen();
  auto c = store->GetCustomer("acme");
  ASSERT_OK(c);
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->email, "ops@acme.example");
  auto plans = store->ListPlans();
  ASSERT_OK(plans);
  ASSERT_EQ(plans->size(), 1u) << "the default plan was seeded more than once";
  EXPECT_EQ((*plans)[0].name, "default");
  EXPECT_FALSE((*plans)[0].max_sites.has_value());
  EXPECT_FALSE((*plans)[0].disk_mb.has_value());

  auto db = sqlite::Database::Open(store.path());
  ASSERT_OK(db);
  auto st = db->Prepare("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_OK(st);
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Int(0), static_cast<int64_t>(StoreMigrations().size()));
  EXPECT_EQ(st->Int(1), StoreMigrations().back().version);
  auto mode = db->Prepare("PRAGMA journal_mode");
  ASSERT_OK(mode);
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->Text(0), "wal");
}

TEST(StoreContract, UniqueNamesAreConflicts) {
  TempStore store;
  Node node = MakeNode(store, "web1");
  Customer acme = MakeCustomer(store, "acme");
  auto site = [&](const std::string& domain, std::vector<std::string> aliases) {
    Site s;
    s.customer_id = acme.id;
    s.domain = domain;
    s.aliases = std::move(aliases);
    s.docroot = "sites/" + domain + "/public";
    s.node_id = node.id;
    return s;
  };
  ASSERT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    auto r = tx.sites().Insert(site("a.example", {"www.a.example"}));
    if (!r) return Fail(r.error());
    return Ok();
  }));
  struct Case {
    const char* name;
    std::function<Status(StoreTxn&)> write;
  };
  auto drop = [](auto r) -> Status {
    if (!r) return Fail(r.error());
    return Ok();
  };
  const std::vector<Case> cases = {
      {"customer login", [&](StoreTxn& tx) { return drop(tx.customers().Insert(acme)); }},
      {"node name", [&](StoreTxn& tx) { return drop(tx.nodes().Insert(node)); }},
      {"site domain", [&](StoreTxn& tx) { return drop(tx.sites().Insert(site("a.example", {}))); }},
      {"domain equal to another site's alias",
       [&](StoreTxn& tx) { return drop(tx.sites().Insert(site("www.a.example", {}))); }},
      {"alias equal to another site's alias",
       [&](StoreTxn& tx) { return drop(tx.sites().Insert(site("b.example", {"www.a.example"}))); }},
      {"alias equal to another site's domain",
       [&](StoreTxn& tx) { return drop(tx.sites().Insert(site("c.example", {"a.example"}))); }},
      {"token hash",
       [&](StoreTxn& tx) -> Status {
         HP_TRY(drop(tx.tokens().Insert("one", "hash", "admin")));
         return drop(tx.tokens().Insert("two", "hash", "admin"));
       }},
  };
  for (const auto& c : cases) {
    auto s = store->Write(c.write);
    ASSERT_FALSE(s.has_value()) << c.name;
    EXPECT_EQ(s.error().code, ErrorCode::kConflict) << c.name << ": " << s.error().message;
  }
  auto sites = store->ListSites(std::nullopt, {});
  ASSERT_OK(sites);
  EXPECT_EQ(sites->size(), 1u) << "a refused write left a row";
  auto found = store->GetSite("a.example");
  ASSERT_OK(found);
  EXPECT_EQ((*found)->aliases, std::vector<std::string>{"www.a.example"});
  EXPECT_EQ((*found)->customer_login, "acme");
  EXPECT_EQ((*found)->node_name, "web1");
}

TEST(StoreContract, AFailedWriteLeavesNothing) {
  TempStore store;
  Node node = MakeNode(store, "web1");
  auto s = store->Write([&](StoreTxn& tx) -> Status {
    Customer c;
    c.login = "ghost";
    c.name = "ghost";
    c.email = "g@ghost.example";
    c.plan_id = 1;
    HP_TRY(tx.customers().Insert(c));
    HP_TRY(tx.tasks().Append(
        {node.id, "site:x.example", "site.ensure", Json::object(), std::nullopt}));
    HP_TRY(tx.audit().Append({"test", "customer.create", "customer:ghost", nullptr, nullptr}));
    return Fail(Error::Invalid("changed my mind"));
  });
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(store->GetCustomer("ghost")->has_value());
  EXPECT_TRUE(store->ListTasks({})->empty());
  EXPECT_TRUE(store->ListAudit({}, std::nullopt)->empty());
  EXPECT_EQ((*store->GetNode("web1"))->head_revision, 0);
  // The writer is usable afterwards.
  MakeCustomer(store, "real");
  EXPECT_TRUE(store->GetCustomer("real")->has_value());
}

TEST(StoreContract, RevisionsArePerNodeAndOlderPendingTasksAreSuperseded) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  Node web2 = MakeNode(store, "web2");
  auto a = Append(store, web1.id, {"site:a", "site:b", "site:a"});
  auto b = Append(store, web2.id, {"site:c"});
  EXPECT_EQ(a[0].revision, 1);
  EXPECT_EQ(a[1].revision, 2);
  EXPECT_EQ(a[2].revision, 3);
  EXPECT_EQ(b[0].revision, 1);
  EXPECT_EQ((*store->GetNode("web1"))->head_revision, 3);
  EXPECT_EQ((*store->GetNode("web2"))->head_revision, 1);
  EXPECT_EQ((*store->GetTask(a[0].id))->state, "superseded");
  EXPECT_EQ((*store->GetTask(a[1].id))->state, "pending");
  EXPECT_EQ((*store->GetTask(a[2].id))->state, "pending");

  // Final tasks stay final; a retrying one is superseded too.
  ASSERT_EQ(Record(store, "web1", a[2].id, "applied"), "accepted");
  ASSERT_EQ(Record(store, "web1", a[1].id, "retry", 5), "accepted");
  auto c = Append(store, web1.id, {"site:a", "site:b"});
  EXPECT_EQ((*store->GetTask(a[2].id))->state, "applied");
  EXPECT_EQ((*store->GetTask(a[1].id))->state, "superseded");
  EXPECT_EQ(c[1].revision, 5);
}

TEST(StoreContract, RecordResultIgnoresFinalAndForeignTasks) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  MakeNode(store, "web2");
  auto t = Append(store, web1.id, {"site:a", "site:b", "site:c"});
  store.clock().Advance(250ms);
  const int64_t now = store.clock().NowMillis();
  EXPECT_EQ(Record(store, "web2", t[0].id, "applied"), "ignored");
  EXPECT_EQ(Record(store, "web1", 999, "applied"), "ignored");
  EXPECT_EQ(Record(store, "web1", t[0].id, "applied"), "accepted");
  EXPECT_EQ(Record(store, "web1", t[0].id, "failed"), "ignored");
  EXPECT_EQ(Record(store, "web1", t[1].id, "retry", now + 1000), "accepted");
  EXPECT_EQ(Record(store, "web1", t[1].id, "failed"), "accepted");
  EXPECT_EQ(Record(store, "web1", t[1].id, "applied"), "ignored");
  EXPECT_NE(Record(store, "web1", t[2].id, "superseded").find("error"), std::string::npos);

  auto applied = *store->GetTask(t[0].id);
  EXPECT_EQ(applied->state, "applied");
  EXPECT_EQ(applied->applied_at, now);
  EXPECT_EQ(applied->duration_ms, 12);
  EXPECT_EQ(applied->attempts, 1);
  EXPECT_EQ(applied->error, "");
  auto failed = *store->GetTask(t[1].id);
  EXPECT_EQ(failed->state, "failed");
  EXPECT_EQ(failed->error, "boom");
  EXPECT_EQ(failed->attempts, 2);
  EXPECT_FALSE(failed->applied_at.has_value());
  EXPECT_FALSE(failed->next_attempt_at.has_value());
}

TEST(StoreContract, FetchReturnsTheNewestTaskOfEachObjectAfterARevision) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  Node web2 = MakeNode(store, "web2");
  // Revisions 1..5: a, b, a, c, b. Newest: a@3, c@4, b@5.
  auto t = Append(store, web1.id, {"site:a", "site:b", "site:a", "site:c", "site:b"});
  Append(store, web2.id, {"site:z"});
  ASSERT_EQ(Record(store, "web1", t[2].id, "applied"), "accepted");
  const int64_t now = store.clock().NowMillis();

  struct Case {
    int64_t after;
    int limit;
    std::vector<int64_t> revisions;
    bool more;
  };
  const std::vector<Case> cases = {
      {0, 100, {3, 4, 5}, false},  // a wiped node gets the desired state of every object
      {3, 100, {4, 5}, false},    {4, 100, {5}, false}, {5, 100, {}, false},
      {0, 2, {3, 4}, true},       {4, 1, {5}, false},
  };
  for (const auto& c : cases) {
    auto f = store->FetchTasks("web1", c.after, c.limit, now);
    ASSERT_OK(f);
    EXPECT_EQ(Revisions(*f), c.revisions) << "after " << c.after << " limit " << c.limit;
    EXPECT_EQ(f->more, c.more) << "after " << c.after << " limit " << c.limit;
    EXPECT_EQ(f->head, 5);
    for (const auto& task : f->tasks) EXPECT_EQ(task.node_name, "web1");
  }
  auto f = store->FetchTasks("web1", 0, 100, now);
  ASSERT_OK(f);
  EXPECT_EQ(f->tasks[0].spec, (Json{{"domain", "site:a"}}));
  EXPECT_EQ(f->tasks[0].state, "applied") << "a rebuild replays applied tasks too";

  auto unknown = store->FetchTasks("nope", 0, 100, now);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST(StoreContract, FetchAddsRetriesThatAreDueWhateverTheirRevision) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  Node web2 = MakeNode(store, "web2");
  auto t = Append(store, web1.id, {"site:a", "site:b", "site:c"});
  auto other = Append(store, web2.id, {"site:z"});
  const int64_t now = store.clock().NowMillis();
  ASSERT_EQ(Record(store, "web1", t[0].id, "retry", now + 1000), "accepted");
  ASSERT_EQ(Record(store, "web1", t[1].id, "applied"), "accepted");
  ASSERT_EQ(Record(store, "web2", other[0].id, "retry", now + 500), "accepted");

  EXPECT_EQ(Revisions(*store->FetchTasks("web1", 3, 100, now)), std::vector<int64_t>{});
  EXPECT_EQ(Revisions(*store->FetchTasks("web1", 3, 100, now + 1000)), std::vector<int64_t>{1});
  EXPECT_EQ(Revisions(*store->FetchTasks("web1", 2, 100, now + 1000)),
            (std::vector<int64_t>{1, 3}));
  // Due and newest at once: listed once.
  EXPECT_EQ(Revisions(*store->FetchTasks("web1", 0, 100, now + 1000)),
            (std::vector<int64_t>{1, 2, 3}));

  EXPECT_EQ(*store->NodesWithDueRetries(now), std::vector<std::string>{});
  EXPECT_EQ(*store->NodesWithDueRetries(now + 500), std::vector<std::string>{"web2"});
  EXPECT_EQ(*store->NodesWithDueRetries(now + 1000), (std::vector<std::string>{"web1", "web2"}));
}

TEST(StoreContract, FetchPagesThroughTenThousandObjects) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  std::vector<std::string> objects;
  for (int i = 0; i < 10'000; ++i) objects.push_back("site:s" + std::to_string(i));
  Append(store, web1.id, objects);
  Append(store, web1.id, {"site:s1", "site:s2"});  // two objects changed again
  const int64_t now = store.clock().NowMillis();
  int64_t after = 0;
  size_t total = 0;
  int pages = 0;
  auto started = std::chrono::steady_clock::now();
  for (;;) {
    auto f = store->FetchTasks("web1", after, 5000, now);
    ASSERT_OK(f);
    ++pages;
    total += f->tasks.size();
    if (!f->tasks.empty()) after = f->tasks.back().revision;
    if (!f->more) break;
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(total, 10'000u);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(after, 10'002);
  // Generous: the indexed plan does this in tens of milliseconds even in a debug build.
  EXPECT_LT(took, 5s);
}

TEST(StoreContract, ReadsDoNotWaitForAWriter) {
  TempStore store;
  MakeCustomer(store, "acme");
  std::promise<void> inside, release;
  auto released = release.get_future().share();
  std::thread writer([&] {
    (void)store->Write([&](StoreTxn& tx) -> Status {
      Customer c;
      c.login = "slow";
      c.name = "slow";
      c.email = "s@slow.example";
      c.plan_id = 1;
      HP_TRY(tx.customers().Insert(c));
      inside.set_value();
      released.wait();
      return Ok();
    });
  });
  inside.get_future().wait();
  auto started = std::chrono::steady_clock::now();
  auto c = store->GetCustomer("acme");
  auto uncommitted = store->GetCustomer("slow");
  auto took = std::chrono::steady_clock::now() - started;
  release.set_value();
  writer.join();
  ASSERT_OK(c);
  EXPECT_TRUE(c->has_value());
  ASSERT_OK(uncommitted);
  EXPECT_FALSE(uncommitted->has_value()) << "a read saw an uncommitted row";
  EXPECT_LT(took, 1s);
  EXPECT_TRUE(store->GetCustomer("slow")->has_value());
}

TEST(StoreContract, FindTokenTouchesLastUsedAtAtMostOncePerMinute) {
  TempStore store;
  ASSERT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    HP_TRY(tx.tokens().Insert("admin", "h1", "admin"));
    return Ok();
  }));
  const int64_t t0 = store.clock().NowMillis();
  auto first = store->FindToken("h1");
  ASSERT_OK(first);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->last_used_at, t0);
  store.clock().Advance(10s);
  EXPECT_EQ((*store->FindToken("h1"))->last_used_at, t0);
  store.clock().Advance(60s);
  EXPECT_EQ((*store->FindToken("h1"))->last_used_at, t0 + 70'000);
  EXPECT_FALSE(store->FindToken("unknown")->has_value());
}

TEST(StoreContract, ListsPageByIdAndFilter) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  Node web2 = MakeNode(store, "web2");
  Append(store, web1.id, {"site:a", "site:b", "site:a"});
  Append(store, web2.id, {"site:c"});
  TaskFilter by_node;
  by_node.node = "web1";
  EXPECT_EQ(store->ListTasks(by_node)->size(), 3u);
  TaskFilter by_state;
  by_state.state = TaskState::kSuperseded;
  EXPECT_EQ(store->ListTasks(by_state)->size(), 1u);
  TaskFilter page;
  page.page = {2, 1};
  auto one = *store->ListTasks(page);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, 3);
  auto stats = *store->GetTaskStats();
  EXPECT_EQ(stats.by_state["pending"], 3);
  EXPECT_EQ(stats.by_state["superseded"], 1);
  for (const char* login : {"aaa", "bbb", "ccc"}) MakeCustomer(store, login);
  auto customers = *store->ListCustomers({1, 10});
  ASSERT_EQ(customers.size(), 2u);
  EXPECT_EQ(customers[0].login, "bbb");
}

// Every service list pages by id with a keyset, searches the name and is scoped in its query:
// customer A's pages never hold B's rows, even when the search matches B's, and a search's
// % and _ are the characters themselves.
TEST(StoreContract, ServiceListsPageSearchAndStayInTheirScope) {
  TempStore store;
  Node web1 = MakeNode(store, "web1");
  Customer acme = MakeCustomer(store, "acme");
  Customer bolt = MakeCustomer(store, "bolt");
  ASSERT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    for (int i = 1; i <= 5; ++i) {  // interleaved, so the two customers' ids interleave
      for (const Customer* c : {&acme, &bolt}) {
        if (c == &bolt && i > 3) continue;
        Resource r;
        r.customer_id = c->id;
        r.kind = "mailbox";
        r.name = "m" + std::to_string(i) + "@" + c->login + ".example";
        r.parent = c->login + ".example";
        r.node_id = web1.id;
        if (auto stored = tx.resources().Insert(r); !stored) return Fail(stored.error());
      }
    }
    return Ok();
  }));
  auto list = [&](const Scope& scope, Page page, std::optional<std::string> parent = {}) {
    std::vector<std::string> names;
    ResourceFilter f;
    f.kind = "mailbox";
    f.parent = std::move(parent);
    f.page = page;
    EXPECT_TRUE(store->Read([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(auto rows, tx.resources().List(scope, f));
      for (const Resource& r : rows) names.push_back(r.name + "#" + std::to_string(r.id));
      return Ok();
    }));
    return names;
  };
  auto names_of = [](const std::vector<std::string>& tagged) {
    std::vector<std::string> out;
    for (const auto& t : tagged) out.push_back(t.substr(0, t.find('#')));
    return out;
  };
  auto id_of = [](const std::string& tagged) {
    return std::stoll(tagged.substr(tagged.find('#') + 1));
  };

  // acme's five, two a page, oldest first; the cursor is the last id of the page.
  std::vector<std::string> seen;
  Page page{0, 2};
  for (int pages = 0; pages < 10; ++pages) {
    auto one = list(Scope::Customer(acme.id), page);
    for (const auto& t : one) seen.push_back(t);
    if (static_cast<int>(one.size()) < page.limit) break;
    page.after_id = id_of(one.back());
  }
  EXPECT_EQ(names_of(seen),
            (std::vector<std::string>{"m1@acme.example", "m2@acme.example", "m3@acme.example",
                                      "m4@acme.example", "m5@acme.example"}));
  // Searches match in the scope only: "m1" is also bolt's, "bolt" is only bolt's.
  Page m1{0, 100, "m1"};
  EXPECT_EQ(names_of(list(Scope::Customer(acme.id), m1)),
            std::vector<std::string>{"m1@acme.example"});
  EXPECT_EQ(names_of(list(Scope::All(), m1)),
            (std::vector<std::string>{"m1@acme.example", "m1@bolt.example"}));
  EXPECT_TRUE(list(Scope::Customer(acme.id), Page{0, 100, "bolt"}).empty());
  // A search's _ and % are themselves, not LIKE's wildcards.
  EXPECT_TRUE(list(Scope::All(), Page{0, 100, "m_"}).empty());
  EXPECT_TRUE(list(Scope::All(), Page{0, 100, "%"}).empty());
  // A page past the last, a parent filter, and the whole list without a page.
  EXPECT_TRUE(
      list(Scope::All(), Page{id_of(list(Scope::All(), Page{0, 100}).back()), 100}).empty());
  EXPECT_EQ(list(Scope::All(), Page{0, 100}, "bolt.example").size(), 3u);
  ResourceFilter every;
  every.kind = "mailbox";
  auto all = store->ListResources(every);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 8u);

  // Customers and sites search the same way (login, domain).
  EXPECT_EQ(store->ListCustomers(Page{0, 10, "bol"})->size(), 1u);
  EXPECT_TRUE(store->ListCustomers(Page{0, 10, "zulu"})->empty());
}

}  // namespace
}  // namespace hostplane::controller

namespace hostplane::controller {
namespace {

// A snapshot has the transaction's lookups, sees committed rows, and refuses every write.
TEST(StoreContract, SnapshotReadsLikeATransactionAndRefusesWrites) {
  TempStore store;
  Customer acme = MakeCustomer(store, "acme");
  std::optional<Customer> seen;
  ASSERT_TRUE(store->Snapshot([&](StoreTxn& tx) -> Status {
    auto c = tx.customers().FindById(acme.id);
    if (!c) return Fail(c.error());
    seen = *c;
    return Ok();
  }));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->login, "acme");

  Status wrote = store->Snapshot([&](StoreTxn& tx) -> Status {
    Customer other = acme;
    other.login = "other";
    auto r = tx.customers().Insert(other);
    if (!r) return Fail(r.error());
    return Ok();
  });
  EXPECT_FALSE(wrote);
  EXPECT_FALSE(store->GetCustomer("other")->has_value());
}

Node NodeNamed(const std::string& name) {
  Node n;
  n.name = name;
  n.roles = {"web"};
  n.capacity = 1;
  return n;
}

// Writes queued behind a running one are committed together (one transaction, run by one
// thread), each in its own savepoint: the one that fails leaves nothing and gets its own error,
// the others commit, and each sees the effects of those before it.
TEST(StoreContract, GroupCommitRollsBackAFailingWriteAlone) {
  TempStore store;
  std::promise<void> inside, release;
  auto released = release.get_future().share();
  std::thread first([&] {
    EXPECT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
      HP_TRY(tx.nodes().Insert(NodeNamed("first")));
      inside.set_value();
      released.wait();
      return Ok();
    }));
  });
  inside.get_future().wait();

  struct Queued {
    std::string name;
    bool fail = false;
    Status result;
    std::thread::id ran_on;
    size_t nodes_seen = 0;  // nodes visible when it ran
  };
  std::vector<Queued> queued(5);
  for (size_t i = 0; i < queued.size(); ++i) {
    queued[i].name = std::string(1, static_cast<char>('b' + i));
    queued[i].fail = i % 2 == 1;  // c and e
  }
  std::mutex order_mu;
  std::vector<std::string> order;  // names in the order their fns ran
  std::vector<std::thread> writers;
  for (auto& q : queued) {
    writers.emplace_back([&] {
      q.result = store->Write([&](StoreTxn& tx) -> Status {
        q.ran_on = std::this_thread::get_id();
        {
          std::lock_guard lock(order_mu);
          order.push_back(q.name);
        }
        auto nodes = tx.nodes().List();
        if (!nodes) return Fail(nodes.error());
        q.nodes_seen = nodes->size();
        HP_TRY(tx.nodes().Insert(NodeNamed(q.name)));
        if (q.fail) return Fail(Error::Invalid(q.name + " changed its mind"));
        return Ok();
      });
    });
  }
  std::this_thread::sleep_for(300ms);  // every writer is queued behind the first by now
  release.set_value();
  first.join();
  for (auto& t : writers) t.join();

  ASSERT_EQ(order.size(), queued.size());
  size_t committed_before = 1;  // "first"
  for (const std::string& name : order) {
    const Queued& q = *std::find_if(queued.begin(), queued.end(),
                                    [&](const Queued& x) { return x.name == name; });
    // SQLite runs them in one batch, on one thread (group commit); PostgreSQL one by one.
    if (!TempStore::OnPostgres()) {
      EXPECT_EQ(q.ran_on, queued[0].ran_on) << name << " ran in another batch";
    }
    EXPECT_EQ(q.nodes_seen, committed_before) << name << " saw the wrong writes before it";
    auto stored = store->GetNode(name);
    ASSERT_OK(stored);
    if (q.fail) {
      ASSERT_FALSE(q.result.has_value()) << name;
      EXPECT_EQ(q.result.error().code, ErrorCode::kInvalid);
      EXPECT_EQ(q.result.error().message, name + " changed its mind");
      EXPECT_FALSE(stored->has_value()) << name << "'s rolled-back write is visible";
    } else {
      EXPECT_TRUE(q.result.has_value()) << name << ": " << q.result.error().message;
      EXPECT_TRUE(stored->has_value()) << name << "'s committed write is missing";
      ++committed_before;
    }
  }
  EXPECT_EQ(store->ListNodes()->size(), 4u);
}

TEST(StoreContract, AWriteInsideAWriteIsRefused) {
  TempStore store;
  Status inner;
  auto outer = store->Write([&](StoreTxn& tx) -> Status {
    inner = store->Write([](StoreTxn&) { return Ok(); });
    return tx.nodes().Insert(NodeNamed("web1")).has_value()
               ? Ok()
               : Fail(Error::Internal("insert failed"));
  });
  ASSERT_FALSE(inner.has_value());
  EXPECT_EQ(inner.error().code, ErrorCode::kInternal);
  ASSERT_OK(outer);
  EXPECT_TRUE(store->GetNode("web1")->has_value());
}

// Acknowledged means committed: a process killed (SIGKILL) right after concurrent Writes
// returned leaves every one of them in the store.
TEST(SqliteStore, AnAcknowledgedWriteSurvivesKill9) {
  TempStore store;
  const std::string path = store.path();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto own = OpenSqliteStore(path);
    if (!own) ::_exit(2);
    std::vector<std::thread> threads;
    std::mutex pipe_mu;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          std::string name = "n" + std::to_string(t) + "-" + std::to_string(i);
          auto s = (*own)->Write([&](StoreTxn& tx) -> Status {
            auto r = tx.nodes().Insert(NodeNamed(name));
            return r ? Ok() : Fail(r.error());
          });
          if (!s) ::_exit(3);
          std::lock_guard lock(pipe_mu);
          std::string line = name + "\n";
          if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(4);
          if (t == 0 && i == 200) ::raise(SIGKILL);  // in the middle of the others' writes
        }
      });
    }
    for (auto& th : threads) th.join();
    ::_exit(5);
  }
  ::close(fds[1]);
  std::string acknowledged;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) acknowledged.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  store.Reopen();
  std::istringstream lines(acknowledged);
  int checked = 0;
  for (std::string name; std::getline(lines, name);) {
    auto node = store->GetNode(name);
    ASSERT_OK(node);
    EXPECT_TRUE(node->has_value()) << name << " was acknowledged but is not in the store";
    ++checked;
  }
  EXPECT_GE(checked, 201);
}

}  // namespace
}  // namespace hostplane::controller
