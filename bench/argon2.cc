// Argon2id cost on this machine, to choose the password hash parameters (controller/auth):
//   1. one hash (crypto_pwhash_str) and one verification at several (t, m) settings: medians and
//      p90 over --runs runs, one at a time;
//   2. password logins through the real PasswordLogin + HashingGate at the chosen setting
//      (Argon2Params::Default) with 1 and 2 workers: logins/s when the queue is kept full, the p50
//      of one login alone, and what a flood beyond the queue gets (the immediate "busy").
//
//   build/bench/hp_bench_argon2 --runs 15

#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>

#include "bench_util.h"
#include "controller/auth/hashing_gate.h"
#include "controller/auth/password_login.h"
#include "controller/auth/testing/memory_failure_log.h"

namespace hostplane::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

constexpr const char* kPassword = "a password of a usual length";

struct Setting {
  const char* name;
  auth::Argon2Params params;
};

class OneAccount final : public auth::CredentialLookup {
 public:
  explicit OneAccount(std::string hash) : hash_(std::move(hash)) {}
  Result<std::optional<auth::Credential>> Find(std::string_view login) override {
    if (login != "alice") return std::optional<auth::Credential>();
    return std::optional<auth::Credential>(auth::Credential{"u-alice", hash_});
  }

 private:
  std::string hash_;
};

void HashTimes(int runs) {
  const size_t MiB = 1024 * 1024;
  std::vector<Setting> settings = {
      {"t=2 m=19 MiB (OWASP minimum)", {2, 19 * MiB}},
      {"t=1 m=46 MiB (OWASP alternative)", {1, 46 * MiB}},
      {"t=1 m=64 MiB", {1, 64 * MiB}},
      {"t=2 m=64 MiB (libsodium INTERACTIVE) *", {2, 64 * MiB}},
      {"t=3 m=64 MiB", {3, 64 * MiB}},
      {"t=3 m=256 MiB (libsodium MODERATE)", {3, 256 * MiB}},
  };
  std::printf("| setting | hash p50 ms | hash p90 ms | verify p50 ms | verify p90 ms |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  for (const auto& s : settings) {
    auto hasher = auth::PasswordHasher::Create(s.params);
    if (!hasher) {
      std::fprintf(stderr, "%s: %s\n", s.name, hasher.error().message.c_str());
      continue;
    }
    std::vector<double> hash_ms, verify_ms;
    std::string hash;
    for (int i = 0; i < runs; ++i) {
      auto t0 = Clock::now();
      hash = hasher->Hash(kPassword).value();
      hash_ms.push_back(Ms(Clock::now() - t0));
      t0 = Clock::now();
      auto ok = hasher->Verify(hash, kPassword);
      verify_ms.push_back(Ms(Clock::now() - t0));
      if (!ok || *ok != auth::PasswordCheck::kMatch) std::fprintf(stderr, "verify failed\n");
    }
    std::printf("| %s | %.1f | %.1f | %.1f | %.1f |\n", s.name, Median(hash_ms),
                Percentile(hash_ms, 90), Median(verify_ms), Percentile(verify_ms, 90));
  }
  std::printf("\n");
}

// Logins through the gate: `total` attempts submitted as fast as the gate admits them (a
// refused one is retried after 1 ms), all with the right password.
void GateThroughput(int workers, int total) {
  auto hasher = auth::PasswordHasher::Create(auth::Argon2Params::Default()).value();
  OneAccount accounts(hasher.Hash(kPassword).value());
  ManualClock clock;
  auth::testing::MemoryFailureLog log;
  auth::LoginThrottle throttle(log, clock);
  auth::HashingGate gate(hasher, {.workers = workers, .queue = 16});
  auth::PasswordLogin login(accounts, gate, throttle);

  // One login alone, several times: its latency.
  std::vector<double> alone;
  for (int i = 0; i < 9; ++i) {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    auto t0 = Clock::now();
    login.Attempt("alice", kPassword, "192.0.2.1", [&](Result<auth::LoginOutcome>) {
      std::lock_guard lock(mu);
      done = true;
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
    alone.push_back(Ms(Clock::now() - t0));
  }

  std::atomic<int> accepted{0}, busy{0};
  std::mutex mu;
  std::condition_variable cv;
  auto t0 = Clock::now();
  int submitted = 0;
  while (submitted < total) {
    std::atomic<bool> was_busy{false};
    login.Attempt("alice", kPassword, "192.0.2.1", [&](Result<auth::LoginOutcome> r) {
      if (r && r->result == auth::LoginResult::kBusy) {
        was_busy = true;
        ++busy;
        return;
      }
      if (r && r->result == auth::LoginResult::kAccepted) ++accepted;
      std::lock_guard lock(mu);
      cv.notify_all();
    });
    if (was_busy) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++submitted;
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return accepted.load() >= total; });
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();

  // A flood: 200 attempts at once; how many are admitted, and how fast the rest hear "busy".
  std::atomic<int> flood_busy{0}, flood_done{0};
  std::vector<double> busy_us;
  std::mutex busy_mu;
  for (int i = 0; i < 200; ++i) {
    auto f0 = Clock::now();
    login.Attempt("alice", kPassword, "192.0.2.1", [&, f0](Result<auth::LoginOutcome> r) {
      if (r && r->result == auth::LoginResult::kBusy) {
        ++flood_busy;
        std::lock_guard lock(busy_mu);
        busy_us.push_back(Ms(Clock::now() - f0) * 1000);
      }
      ++flood_done;
    });
  }
  while (flood_done.load() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::printf("| %d | %.0f | %.1f | %d of 200 | %.0f |\n", workers, total / secs, Median(alone),
              flood_busy.load(), Median(busy_us));
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"Argon2id hash times and login throughput through the hashing gate"};
  int runs = 15;
  int logins = 60;
  app.add_option("--runs", runs, "measurements per setting");
  app.add_option("--logins", logins, "logins per throughput measurement");
  CLI11_PARSE(app, argc, argv);
  std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  // Other work on the machine slows Argon2 (memory-bound) a lot: say how busy it was.
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = -1;
  std::printf("%s, %s, %d runs per setting, load average %.2f at the start\n\n",
              hostplane::bench::MachineDescription().c_str(), date, runs, load[0]);
  hostplane::bench::HashTimes(runs);
  std::printf("Logins through PasswordLogin + HashingGate at t=2 m=64 MiB, queue 16:\n\n");
  std::printf(
      "| workers | logins/s (queue kept full) | one login alone, p50 ms | flood of 200 "
      "at once: answered busy | busy answer p50 us |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  hostplane::bench::GateThroughput(1, logins);
  hostplane::bench::GateThroughput(2, logins);
  if (getloadavg(load, 3) >= 0) std::printf("\nload average %.2f at the end\n", load[0]);
  return 0;
}
