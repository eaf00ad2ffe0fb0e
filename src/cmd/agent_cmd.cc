#include "cmd/agent_cmd.h"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "cmd/agent_config.h"
#include "cmd/bootstrap.h"
#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/nats/nats_bus.h"
#include "protocol/messages.h"

namespace hostplane::cmd {
namespace {

struct AgentCmdOptions {
  std::string config_path;
  bool test_hooks = false;
  std::string log_level = "info";
};

// Lets a NATS reconnection wake the agent. The agent's only outside wake-up is its key
// subscription, so this Bus passes everything through to NATS and keeps the handler of the key
// subject; Ring() hands that handler a key naming the largest revision, which is above anything
// applied, so the agent fetches (the fetch itself is by the journal's revision, never by the key).
// Ring() and the deliveries of NATS are serialised, as the Bus promises one message at a time.
class WakeableBus final : public Bus {
 public:
  explicit WakeableBus(std::string key_subject) : key_subject_(std::move(key_subject)) {}

  // Set once, before the agent subscribes.
  void Attach(Bus* inner) { inner_ = inner; }

  // From the NATS reconnected callback.
  void Ring() {
    std::vector<std::shared_ptr<Slot>> slots;
    {
      std::lock_guard lock(mu_);
      slots = slots_;
    }
    BusMessage key{key_subject_, protocol::Encode(protocol::Key{kAnyRevision}), ""};
    for (const auto& slot : slots) slot->Deliver(key);
  }

  Status Publish(const std::string& subject, const std::string& data,
                 const std::string& reply) override {
    return inner_->Publish(subject, data, reply);
  }
  Result<std::string> Request(const std::string& subject, const std::string& data,
                              std::chrono::milliseconds timeout) override {
    return inner_->Request(subject, data, timeout);
  }
  Result<std::unique_ptr<Subscription>> Subscribe(const std::string& subject,
                                                  const std::string& queue_group,
                                                  Handler handler) override {
    if (subject != key_subject_) return inner_->Subscribe(subject, queue_group, std::move(handler));
    auto slot = std::make_shared<Slot>(std::move(handler));
    auto inner =
        inner_->Subscribe(subject, queue_group, [slot](const BusMessage& m) { slot->Deliver(m); });
    if (!inner) return Fail(inner.error());
    {
      std::lock_guard lock(mu_);
      slots_.push_back(slot);
    }
    return std::unique_ptr<Subscription>(new KeySubscription(this, slot, std::move(*inner)));
  }

 private:
  static constexpr int64_t kAnyRevision = std::numeric_limits<int64_t>::max();

  struct Slot {
    explicit Slot(Handler h) : handler(std::move(h)) {}
    void Deliver(const BusMessage& m) {
      std::lock_guard lock(mu);
      if (handler) handler(m);
    }
    void Close() {
      std::lock_guard lock(mu);  // waits for a delivery in progress
      handler = nullptr;
    }
    std::mutex mu;
    Handler handler;
  };

  class KeySubscription final : public Subscription {
   public:
    KeySubscription(WakeableBus* bus, std::shared_ptr<Slot> slot,
                    std::unique_ptr<Subscription> inner)
        : bus_(bus), slot_(std::move(slot)), inner_(std::move(inner)) {}
    ~KeySubscription() override {
      inner_.reset();  // no NATS delivery after this
      slot_->Close();  // nor a ring
      std::lock_guard lock(bus_->mu_);
      std::erase(bus_->slots_, slot_);
    }

   private:
    WakeableBus* bus_;
    std::shared_ptr<Slot> slot_;
    std::unique_ptr<Subscription> inner_;
  };

  std::string key_subject_;
  Bus* inner_ = nullptr;
  std::mutex mu_;
  std::vector<std::shared_ptr<Slot>> slots_;
};

int RunAgent(const AgentCmdOptions& opt) {
  spdlog::set_level(spdlog::level::from_str(opt.log_level));
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.message.c_str());
    return e.code == ErrorCode::kInvalid ? 2 : 1;
  };
  auto config = LoadAgentConfig(opt.config_path, opt.test_hooks);
  if (!config) return fail(config.error());

  sigset_t stop_signals = BlockStopSignals();  // before any thread starts
  if (auto s = InitCrypto(); !s) return fail(s.error());
  PosixFilesystem files(config->root);
  if (auto s = files.MakeDirs(config->layout.state_dir, 0700); !s) return fail(s.error());
  // One agent per server: two would apply the same tasks against one journal.
  if (auto s = LockExclusively(files.HostPath(config->layout.state_dir), "agent.lock"); !s) {
    return fail(s.error());
  }
  PosixCommandRunner runner({config->layout.nginx.binary});
  SystemClock clock;

  WakeableBus bus(protocol::KeySubject(config->node));
  NatsOptions nats_options = config->nats;
  nats_options.retry_on_failed_connect = true;  // the agent waits for the relay, it does not quit
  nats_options.on_reconnect = [&bus] { bus.Ring(); };
  auto nats = ConnectNatsBus(nats_options);
  if (!nats) return fail(nats.error());
  bus.Attach(nats->get());

  agent::AgentOptions agent_options;
  agent_options.node = config->node;
  agent_options.controller_key = config->controller_key;
  agent_options.resync = config->resync;
  agent_options.test_break_domains = config->test_break_domains;
  agent_options.test_write_delay = config->test_write_delay;
  auto agent = agent::NewAgent(agent_options, config->layout, bus, files, runner, clock);
  if (auto s = agent->Start(); !s) return fail(s.error());

  std::string servers;
  for (const auto& s : config->nats.servers) servers += (servers.empty() ? "" : ", ") + s;
  std::printf("hostplane agent for node %s is running (NATS %s, root %s). Ctrl-C stops it.\n",
              config->node.c_str(), servers.c_str(), config->root.c_str());
  std::fflush(stdout);

  int sig = WaitForStopSignal(stop_signals);
  std::printf("stopping (%s)...\n", sig == SIGINT ? "Ctrl-C" : "SIGTERM");
  agent->Stop();
  std::printf("stopped.\n");
  return 0;
}

}  // namespace

void AddAgentCommand(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<AgentCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "agent",
      "Run the agent of one hosting server: it applies its node's tasks, received through NATS "
      "(configuration: docs/agent.toml.example).");
  cmd->add_option("--config", opt->config_path, "The agent's TOML configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--log-level", opt->log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  auto* hooks = cmd->add_option_group("test hooks", "For the integration tests only");
  hooks->add_flag("--enable-test-hooks", opt->test_hooks,
                  "Allow the [test] table of the configuration");
  cmd->callback([opt, &exit_code] { exit_code = RunAgent(*opt); });
}

}  // namespace hostplane::cmd
