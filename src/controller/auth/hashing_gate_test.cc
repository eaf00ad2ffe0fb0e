#include "controller/auth/hashing_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

// A latch the test opens to let blocked jobs finish.
struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
};

class HashingGateTest : public ::testing::Test {
 protected:
  PasswordHasher hasher_ = PasswordHasher::Create(Argon2Params::Cheapest()).value();
};

TEST_F(HashingGateTest, AtMostKRunAQueueWaitsAndBeyondItTheAnswerIsBusyAtOnce) {
  HashingGate gate(hasher_, {.workers = 2, .queue = 3});
  Gate latch;
  std::atomic<int> running{0}, max_running{0}, ran{0};
  auto job = [&] {
    int now = ++running;
    int seen = max_running.load();
    while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
    }
    latch.opened.wait();
    --running;
    ++ran;
  };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(gate.Submit(job, [] {})) << i;
  // Two are running (blocked), three wait: the sixth is refused without waiting.
  for (int i = 0; i < 200 && gate.stats().running < 2; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(gate.stats().running, 2u);
  EXPECT_EQ(gate.stats().queued, 3u);
  auto t0 = std::chrono::steady_clock::now();
  auto refused = gate.Submit(job, [] {});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms) << "refused without waiting";
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("busy"), std::string::npos);
  EXPECT_EQ(gate.stats().refused, 1u);

  latch.open.set_value();
  for (int i = 0; i < 400 && gate.stats().completed < 5; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ran.load(), 5);
  EXPECT_EQ(max_running.load(), 2);
  EXPECT_EQ(gate.stats().completed, 5u);
}

TEST_F(HashingGateTest, HashAndVerifyAnswerThroughTheirCallbacks) {
  HashingGate gate(hasher_, {.workers = 2, .queue = 8});
  std::promise<Result<std::string>> hashed;
  ASSERT_TRUE(gate.SubmitHash("a long enough password",
                              [&](Result<std::string> r) { hashed.set_value(std::move(r)); }));
  auto hash = hashed.get_future().get();
  ASSERT_TRUE(hash);

  std::promise<Result<PasswordCheck>> right, wrong, dummy;
  ASSERT_TRUE(gate.SubmitVerify(*hash, "a long enough password",
                                [&](Result<PasswordCheck> r) { right.set_value(r); }));
  ASSERT_TRUE(gate.SubmitVerify(*hash, "another password!",
                                [&](Result<PasswordCheck> r) { wrong.set_value(r); }));
  ASSERT_TRUE(gate.SubmitVerifyDummy("a long enough password",
                                     [&](Result<PasswordCheck> r) { dummy.set_value(r); }));
  EXPECT_EQ(right.get_future().get().value(), PasswordCheck::kMatch);
  EXPECT_EQ(wrong.get_future().get().value(), PasswordCheck::kMismatch);
  EXPECT_EQ(dummy.get_future().get().value(), PasswordCheck::kMismatch);

  std::promise<Result<std::string>> refused;
  ASSERT_TRUE(gate.SubmitHash("short", [&](Result<std::string> r) { refused.set_value(r); }));
  auto r = refused.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at("password"), "password.too_short");
}

TEST_F(HashingGateTest, JobsStillQueuedWhenTheGateStopsGetUnavailableExactlyOnce) {
  Gate latch;
  std::atomic<int> results{0}, stopped{0};
  std::thread opener;
  {
    HashingGate gate(hasher_, {.workers = 1, .queue = 4});
    ASSERT_TRUE(gate.Submit([&] { latch.opened.wait(); }, [] {}));
    for (int i = 0; i < 200 && gate.stats().running < 1; ++i) std::this_thread::sleep_for(5ms);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(gate.SubmitVerifyDummy("password password", [&](Result<PasswordCheck> r) {
        if (r) {
          ++results;
        } else if (r.error().code == ErrorCode::kUnavailable) {
          ++stopped;
        }
      }));
    }
    // The destructor takes the queue, then waits for the running job: open it a little later.
    opener = std::thread([&] {
      std::this_thread::sleep_for(50ms);
      latch.open.set_value();
    });
  }
  opener.join();
  EXPECT_EQ(results.load(), 0);
  EXPECT_EQ(stopped.load(), 3);
}

}  // namespace
}  // namespace hostplane::auth
