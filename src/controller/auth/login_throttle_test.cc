#include "controller/auth/login_throttle.h"

#include <gtest/gtest.h>

#include "controller/auth/testing/memory_failure_log.h"

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

class LoginThrottleTest : public ::testing::Test {
 protected:
  ThrottleDecision Check(const char* name, const char* source) {
    auto d = throttle_.Check(name, source);
    EXPECT_TRUE(d) << d.error().message;
    return d ? *d : ThrottleDecision{};
  }
  FailureRecorded Fail(const char* name, const char* source) {
    auto r = throttle_.RecordFailure(name, source);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : FailureRecorded{};
  }

  ManualClock clock_;
  testing::MemoryFailureLog log_;
  LoginThrottle throttle_{log_, clock_, ThrottlePolicy{}};
};

TEST_F(LoginThrottleTest, FiveFailuresThrottleTheNameFromThatSourceWithRetryAfter) {
  for (int i = 0; i < 4; ++i) {
    auto r = Fail("alice", "198.51.100.7");
    EXPECT_FALSE(r.after.throttled()) << i;
    EXPECT_FALSE(r.notify_owner);
    clock_.Advance(60s);
  }
  // 4 minutes after the first failure, the fifth.
  auto fifth = Fail("alice", "198.51.100.7");
  EXPECT_EQ(fifth.after.scope, ThrottleScope::kNameFromSource);
  EXPECT_EQ(fifth.after.retry_after, 11min);  // until the first leaves the 15-minute window
  EXPECT_TRUE(fifth.notify_owner);

  clock_.Advance(10min);
  auto d = Check("alice", "198.51.100.7");
  EXPECT_EQ(d.scope, ThrottleScope::kNameFromSource);
  EXPECT_EQ(d.retry_after, 1min);
  clock_.Advance(1min);
  EXPECT_FALSE(Check("alice", "198.51.100.7").throttled()) << "the first failure left the window";
}

TEST_F(LoginThrottleTest, AFloodFromOneAddressDoesNotLockTheOwnerOutFromAnother) {
  for (int i = 0; i < 40; ++i) Fail("alice", "198.51.100.7");
  EXPECT_TRUE(Check("alice", "198.51.100.7").throttled());
  EXPECT_FALSE(Check("alice", "203.0.113.9").throttled());
  EXPECT_FALSE(Check("alice", "2001:db8:aa::1").throttled());
  EXPECT_FALSE(Check("bob", "198.51.100.7").throttled()) << "other names from the flooding source";
}

TEST_F(LoginThrottleTest, ManyNamesFromOneSourceThrottleThatSourceOnly) {
  for (int i = 0; i < 49; ++i) Fail(("user" + std::to_string(i)).c_str(), "198.51.100.7");
  EXPECT_FALSE(Check("fresh", "198.51.100.7").throttled());
  auto last = Fail("user49", "198.51.100.7");
  EXPECT_EQ(last.after.scope, ThrottleScope::kSource);
  EXPECT_EQ(last.after.retry_after, 15min);
  EXPECT_EQ(Check("fresh", "198.51.100.7").scope, ThrottleScope::kSource);
  EXPECT_FALSE(Check("fresh", "198.51.100.8").throttled());
}

TEST_F(LoginThrottleTest, SuccessClearsTheNameAndSourceButNotTheSourceCount) {
  ThrottlePolicy p;
  p.source_failures = 6;
  LoginThrottle throttle(log_, clock_, p);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(throttle.RecordFailure("alice", "192.0.2.1"));
  ASSERT_TRUE(throttle.RecordSuccess("alice", "192.0.2.1"));
  for (int i = 0; i < 1; ++i) ASSERT_TRUE(throttle.RecordFailure("alice", "192.0.2.1"));
  EXPECT_FALSE(throttle.Check("alice", "192.0.2.1")->throttled()) << "count started again";
  ASSERT_TRUE(throttle.RecordFailure("bob", "192.0.2.1"));
  EXPECT_EQ(throttle.Check("carol", "192.0.2.1")->scope, ThrottleScope::kSource)
      << "the source's six failures stay counted";
}

TEST_F(LoginThrottleTest, NamesAreCaseInsensitiveAndIpv6CountsPerSlash64) {
  for (int i = 0; i < 5; ++i) Fail(i % 2 ? "Alice" : "ALICE", "2001:db8:1:2::10");
  EXPECT_TRUE(Check("alice", "2001:db8:1:2:ffff::1").throttled()) << "same /64";
  EXPECT_FALSE(Check("alice", "2001:db8:1:3::10").throttled()) << "another /64";
}

TEST_F(LoginThrottleTest, TheOwnerIsToldOncePerNoticeIntervalNotOncePerSource) {
  for (int i = 0; i < 4; ++i) Fail("alice", "192.0.2.1");
  EXPECT_TRUE(Fail("alice", "192.0.2.1").notify_owner);
  EXPECT_FALSE(Fail("alice", "192.0.2.1").notify_owner) << "already throttled";
  for (int i = 0; i < 4; ++i) Fail("alice", "192.0.2.2");
  EXPECT_FALSE(Fail("alice", "192.0.2.2").notify_owner) << "within the hour";
  clock_.Advance(61min);
  for (int i = 0; i < 4; ++i) Fail("alice", "192.0.2.3");
  EXPECT_TRUE(Fail("alice", "192.0.2.3").notify_owner);
}

TEST_F(LoginThrottleTest, StoredKeysNameNoOneAndPruneForgets) {
  Fail("alice@example.com", "192.0.2.44");
  for (const auto& key : log_.Keys()) {
    EXPECT_EQ(key.find("alice"), std::string::npos) << key;
    EXPECT_EQ(key.find("192.0.2"), std::string::npos) << key;
  }
  EXPECT_EQ(log_.keys(), 2u);
  clock_.Advance(20min);
  ASSERT_TRUE(log_.Prune(clock_.NowMillis() - 15 * 60 * 1000));
  EXPECT_EQ(log_.keys(), 0u);
}

TEST_F(LoginThrottleTest, ABadSourceAddressIsAnErrorNeverAPass) {
  for (const char* bad : {"", "example.com", "192.0.2.1:443", "fe80::1%eth0", "1.2.3.4.5"}) {
    auto d = throttle_.Check("alice", bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().fields.at("source"), "source.invalid_address");
    EXPECT_FALSE(throttle_.RecordFailure("alice", bad));
  }
}

TEST(ThrottlePolicy, ChecksItsNumbers) {
  EXPECT_TRUE(ThrottlePolicy{}.Check());
  ThrottlePolicy p;
  p.pair_failures = 0;
  EXPECT_FALSE(p.Check());
  p = {};
  p.window = 0s;
  EXPECT_FALSE(p.Check());
}

}  // namespace
}  // namespace hostplane::auth
