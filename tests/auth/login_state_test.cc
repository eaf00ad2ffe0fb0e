// The login state in the store (label auth): sessions and the failed-login log of the throttle
// through the store's implementations of controller/auth's seams, across a restart of the store
// (a controller restart keeps who is logged in and who is throttled).

#include <gtest/gtest.h>

#include "controller/auth/login_throttle.h"
#include "controller/auth/sessions.h"
#include "controller/store/auth_stores.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

TEST(LoginState, SessionsLiveInTheStoreExpireAndEndEverywhere) {
  TempStore store;
  StoreSessionStore rows(*store);
  auth::Sessions sessions(rows, store.clock());
  auto one = sessions.Start("7", auth::SessionStage::kFull, "192.0.2.1", "curl");
  auto two = sessions.Start("7", auth::SessionStage::kFull, "192.0.2.2", "firefox");
  auto other = sessions.Start("8", auth::SessionStage::kFull, "192.0.2.3", "curl");
  ASSERT_TRUE(one && two && other);
  EXPECT_NE(one->token, two->token);

  // Only the hash is stored, and the session survives a restart.
  store.Reopen();
  StoreSessionStore reopened(*store);
  auth::Sessions after(reopened, store.clock());
  auto resumed = after.Resume(one->token);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->user_id, "7");
  EXPECT_NE(resumed->id_hash, one->token);
  auto listed = after.List("7");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2u);

  // Logout everywhere but here.
  auto ended = after.EndAllForUser("7", one->token);
  ASSERT_TRUE(ended);
  EXPECT_EQ(*ended, 1);
  EXPECT_TRUE(after.Resume(one->token));
  auto gone = after.Resume(two->token);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(after.Resume(other->token)) << "another user's sessions stay";

  // Idle expiry: 31 minutes without a request.
  store.clock().Advance(31min);
  auto idle = after.Resume(one->token);
  ASSERT_FALSE(idle);
  EXPECT_EQ(idle.error().fields.at("session"), "session.expired");
  auto rows_left = reopened.ListForUser("7");
  ASSERT_TRUE(rows_left);
  EXPECT_TRUE(rows_left->empty()) << "an expired session's row is removed";
}

TEST(LoginState, TheThrottleCountsInTheStoreAndRemembersAcrossARestart) {
  TempStore store;
  {
    StoreFailureLog log(*store);
    auth::LoginThrottle throttle(log, store.clock());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(throttle.RecordFailure("ann", "203.0.113.9"));
      store.clock().Advance(1s);
    }
  }
  store.Reopen();
  StoreFailureLog log(*store);
  auth::LoginThrottle throttle(log, store.clock());
  auto from_flood = throttle.Check("ann", "203.0.113.9");
  ASSERT_TRUE(from_flood);
  EXPECT_TRUE(from_flood->throttled());
  EXPECT_GT(from_flood->retry_after.count(), 0);
  // The owner, from elsewhere, is not locked out.
  auto from_home = throttle.Check("ann", "198.51.100.7");
  ASSERT_TRUE(from_home);
  EXPECT_FALSE(from_home->throttled());
  // After the window the pair may try again; pruning forgets the old rows.
  store.clock().Advance(16min);
  auto later = throttle.Check("ann", "203.0.113.9");
  ASSERT_TRUE(later);
  EXPECT_FALSE(later->throttled());
  const int64_t now = store.clock().NowMillis();
  ASSERT_TRUE(log.Add("mine", now - 1, 10));
  ASSERT_TRUE(log.Add("mine", now + 1000, 10));
  ASSERT_TRUE(log.Prune(now));
  auto left = log.Since("mine", 0, 10);
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, std::vector<int64_t>{now + 1000});
}

TEST(LoginState, TheFailureLogKeepsTheNewestEntriesOfAKey) {
  TempStore store;
  StoreFailureLog log(*store);
  for (int64_t at = 1; at <= 10; ++at) ASSERT_TRUE(log.Add("k", at * 1000, 3));
  ASSERT_TRUE(log.Add("other", 5000, 3));
  auto kept = log.Since("k", 0, 100);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, (std::vector<int64_t>{10000, 9000, 8000}));
  auto since = log.Since("k", 9000, 100);
  ASSERT_TRUE(since);
  EXPECT_EQ(since->size(), 2u);
  ASSERT_TRUE(log.Clear("k"));
  EXPECT_TRUE(log.Since("k", 0, 100)->empty());
  EXPECT_EQ(log.Since("other", 0, 100)->size(), 1u);
}

}  // namespace
}  // namespace hostplane::controller
