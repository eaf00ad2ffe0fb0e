#include "controller/auth/rate_limiter.h"

#include <gtest/gtest.h>

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, ABurstUpToCapacityThenTheRefillRate) {
  ManualClock clock;
  RateLimiter limiter(clock, {.capacity = 3, .refill_per_second = 0.5});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("192.0.2.1/32").allowed) << i;
  auto refused = limiter.Take("192.0.2.1/32");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 2000ms);
  clock.Advance(1500ms);
  refused = limiter.Take("192.0.2.1/32");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 500ms);
  clock.Advance(500ms);
  EXPECT_TRUE(limiter.Take("192.0.2.1/32").allowed);
  EXPECT_FALSE(limiter.Take("192.0.2.1/32").allowed);
  clock.Advance(1h);  // never more than capacity
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("192.0.2.1/32").allowed) << i;
  EXPECT_FALSE(limiter.Take("192.0.2.1/32").allowed);
}

TEST(RateLimiter, KeysAreIndependent) {
  ManualClock clock;
  RateLimiter limiter(clock, {.capacity = 1, .refill_per_second = 1});
  EXPECT_TRUE(limiter.Take("mail:a@example.com").allowed);
  EXPECT_FALSE(limiter.Take("mail:a@example.com").allowed);
  EXPECT_TRUE(limiter.Take("mail:b@example.com").allowed);
}

TEST(RateLimiter, CostsAndACostAboveCapacity) {
  ManualClock clock;
  RateLimiter limiter(clock, {.capacity = 10, .refill_per_second = 1});
  EXPECT_TRUE(limiter.Take("k", 7).allowed);
  auto r = limiter.Take("k", 5);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.retry_after, 2000ms);
  auto never = limiter.Take("k", 11);
  EXPECT_FALSE(never.allowed);
  clock.Advance(1h);
  EXPECT_FALSE(limiter.Take("k", 11).allowed);
}

TEST(RateLimiter, MemoryIsBoundedByDroppingTheLeastRecentlyUsedKey) {
  ManualClock clock;
  RateLimiter limiter(clock, {.capacity = 1, .refill_per_second = 0.001, .max_keys = 3});
  for (const char* k : {"a", "b", "c"}) EXPECT_TRUE(limiter.Take(k).allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);  // a is now the most recent
  EXPECT_TRUE(limiter.Take("d").allowed);   // drops b, the least recent
  EXPECT_EQ(limiter.keys(), 3u);
  EXPECT_FALSE(limiter.Take("a").allowed) << "a was kept";
  EXPECT_FALSE(limiter.Take("c").allowed) << "c was kept";
  EXPECT_TRUE(limiter.Take("b").allowed) << "b was dropped and starts full";
}

TEST(BucketPolicy, ChecksItsNumbers) {
  EXPECT_TRUE(BucketPolicy{}.Check());
  EXPECT_FALSE((BucketPolicy{.capacity = 0}.Check()));
  EXPECT_FALSE((BucketPolicy{.capacity = 1, .refill_per_second = -1}.Check()));
  EXPECT_FALSE((BucketPolicy{.capacity = 1, .refill_per_second = 1, .max_keys = 0}.Check()));
}

}  // namespace
}  // namespace hostplane::auth
