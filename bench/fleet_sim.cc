// A fleet against one controller: N simulated agents (each the real agent code with recording
// drivers, its own NATS connection and node name, all in this process) and `hostplane serve` as a
// separate process with A accounts of one site each, spread over the N nodes.
//
//   build/bench/hp_bench_fleet_sim --agents 1000 --accounts 100000 --changes 20000 --rate 1000
//
// Phases, each timed: seed the store (in-process through the controller's services, on tmpfs,
// then copied into the data directory: the rows the API would write, without one fsync per
// call); start nats-server (no auth: a bench on loopback) and `hostplane serve`; connect the
// agents; the first full sync (until every agent has applied the head of its first bundle); then
// --runs rounds of --changes site alias changes through the REST API (PATCH
// /api/v1/sites/{domain}, --clients keep-alive clients, paced to --rate, each change on a
// different site).
//
// Latency of a change: from sending the PATCH until the agent holds the controller's
// acknowledgement of the report naming its task (the controller commits the result before it
// acknowledges). Also shown: API answered, key received, bundle received, each from the same
// start. Exits 1 when a change is refused or never acknowledged.

#include <httplib.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "agent/agent.h"
#include "bench_util.h"
#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/nats/nats_bus.h"
#include "common/net/loopback.h"
#include "common/signing_key.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"
#include "fleet_sim_agents.h"
#include "up_process.h"

namespace hostplane::bench {
namespace {

namespace fs = std::filesystem;
using testing::Json;

struct SimOptions {
  int agents = 1000;
  int accounts = 100000;
  int changes = 10000;
  double rate = 1000;
  int runs = 1;
  int clients = 8;
  std::string data_dir;                   // empty: a new temporary one
  std::string hostplane = HOSTPLANE_BIN;  // the binary run as `serve` (another build: A/B runs)
  bool reuse_data_dir = false;
  bool keep = false;
  int sync_timeout_s = 900;
  int wait_timeout_s = 300;
  int resync_s = 30;  // the agents' periodic resync (hello, drift check, fetch); 30 s in production
  long futex_slots = -2;  // this process's private futex hash (SizeFutexHash); -2: not sized
};

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }
double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15).
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string t; rest >> t;) f.push_back(t);
  if (f.size() < 13) return -1;
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string NodeName(int i, int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, n > 9999 ? "sim%05d" : "sim%04d", i + 1);
  return buf;
}
std::string Login(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c%06d", i + 1);
  return buf;
}
std::string Domain(int i) { return Login(i) + ".sim.example"; }

// Linux 6.17 gave each process a private futex hash, sized by min(threads, CPUs): 16 slots on a
// 2-core machine, whatever the number of threads. This process runs 1,000 agents, about 6,000
// threads, so each slot chains hundreds of waiters and every wake walks its chain (futex_wake was
// 11-16% of all CPU in `perf record` profiles of the bench). A real agent is a process of its own
// with a few threads; the crowd is the simulation's, so the simulation sizes its hash for its
// crowd (64 bytes a slot). Returns the slots in use afterwards: 0 on kernels before 6.17 (one
// global hash, nothing to do) and -1 when the kernel refused.
long SizeFutexHash(unsigned long threads) {
#ifndef PR_FUTEX_HASH
  constexpr int PR_FUTEX_HASH = 78, PR_FUTEX_HASH_SET_SLOTS = 1, PR_FUTEX_HASH_GET_SLOTS = 2;
#endif
  unsigned long slots = 16;
  while (slots < 4 * threads && slots < (1ul << 17)) slots <<= 1;
  if (::prctl(PR_FUTEX_HASH, PR_FUTEX_HASH_SET_SLOTS, slots, 0ul, 0ul) != 0) {
    return errno == EINVAL ? 0 : -1;  // EINVAL: no private hashes here (older kernel)
  }
  return ::prctl(PR_FUTEX_HASH, PR_FUTEX_HASH_GET_SLOTS, 0ul, 0ul, 0ul);
}

std::string TempDir(const std::string& base) {
  std::string tmpl = base + ".XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

// Seeds nodes, customers and one site each into a store under seed_dir, through the controller's
// services (so every row, task and audit entry is what the API would write). The bundle-signing
// key here is throwaway: tasks are stored unsigned and signed by `serve` when fetched.
Status Seed(const std::string& seed_dir, const SimOptions& opt) {
  auto store = controller::OpenSqliteStore(seed_dir + "/store.db");
  if (!store) return Fail(store.error());
  auto bus = NewInProcessBus();
  SystemClock clock;
  auto key = SigningKey::Generate();
  if (!key) return Fail(key.error());
  controller::TaskEngine engine(**store, *bus, clock, std::move(*key));
  controller::HostingOptions hosting;
  // `serve` keeps the default uid range (40,000 accounts); the seed needs one uid per account.
  hosting.uid_last = std::max<int64_t>(hosting.uid_last, hosting.uid_first + opt.accounts);
  controller::Hosting service(**store, engine, clock, hosting);
  controller::Actor actor{"system:fleet-sim", controller::Role::kAdmin};
  for (int i = 0; i < opt.agents; ++i) {
    controller::NodeInput node;
    node.name = NodeName(i, opt.agents);
    node.roles = {"web"};
    node.capacity = 1'000'000;
    if (auto c = service.nodes().Create(actor, node); !c) return Fail(c.error().Wrap(node.name));
  }
  auto started = SteadyClock::now();
  for (int i = 0; i < opt.accounts; ++i) {
    controller::CustomerInput customer;
    customer.login = Login(i);
    customer.email = "owner@" + Domain(i);
    if (auto c = service.customers().Create(actor, customer); !c) {
      return Fail(c.error().Wrap(customer.login));
    }
    controller::SiteInput site;
    site.domain = Domain(i);
    site.customer = customer.login;
    if (auto s = service.sites().Create(actor, site); !s) return Fail(s.error().Wrap(site.domain));
    if ((i + 1) % 10000 == 0) {
      std::fprintf(stderr, "  seeded %d accounts (%.0f s)\n", i + 1,
                   Seconds(SteadyClock::now() - started));
    }
  }
  return Ok();
}

// The value of NAME=... in hostplane.env (lines "export NAME=value").
std::string EnvValue(const std::string& env, const std::string& name) {
  std::istringstream in(env);
  for (std::string line; std::getline(in, line);) {
    const std::string prefix = "export " + name + "=";
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  }
  return {};
}

struct ChangeRecord {
  SteadyClock::time_point scheduled{}, sent{}, answered{};
  int status = 0;
  int64_t task = 0;
  int64_t revision = 0;
  std::string node;
  std::string error;
};

struct Stats {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Stats StatsOf(const std::vector<double>& v) {
  if (v.empty()) return {};
  return {Percentile(v, 50), Percentile(v, 90), Percentile(v, 99),
          *std::max_element(v.begin(), v.end())};
}

struct RoundResult {
  int changes = 0;
  int acknowledged = 0;
  int refused = 0;
  Stats api, key, fetch, ack;
  double send_lag_max_ms = 0;  // how far behind its schedule the latest send was
  double api_rate = 0;         // changes answered per second
  double sustained_rate = 0;   // changes acknowledged per second, first send -> last ack
  double controller_cpu_s = 0;
  double nats_cpu_s = 0;
  double sim_cpu_s = 0;  // this process: the agents, the API clients, the recording
  double wall_s = 0;
  Recorder::Requests requests;  // the agents' requests to the controller during the round
};

class FleetSim {
 public:
  explicit FleetSim(SimOptions opt) : opt_(std::move(opt)), recorder_(opt_.agents) {}
  ~FleetSim() { Shutdown(); }

  int Run();

 private:
  Status Prepare();
  Status StartNats();
  Status StartController();
  Status StartAgents();
  Result<RoundResult> ChangeRound(int round, const std::vector<int>& order);
  void Shutdown();

  SimOptions opt_;
  Recorder recorder_;
  std::string data_dir_;
  std::string agents_dir_;
  std::string run_dir_;
  std::string seed_note_;
  double seed_s_ = 0;
  int nats_port_ = 0;
  int api_port_ = 0;
  std::optional<ChildProcess> nats_;
  std::optional<ChildProcess> serve_;
  std::string token_;
  std::optional<PublicKey> controller_key_;
  SystemClock clock_;
  std::atomic<int64_t> reloads_{0};
  std::vector<std::unique_ptr<PosixFilesystem>> files_;
  std::vector<std::unique_ptr<Bus>> buses_;
  std::vector<std::unique_ptr<agent::Agent>> agents_;
  std::map<std::string, size_t> node_index_;
  double connect_s_ = 0, sync_applied_s_ = 0, sync_s_ = 0, sync_cpu_s_ = 0;
};

Status FleetSim::Prepare() {
  run_dir_ = TempDir("/tmp/hpsim");
  agents_dir_ = TempDir("/dev/shm/hpsim-agents");
  if (run_dir_.empty() || agents_dir_.empty()) return Fail(Error::Io("mkdtemp failed"));
  if (opt_.data_dir.empty()) {
    data_dir_ = run_dir_ + "/var";
  } else {
    data_dir_ = fs::absolute(opt_.data_dir).lexically_normal().string();
  }
  std::error_code ec;
  const bool present = fs::exists(data_dir_ + "/store.db", ec);
  if (present && !opt_.reuse_data_dir) {
    return Fail(Error::Invalid(data_dir_ +
                               " already holds a store; pass --reuse-data-dir to use it as is"));
  }
  fs::create_directories(data_dir_, ec);
  ::chmod(data_dir_.c_str(), 0700);
  if (present) {
    seed_note_ = "reused " + data_dir_ + " (seeded by an earlier run)";
    return Ok();
  }
  const std::string seed_dir = TempDir("/dev/shm/hpsim-seed");
  if (seed_dir.empty()) return Fail(Error::Io("mkdtemp failed"));
  std::fprintf(stderr, "seeding %d nodes and %d accounts with a site each...\n", opt_.agents,
               opt_.accounts);
  auto t0 = SteadyClock::now();
  Status seeded = Seed(seed_dir, opt_);
  seed_s_ = Seconds(SteadyClock::now() - t0);
  if (seeded) {
    // The store was closed at the end of Seed (its WAL checkpointed into store.db).
    fs::copy_file(seed_dir + "/store.db", data_dir_ + "/store.db", ec);
  }
  fs::remove_all(seed_dir);
  if (!seeded) return seeded;
  if (ec) return Fail(Error::Io("copying the seeded store: " + ec.message()));
  seed_note_ = "in-process through the controller's services on tmpfs, then copied";
  return Ok();
}

Status FleetSim::StartNats() {
  auto port = FreeLoopbackPort();
  if (!port) return Fail(port.error());
  nats_port_ = *port;
  auto binary = FindProgram("nats-server");
  if (!binary) return Fail(Error::NotFound("nats-server is not installed"));
  const std::string conf = run_dir_ + "/nats.conf";
  std::ofstream(conf) << "server_name: hpsim\nlisten: 127.0.0.1:" << nats_port_
                      << "\nmax_connections: 100000\nwrite_deadline: \"10s\"\n";
  auto child = ChildProcess::Start({*binary, "-c", conf}, run_dir_ + "/nats.log");
  if (!child) return Fail(child.error());
  nats_.emplace(std::move(*child));
  for (int i = 0; i < 3000; ++i) {
    if (!nats_->Running()) return Fail(Error::Unavailable("nats-server exited at start-up"));
    if (LoopbackAccepts(nats_port_)) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Fail(Error::Timeout("nats-server did not listen"));
}

Status FleetSim::StartController() {
  auto port = FreeLoopbackPort();
  if (!port) return Fail(port.error());
  api_port_ = *port;
  std::error_code ec;
  fs::remove(data_dir_ + "/hostplane.env", ec);
  auto child =
      ChildProcess::Start({opt_.hostplane, "serve", "--data-dir", data_dir_, "--listen",
                           "127.0.0.1", "--api-port", std::to_string(api_port_), "--nats",
                           "nats://127.0.0.1:" + std::to_string(nats_port_), "--log-level", "warn"},
                          run_dir_ + "/serve.log");
  if (!child) return Fail(child.error());
  serve_.emplace(std::move(*child));
  auto deadline = SteadyClock::now() + std::chrono::seconds(120);
  while (SteadyClock::now() < deadline) {
    if (!serve_->Running()) {
      return Fail(Error::Unavailable("hostplane serve exited; see " + run_dir_ + "/serve.log"));
    }
    std::string env = testing::ReadFile(data_dir_ + "/hostplane.env");
    if (!env.empty()) {
      token_ = EnvValue(env, "HOSTPLANE_TOKEN");
      auto key = PublicKey::Parse(EnvValue(env, "HOSTPLANE_CONTROLLER_KEY"));
      if (!key) return Fail(key.error().Wrap("the controller's key in hostplane.env"));
      controller_key_ = *key;
      testing::ApiClient api{api_port_, token_};
      auto r = api.Call("GET", "/api/v1/sites/" + Domain(opt_.accounts - 1));
      if (r.status == 200) return Ok();
      if (r.status != 0) {
        return Fail(Error::Invalid("the store does not hold " + Domain(opt_.accounts - 1) +
                                   " (HTTP " + std::to_string(r.status) +
                                   "): was it seeded with other --agents/--accounts?"));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Fail(Error::Timeout("hostplane serve did not answer"));
}

Status FleetSim::StartAgents() {
  const std::string url = "nats://127.0.0.1:" + std::to_string(nats_port_);
  auto t0 = SteadyClock::now();
  for (int i = 0; i < opt_.agents; ++i) {
    const std::string node = NodeName(i, opt_.agents);
    node_index_[node] = static_cast<size_t>(i);
    NatsOptions n;
    n.servers = {url};
    n.name = "sim-" + node;
    n.inbox_prefix = "_INBOX." + node;  // what `serve` requires of a node's fetch
    auto bus = ConnectNatsBus(n);
    if (!bus) return Fail(bus.error().Wrap(node));
    buses_.push_back(std::make_unique<RecordingBus>(std::move(*bus), i, recorder_));
    const std::string root = agents_dir_ + "/" + node;
    fs::create_directories(root);
    files_.push_back(std::make_unique<PosixFilesystem>(root));
  }
  connect_s_ = Seconds(SteadyClock::now() - t0);

  double cpu0 = CpuSeconds(serve_->pid());
  auto sync0 = SteadyClock::now();
  for (int i = 0; i < opt_.agents; ++i) {
    agent::AgentOptions a;
    a.node = NodeName(i, opt_.agents);
    a.controller_key = controller_key_;
    a.resync = std::chrono::seconds(opt_.resync_s);
    agents_.push_back(agent::NewAgentWithDrivers(a, agent::HostLayout{}, *buses_[i], *files_[i],
                                                 clock_, RecordingDrivers(reloads_)));
    if (auto s = agents_.back()->Start(); !s) return Fail(s.error().Wrap(a.node));
  }
  auto deadline = sync0 + std::chrono::seconds(opt_.sync_timeout_s);
  // Applied: every agent has its first bundle's head in its journal. Acknowledged: the controller
  // has also taken every agent's report up to that head (the agent records before it reports).
  for (;;) {
    int applied = 0, acknowledged = 0;
    for (int i = 0; i < opt_.agents; ++i) {
      int64_t head = recorder_.FirstHead(i);
      if (head < 0) continue;
      if (agents_[i]->AppliedRevision() >= head) ++applied;
      if (recorder_.AcknowledgedRevision(i) >= head) ++acknowledged;
    }
    if (applied == opt_.agents && sync_applied_s_ == 0) {
      sync_applied_s_ = Seconds(SteadyClock::now() - sync0);
    }
    if (acknowledged == opt_.agents) break;
    if (SteadyClock::now() > deadline) {
      return Fail(Error::Timeout(std::to_string(opt_.agents - acknowledged) +
                                 " agent(s) never had their initial state acknowledged"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  sync_s_ = Seconds(SteadyClock::now() - sync0);
  sync_cpu_s_ = CpuSeconds(serve_->pid()) - cpu0;
  return Ok();
}

Result<RoundResult> FleetSim::ChangeRound(int round, const std::vector<int>& order) {
  const int n = opt_.changes;
  std::vector<ChangeRecord> records(n);
  std::atomic<int> next{0};
  // A token unique to this round, so every alias is new even on a reused store.
  const std::string tag = "r" + std::to_string(round) + "t" + std::to_string(::time(nullptr));
  const auto interval = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(1.0 / opt_.rate));
  double cpu0 = CpuSeconds(serve_->pid());
  double nats_cpu0 = CpuSeconds(nats_->pid());
  double sim_cpu0 = CpuSeconds(::getpid());
  (void)recorder_.TakeRequests();
  const auto start = SteadyClock::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> clients;
  for (int c = 0; c < opt_.clients; ++c) {
    clients.emplace_back([&] {
      httplib::Client http("127.0.0.1", api_port_);
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);
      http.set_connection_timeout(5);
      http.set_read_timeout(60);
      httplib::Headers headers{{"Authorization", "Bearer " + token_}};
      for (int i; (i = next.fetch_add(1)) < n;) {
        ChangeRecord& rec = records[i];
        const int site = order[(static_cast<size_t>(round) * n + i) % order.size()];
        const std::string domain = Domain(site);
        rec.scheduled = start + interval * i;
        std::this_thread::sleep_until(rec.scheduled);
        Json body{{"aliases", Json::array({tag + "x" + std::to_string(i) + "." + domain})}};
        rec.sent = SteadyClock::now();
        auto r = http.Patch(("/api/v1/sites/" + domain).c_str(), headers, body.dump(),
                            "application/json");
        rec.answered = SteadyClock::now();
        if (!r) {
          rec.error = "no answer: " + httplib::to_string(r.error());
          continue;
        }
        rec.status = r->status;
        auto j = Json::parse(r->body, nullptr, false);
        if (r->status / 100 != 2 || !j.is_object() || !j.contains("tasks") ||
            j["tasks"].size() != 1) {
          rec.error = "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
          continue;
        }
        const auto& t = j["tasks"][0];
        rec.task = t.value("id", int64_t{0});
        rec.revision = t.value("revision", int64_t{0});
        rec.node = t.value("node", std::string());
      }
    });
  }
  for (auto& t : clients) t.join();

  RoundResult out;
  out.changes = n;
  auto deadline = SteadyClock::now() + std::chrono::seconds(opt_.wait_timeout_s);
  for (;;) {
    int acked = 0;
    for (const auto& rec : records) {
      if (rec.task != 0 && recorder_.AcknowledgedAt(rec.task)) ++acked;
    }
    out.acknowledged = acked;
    if (acked == n || SteadyClock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out.controller_cpu_s = CpuSeconds(serve_->pid()) - cpu0;
  out.nats_cpu_s = CpuSeconds(nats_->pid()) - nats_cpu0;
  out.sim_cpu_s = CpuSeconds(::getpid()) - sim_cpu0;
  out.requests = recorder_.TakeRequests();

  // Requests slower than 500 ms, by the second of the round they were sent in.
  std::map<int, std::map<std::string, int>> slow_by_second;
  for (const auto& [sent, kind] : out.requests.slow) {
    ++slow_by_second[static_cast<int>(std::floor(Seconds(sent - start)))][kind];
  }
  if (!slow_by_second.empty()) {
    std::fprintf(stderr, "requests slower than 500 ms, by second of the round they were sent in:");
    for (const auto& [second, kinds] : slow_by_second) {
      std::fprintf(stderr, " %d:", second);
      for (const auto& [kind, count] : kinds) std::fprintf(stderr, "%s=%d,", kind.c_str(), count);
    }
    std::fprintf(stderr, "\n");
  }
  std::vector<double> api, key, fetch, ack;
  SteadyClock::time_point first_sent = SteadyClock::time_point::max(), last_answer{}, last_ack{};
  for (const auto& rec : records) {
    if (rec.task == 0) {
      ++out.refused;
      if (out.refused <= 5) std::fprintf(stderr, "change refused: %s\n", rec.error.c_str());
      continue;
    }
    first_sent = std::min(first_sent, rec.sent);
    last_answer = std::max(last_answer, rec.answered);
    out.send_lag_max_ms = std::max(out.send_lag_max_ms, Ms(rec.sent - rec.scheduled));
    api.push_back(Ms(rec.answered - rec.sent));
    auto node = node_index_.find(rec.node);
    if (node != node_index_.end()) {
      if (auto k = recorder_.KeyFor(node->second, rec.revision, rec.sent)) {
        key.push_back(Ms(*k - rec.sent));
      }
    }
    if (auto f = recorder_.FetchedAt(rec.task)) fetch.push_back(Ms(*f - rec.sent));
    if (auto a = recorder_.AcknowledgedAt(rec.task)) {
      ack.push_back(Ms(*a - rec.sent));
      last_ack = std::max(last_ack, *a);
    } else {
      testing::ApiClient client{api_port_, token_};
      auto t = client.Call("GET", "/api/v1/tasks/" + std::to_string(rec.task));
      std::fprintf(stderr, "task %lld on %s never acknowledged; the controller says: %s\n",
                   static_cast<long long>(rec.task), rec.node.c_str(), t.body.c_str());
    }
  }
  out.api = StatsOf(api);
  out.key = StatsOf(key);
  out.fetch = StatsOf(fetch);
  out.ack = StatsOf(ack);
  if (!api.empty()) out.api_rate = api.size() / Seconds(last_answer - first_sent);
  if (!ack.empty()) out.sustained_rate = ack.size() / Seconds(last_ack - first_sent);
  out.wall_s = ack.empty() ? 0 : Seconds(last_ack - first_sent);
  return out;
}

void FleetSim::Shutdown() {
  for (auto& a : agents_) a->Stop();
  agents_.clear();
  buses_.clear();
  files_.clear();
  if (serve_) serve_->Stop(SIGTERM, std::chrono::seconds(30));
  serve_.reset();
  if (nats_) nats_->Stop(SIGTERM, std::chrono::seconds(10));
  nats_.reset();
  std::error_code ec;
  if (!agents_dir_.empty()) fs::remove_all(agents_dir_, ec);
  // The data directory is inside run_dir_ unless --data-dir named one, which is kept.
  if (!opt_.keep && !run_dir_.empty()) fs::remove_all(run_dir_, ec);
  agents_dir_.clear();
  run_dir_.clear();
}

void PrintStats(const char* what, const Stats& s) {
  std::printf("| %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms |\n", what, s.p50, s.p90, s.p99, s.max);
}

int FleetSim::Run() {
  auto fail = [&](const char* phase, const Error& e) {
    std::fprintf(stderr, "%s: %s\n", phase, e.message.c_str());
    if (!run_dir_.empty()) std::fprintf(stderr, "(logs in %s; kept)\n", run_dir_.c_str());
    opt_.keep = true;
    return 1;
  };
  if (auto s = Prepare(); !s) return fail("seeding", s.error());
  if (auto s = StartNats(); !s) return fail("nats-server", s.error());
  if (auto s = StartController(); !s) return fail("hostplane serve", s.error());
  std::fprintf(stderr, "controller up (pid %d); connecting %d agents...\n", serve_->pid(),
               opt_.agents);
  if (auto s = StartAgents(); !s) return fail("first sync", s.error());
  std::fprintf(stderr, "first sync done in %.1f s\n", sync_s_);

  std::vector<int> order(opt_.accounts);
  for (int i = 0; i < opt_.accounts; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  std::vector<RoundResult> rounds;
  bool ok = true;
  for (int r = 0; r < opt_.runs; ++r) {
    std::fprintf(stderr, "round %d: %d changes at %.0f/s...\n", r + 1, opt_.changes, opt_.rate);
    auto result = ChangeRound(r, order);
    if (!result) return fail("changes", result.error());
    if (result->acknowledged != result->changes) ok = false;
    rounds.push_back(*result);
  }

  std::printf("machine: %s\n", MachineDescription().c_str());
  std::printf(
      "agents: %d (real agent code, recording drivers, one NATS connection each; resync %d s)\n",
      opt_.agents, opt_.resync_s);
  std::printf("accounts: %d (one site each; %d per node)\n", opt_.accounts,
              opt_.accounts / opt_.agents);
  std::printf("seed: %s%s\n", seed_note_.c_str(),
              seed_s_ > 0 ? (", " + std::to_string(static_cast<int>(seed_s_)) + " s").c_str() : "");
  std::printf("nats-server: no auth (loopback bench)\n");
  std::printf("this process's futex hash: %s\n\n",
              opt_.futex_slots > 0     ? (std::to_string(opt_.futex_slots) + " slots").c_str()
              : opt_.futex_slots == 0  ? "the kernel's global one"
              : opt_.futex_slots == -1 ? "could not be sized (the kernel's default)"
                                       : "as the kernel sized it (--kernel-futex-hash)");
  std::printf("| phase | value |\n| --- | --- |\n");
  std::printf("| %d NATS connections made | %.2f s |\n", opt_.agents, connect_s_);
  std::printf("| first full sync: every agent applied its head | %.2f s |\n", sync_applied_s_);
  std::printf("| first full sync: every agent's reports acknowledged | %.2f s |\n", sync_s_);
  std::printf("| controller CPU during the first sync | %.2f s |\n\n", sync_cpu_s_);
  for (size_t r = 0; r < rounds.size(); ++r) {
    const auto& o = rounds[r];
    std::printf(
        "round %zu: %d changes at a target %.0f/s, %d clients: %d acknowledged, %d refused\n",
        r + 1, o.changes, opt_.rate, opt_.clients, o.acknowledged, o.refused);
    std::printf(
        "| from sending the PATCH to | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- |\n");
    PrintStats("API answered", o.api);
    PrintStats("key received by the agent", o.key);
    PrintStats("bundle received", o.fetch);
    PrintStats("**report acknowledged**", o.ack);
    std::printf(
        "\nAPI answers/s %.0f; sustained changes/s (first send -> last ack) %.0f over %.1f s; "
        "latest send %.0f ms behind schedule\nCPU from the first send until the round ended: "
        "controller %.2f s (%.0f%% of one core), nats-server %.2f s, simulation (agents + API "
        "clients) %.2f s\n\n",
        o.api_rate, o.sustained_rate, o.wall_s, o.send_lag_max_ms, o.controller_cpu_s,
        o.wall_s > 0 ? 100 * o.controller_cpu_s / o.wall_s : 0, o.nats_cpu_s, o.sim_cpu_s);
    std::printf(
        "| agent -> controller request | answered | timed out | p50 | p99 |\n"
        "| --- | --- | --- | --- | --- |\n");
    for (const char* kind : {"tasks", "report", "hello"}) {
      auto ms = o.requests.ms.find(kind);
      auto failed = o.requests.failed.find(kind);
      Stats s = ms == o.requests.ms.end() ? Stats{} : StatsOf(ms->second);
      std::printf("| %s | %zu | %d | %.1f ms | %.1f ms |\n", kind,
                  ms == o.requests.ms.end() ? size_t{0} : ms->second.size(),
                  failed == o.requests.failed.end() ? 0 : failed->second, s.p50, s.p99);
    }
    std::printf("\n");
  }
  std::printf(
      "controller peak RSS %.1f MiB (now %.1f MiB); nats-server peak RSS %.1f MiB; "
      "this process (all agents) peak RSS %.1f MiB; recorded reloads %lld\n",
      PeakRssMiB(serve_->pid()), RssMiB(serve_->pid()), PeakRssMiB(nats_->pid()),
      PeakRssMiB(::getpid()), static_cast<long long>(reloads_.load()));
  std::fflush(stdout);
  if (!ok) std::fprintf(stderr, "some changes were never acknowledged\n");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) {
  CLI::App app{"N simulated agents against one controller with A accounts"};
  hostplane::bench::SimOptions opt;
  app.add_option("--agents", opt.agents, "Simulated agents (nodes)")
      ->check(CLI::Range(1, 20000))
      ->capture_default_str();
  app.add_option("--accounts", opt.accounts, "Accounts, one site each, spread over the nodes")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--changes", opt.changes, "Site changes per run")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  app.add_option("--rate", opt.rate, "Target changes per second")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option("--runs", opt.runs, "Rounds of changes")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--clients", opt.clients, "Parallel keep-alive API clients")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--data-dir", opt.data_dir,
                 "The controller's data directory (default: temporary)");
  app.add_flag("--reuse-data-dir", opt.reuse_data_dir,
               "Use the store already in --data-dir instead of seeding");
  app.add_option("--hostplane", opt.hostplane,
                 "The hostplane binary to run as the controller (default: this build's)")
      ->capture_default_str();
  app.add_flag("--keep", opt.keep, "Keep the temporary directory (logs)");
  app.add_option("--sync-timeout", opt.sync_timeout_s, "Seconds allowed for the first sync")
      ->capture_default_str();
  app.add_option("--wait-timeout", opt.wait_timeout_s,
                 "Seconds to wait for the last acknowledgements of a round")
      ->capture_default_str();
  app.add_option("--resync", opt.resync_s,
                 "The agents' resync period in seconds (they all start together, so their "
                 "resyncs come at once)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  bool kernel_futex_hash = false;
  app.add_flag("--kernel-futex-hash", kernel_futex_hash,
               "Leave this process's futex hash as the kernel sizes it (16 slots on 2 cores, "
               "Linux 6.17 and later) instead of sizing it for the agents' threads: for A/B runs");
  CLI11_PARSE(app, argc, argv);
  if (opt.accounts < opt.agents) {
    std::fprintf(stderr, "--accounts must be at least --agents\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // a thousand agents' info lines would be the bench
  if (!kernel_futex_hash) {
    opt.futex_slots = hostplane::bench::SizeFutexHash(static_cast<unsigned long>(opt.agents) * 6);
  }
  ::signal(SIGPIPE, SIG_IGN);
  hostplane::bench::FleetSim sim(opt);
  return sim.Run();
}
