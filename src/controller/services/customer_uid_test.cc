// A customer's Unix uid comes from the configured range, never one of the ids every Linux system
// keeps for itself (nobody/nogroup 65534, 65535): a range that spans them skips them.

#include <gtest/gtest.h>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin{"token:admin", Role::kAdmin};

TEST(CustomerUidTest, ARangeAcrossNobodySkipsIt) {
  ASSERT_TRUE(InitCrypto());
  TempStore store;
  auto bus = NewInProcessBus();
  TaskEngine engine(*store, *bus, store.clock(), *SigningKey::Generate());
  HostingOptions options;
  options.uid_first = 65533;
  options.uid_last = 65537;
  Hosting hosting(*store, engine, store.clock(), options);
  std::vector<int64_t> uids;
  for (const char* login : {"alpha", "beta", "gamma"}) {
    auto c = hosting.customers().Create(kAdmin, {login, "", "ops@example.com", {}, {}});
    ASSERT_TRUE(c) << c.error().message;
    uids.push_back(c->object.uid);
  }
  EXPECT_EQ(uids, (std::vector<int64_t>{65533, 65536, 65537}));
  auto full = hosting.customers().Create(kAdmin, {"delta", "", "ops@example.com", {}, {}});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().fields.at("login"), "uid.range_exhausted");
}

}  // namespace
}  // namespace hostplane::controller
