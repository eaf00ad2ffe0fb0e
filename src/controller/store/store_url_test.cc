#include "controller/store/store_url.h"

#include <gtest/gtest.h>

#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

TEST(StoreUrl, SqliteAndPostgresqlUrlsAreTold) {
  auto sqlite = ParseStoreUrl("sqlite:///var/lib/hostplane/store.db");
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  EXPECT_EQ(sqlite->backend, StoreBackend::kSqlite);
  EXPECT_EQ(sqlite->location, "/var/lib/hostplane/store.db");
  for (const char* url : {"postgresql://hp@db1:5432/hostplane", "postgres://hp@db1/hostplane",
                          "postgresql://hp@db1,db2/hp?target_session_attrs=read-write"}) {
    auto pg = ParseStoreUrl(url);
    ASSERT_TRUE(pg) << url << ": " << pg.error().message;
    EXPECT_EQ(pg->backend, StoreBackend::kPostgres);
    EXPECT_EQ(pg->location, url);
  }
  EXPECT_EQ(DefaultStoreUrl("/srv/hp"), "sqlite:///srv/hp/store.db");
}

TEST(StoreUrl, ABadUrlIsRefusedWithItsFieldCode) {
  struct Case {
    const char* url;
    const char* code;
    const char* says;
  };
  for (const Case& c : {
           Case{"mysql://db/hp", "store.scheme", "expected sqlite:///"},
           Case{"/var/lib/hostplane/store.db", "store.scheme", "expected sqlite:///"},
           Case{"sqlite://relative/store.db", "store.path", "absolute path"},
           Case{"sqlite://", "store.path", "absolute path"},
           Case{"postgresql://hp@[::1/hp", "store.url", "]"},
           Case{"postgresql://hp@db1/hp?nosuch=1", "store.url", "nosuch"},
       }) {
    auto r = ParseStoreUrl(c.url);
    ASSERT_FALSE(r) << c.url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << c.url;
    EXPECT_EQ(r.error().fields.at("store"), c.code) << c.url;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos)
        << c.url << ": " << r.error().message;
  }
}

TEST(StoreUrl, OpenStoreOpensTheSqliteFileNamed) {
  TempStore dir;  // for its directory
  const std::string path = dir.dir() + "/other.db";
  auto store = OpenStore("sqlite://" + path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
  auto bad = OpenStore("sqlite://nope.db");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace hostplane::controller
