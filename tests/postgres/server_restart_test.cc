// A PostgreSQL store outlives a restart of its server: the idle connections the server closed
// are dropped, and the next read and write run on new ones instead of failing. CTest label:
// postgres.

#include <gtest/gtest.h>

#include "common/testing/postgres_server.h"
#include "controller/store/pg_store.h"

namespace hostplane::controller {
namespace {

Status AddNode(Store& store, const std::string& name) {
  return store.Write([&](StoreTxn& tx) -> Status {
    Node n;
    n.name = name;
    n.roles = {"web"};
    n.capacity = 10;
    HP_TRY(tx.nodes().Insert(n));
    return Ok();
  });
}

TEST(PgServerRestart, TheStoreReconnectsOnItsNextReadAndWrite) {
  testing::PostgresServer server;  // its own: this test restarts it
  ASSERT_TRUE(server.Start()) << server.log();
  auto url = server.CreateDatabase();
  ASSERT_TRUE(url) << url.error().message;
  ManualClock clock;
  auto store = OpenPostgresStore(*url, clock);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE(AddNode(**store, "web1"));
  ASSERT_TRUE((*store)->GetNode("web1"));  // a pooled connection for reads too

  server.Stop();
  ASSERT_TRUE(server.Start()) << server.log();

  auto read = (*store)->GetNode("web1");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(read->has_value());
  auto wrote = AddNode(**store, "web2");
  ASSERT_TRUE(wrote) << wrote.error().message;
  EXPECT_EQ((*store)->ListNodes()->size(), 2u);
}

}  // namespace
}  // namespace hostplane::controller
