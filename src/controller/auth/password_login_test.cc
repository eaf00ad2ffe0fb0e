#include "controller/auth/password_login.h"

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <future>
#include <map>

#include "controller/auth/testing/memory_failure_log.h"

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "the right password";

class Accounts final : public CredentialLookup {
 public:
  Result<std::optional<Credential>> Find(std::string_view login) override {
    auto it = rows.find(std::string(login));
    if (it == rows.end()) return std::optional<Credential>();
    return std::optional<Credential>(it->second);
  }
  std::map<std::string, Credential> rows;
};

class PasswordLoginTest : public ::testing::Test {
 protected:
  void SetUp() override { accounts_.rows["alice"] = {"u-alice", hasher_.Hash(kPassword).value()}; }

  LoginOutcome Attempt(PasswordLogin& login, const std::string& name, const std::string& pw,
                       const std::string& source = "192.0.2.10") {
    std::promise<Result<LoginOutcome>> p;
    login.Attempt(name, pw, source, [&](Result<LoginOutcome> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : LoginOutcome{};
  }
  LoginOutcome Attempt(const std::string& name, const std::string& pw,
                       const std::string& source = "192.0.2.10") {
    return Attempt(login_, name, pw, source);
  }
  // Jobs whose callback has run, once the pool has counted them (it counts after the callback).
  uint64_t Completed() {
    for (int i = 0; i < 400; ++i) {
      auto s = gate_.stats();
      if (s.running == 0 && s.queued == 0) return s.completed;
      std::this_thread::sleep_for(5ms);
    }
    return gate_.stats().completed;
  }

  PasswordHasher hasher_ = PasswordHasher::Create(Argon2Params::Cheapest()).value();
  HashingGate gate_{hasher_, {.workers = 2, .queue = 16}};
  ManualClock clock_;
  testing::MemoryFailureLog log_;
  LoginThrottle throttle_{log_, clock_};
  Accounts accounts_;
  PasswordLogin login_{accounts_, gate_, throttle_};
};

TEST_F(PasswordLoginTest, TheRightPasswordSignsIn) {
  auto out = Attempt("alice", kPassword);
  EXPECT_EQ(out.result, LoginResult::kAccepted);
  EXPECT_EQ(out.user_id, "u-alice");
  EXPECT_FALSE(out.new_hash);
}

TEST_F(PasswordLoginTest, UnknownNameAndWrongPasswordAnswerTheSameAndBothHash) {
  uint64_t before = Completed();
  auto wrong = Attempt("alice", "a wrong password");
  auto unknown = Attempt("mallory", "a wrong password");
  EXPECT_EQ(Completed(), before + 2) << "both went through an Argon2 verification";
  for (const auto& out : {wrong, unknown}) {
    EXPECT_EQ(out.result, LoginResult::kRefused);
    EXPECT_EQ(out.user_id, "");
    EXPECT_FALSE(out.new_hash);
    EXPECT_EQ(out.retry_after, 0s);
    EXPECT_FALSE(out.notify_owner);
  }
}

TEST_F(PasswordLoginTest, UnknownNamesTakeAsLongAsWrongPasswords) {
  // A real cost (40 passes over 256 KiB, some milliseconds) so a skipped verification would
  // show: it would take microseconds. Little memory, so that the allocator's page faults, which
  // come and go with its state, do not swamp the hashing work.
  auto hasher = PasswordHasher::Create({40, 256u * 1024}).value();
  HashingGate gate(hasher, {.workers = 1, .queue = 4});
  Accounts accounts;
  accounts.rows["alice"] = {"u-alice", hasher.Hash(kPassword).value()};
  ThrottlePolicy lenient;
  lenient.pair_failures = 1000;
  lenient.source_failures = 1000;
  LoginThrottle throttle(log_, clock_, lenient);
  PasswordLogin login(accounts, gate, throttle);
  std::vector<double> wrong_ms, unknown_ms;
  // CPU time of the process (the gate's thread hashes while this one waits): what the machine's
  // other load does to wall-clock time does not count.
  auto cpu_ms = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  auto timed = [&](const char* name, std::vector<double>& into) {
    double t0 = cpu_ms();
    EXPECT_EQ(Attempt(login, name, "wrong password here").result, LoginResult::kRefused);
    into.push_back(cpu_ms() - t0);
  };
  // Alternating which goes first: the second of two back-to-back hashes is measurably slower
  // here (the allocator), whichever kind it is.
  for (int i = 0; i < 8; ++i) {
    if (i % 2 == 0) {
      timed("alice", wrong_ms);
      timed("nobody", unknown_ms);
    } else {
      timed("nobody", unknown_ms);
      timed("alice", wrong_ms);
    }
  }
  std::sort(wrong_ms.begin(), wrong_ms.end());
  std::sort(unknown_ms.begin(), unknown_ms.end());
  double wrong = (wrong_ms[3] + wrong_ms[4]) / 2, unknown = (unknown_ms[3] + unknown_ms[4]) / 2;
  EXPECT_GT(unknown, 0.5 * wrong) << "unknown " << unknown << " ms, wrong " << wrong << " ms";
  EXPECT_LT(unknown, 2.0 * wrong) << "unknown " << unknown << " ms, wrong " << wrong << " ms";
}

TEST_F(PasswordLoginTest, ThrottledAnswersComeBeforeAnyHashAndAlikeForUnknownNames) {
  for (const char* name : {"alice", "mallory"}) {
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(Attempt(name, "wrong password here").result, LoginResult::kRefused);
    }
    uint64_t hashed = Completed();
    auto out = Attempt(name, kPassword);
    EXPECT_EQ(out.result, LoginResult::kThrottled) << name;
    EXPECT_EQ(out.retry_after, 15min);
    EXPECT_EQ(out.throttle_scope, ThrottleScope::kNameFromSource);
    EXPECT_EQ(Completed(), hashed) << "no hash for a throttled attempt";
    // The owner, from elsewhere, still gets in.
    if (std::string(name) == "alice") {
      EXPECT_EQ(Attempt(name, kPassword, "203.0.113.5").result, LoginResult::kAccepted);
    }
  }
}

TEST_F(PasswordLoginTest, TheFailureThatStartsAThrottleAsksToTellTheOwnerOfARealAccount) {
  LoginOutcome fifth, unknown_fifth;
  for (int i = 0; i < 5; ++i) fifth = Attempt("alice", "wrong password here");
  for (int i = 0; i < 5; ++i) unknown_fifth = Attempt("mallory", "wrong password here");
  EXPECT_TRUE(fifth.notify_owner);
  EXPECT_EQ(fifth.notify_user_id, "u-alice");
  EXPECT_EQ(fifth.result, LoginResult::kRefused);
  EXPECT_FALSE(unknown_fifth.notify_owner);
  EXPECT_EQ(unknown_fifth.result, LoginResult::kRefused);
}

TEST_F(PasswordLoginTest, AnOldHashIsReplacedInTheSameJob) {
  auto stronger = PasswordHasher::Create({2, 16 * 1024}).value();
  HashingGate gate(stronger, {.workers = 1, .queue = 4});
  PasswordLogin login(accounts_, gate, throttle_);
  auto out = Attempt(login, "alice", kPassword);
  ASSERT_EQ(out.result, LoginResult::kAccepted);
  ASSERT_TRUE(out.new_hash);
  EXPECT_EQ(stronger.Verify(*out.new_hash, kPassword).value(), PasswordCheck::kMatch);
}

TEST_F(PasswordLoginTest, AFullGateAnswersBusyAtOnce) {
  HashingGate gate(hasher_, {.workers = 1, .queue = 0});
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  ASSERT_TRUE(gate.Submit([opened] { opened.wait(); }, [] {}));
  for (int i = 0; i < 200 && gate.stats().running < 1; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  PasswordLogin login(accounts_, gate, throttle_);
  auto out = Attempt(login, "alice", kPassword);
  EXPECT_EQ(out.result, LoginResult::kBusy);
  EXPECT_GT(out.retry_after, 0s);
  open.set_value();
}

TEST_F(PasswordLoginTest, ABadSourceIsAnError) {
  std::promise<Result<LoginOutcome>> p;
  login_.Attempt("alice", kPassword, "not-an-ip", [&](Result<LoginOutcome> r) { p.set_value(r); });
  auto r = p.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace hostplane::auth
