#include "cmd/agent_cmd.h"

#include <spdlog/spdlog.h>

#include <atomic>
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
#include "cmd/join.h"
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
  std::string join_token;  // --join: enrol first (cmd/join.h)
  std::string controller_url;
  bool test_hooks = false;
  std::string log_level = "info";
};

// "nginx, accounts, mail": the services whose drivers the layout turns on, for the start-up line.
std::string ServiceNames(const agent::HostLayout& l) {
  std::string names = "nginx";
  auto add = [&names](bool on, const char* name) {
    if (on) names += std::string(", ") + name;
  };
  add(l.account.has_value(), "accounts");
  add(l.acme.has_value(), "certificates");
  add(l.ftp.has_value(), "ftp");
  add(l.mail.has_value(), "mail");
  add(l.dns.has_value(), "dns");
  add(l.mariadb.has_value(), "databases");
  return names;
}

// With --join, joins the fleet and saves the enrolment; then fills what the configuration leaves
// out (node, controller key, NATS login and servers) from the saved enrolment. The file wins where
// it says something, except that it may not name another node than the one that joined.
Status Enrol(const AgentCmdOptions& opt, AgentConfig& config, Filesystem& files) {
  if (!opt.join_token.empty()) {
    std::printf("joining the fleet at %s...\n", opt.controller_url.c_str());
    std::fflush(stdout);
    auto joined = JoinController(opt.controller_url, opt.join_token);
    if (!joined) return Fail(joined.error());
    HP_TRY(SaveEnrolment(files, config.layout.state_dir, *joined));
    std::printf("joined as node %s; pinned the controller's key %s\n", joined->node.c_str(),
                joined->controller_key.c_str());
  }
  HP_ASSIGN_OR_RETURN(auto enrolment, LoadEnrolment(files, config.layout.state_dir));
  if (enrolment) {
    const Enrolment& e = *enrolment;
    if (!config.node.empty() && config.node != e.node) {
      return Fail(Error::Invalid("the configuration names node '" + config.node +
                                 "' but this server joined as '" + e.node + "'"));
    }
    config.node = e.node;
    if (!config.controller_key) config.controller_key = *PublicKey::Parse(e.controller_key);
    const bool has_login =
        !config.nats.user.empty() || !config.nats.token.empty() || !config.nats.creds_file.empty();
    if (!has_login) {
      config.nats.user = e.nats_user;
      config.nats.password = e.nats_password;
    }
    if (config.nats.servers.empty()) config.nats.servers = e.nats_servers;
  }
  if (config.node.empty() || !config.controller_key) {
    return Fail(Error::Invalid(opt.config_path +
                               ": no node identity: set node and controller_key, or join once with "
                               "`hostplane agent --config FILE --join TOKEN --controller URL` (the "
                               "token comes from `hostplane node add`)"));
  }
  DeriveFromNode(config);
  return Ok();
}

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
  if (auto s = Enrol(opt, *config, files); !s) return fail(s.error());
  // The allowlist: exactly the programs of the drivers this layout turns on (as `up`'s agent).
  PosixCommandRunner runner(agent::AgentPrograms(config->layout));
  SystemClock clock;

  // After a reconnection keys may have been missed: the agent fetches (by its journal's revision,
  // so a missed key costs nothing). The callback may fire before the agent exists or after it
  // stopped; it then does nothing.
  std::atomic<agent::Agent*> wake_target{nullptr};
  NatsOptions nats_options = config->nats;
  nats_options.retry_on_failed_connect = true;  // the agent waits for the relay, it does not quit
  nats_options.on_reconnect = [&wake_target] {
    if (agent::Agent* a = wake_target.load()) a->Wake();
  };
  auto nats = ConnectNatsBus(nats_options);
  if (!nats) return fail(nats.error());
  Bus& bus = **nats;

  agent::AgentOptions agent_options;
  agent_options.node = config->node;
  agent_options.controller_key = config->controller_key;
  agent_options.resync = config->resync;
  agent_options.test_break_domains = config->test_break_domains;
  agent_options.test_write_delay = config->test_write_delay;
  auto agent = agent::NewAgent(agent_options, config->layout, bus, files, runner, clock);
  if (auto s = agent->Start(); !s) return fail(s.error());
  wake_target = agent.get();

  std::string servers;
  for (const auto& s : config->nats.servers) servers += (servers.empty() ? "" : ", ") + s;
  std::printf(
      "hostplane agent for node %s is running (services %s; NATS %s, root %s). Ctrl-C stops "
      "it.\n",
      config->node.c_str(), ServiceNames(config->layout).c_str(), servers.c_str(),
      config->root.c_str());
  std::fflush(stdout);

  int sig = WaitForStopSignal(stop_signals);
  std::printf("stopping (%s)...\n", sig == SIGINT ? "Ctrl-C" : "SIGTERM");
  wake_target = nullptr;
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
  cmd->add_option("--join", opt->join_token,
                  "Join the fleet once with this token (from `hostplane node add`): the node's "
                  "name, NATS login and the controller's key are saved in the state directory");
  cmd->add_option("--controller", opt->controller_url,
                  "The controller's URL for --join (http:// or https://)")
      ->check([](const std::string& v) -> std::string {
        if (v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) return {};
        return "must start with http:// or https://";
      });
  cmd->add_option("--log-level", opt->log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  auto* hooks = cmd->add_option_group("test hooks", "For the integration tests only");
  hooks->add_flag("--enable-test-hooks", opt->test_hooks,
                  "Allow the [test] table of the configuration");
  cmd->callback([opt, &exit_code] {
    if (opt->join_token.empty() != opt->controller_url.empty()) {
      std::fprintf(stderr, "error: --join and --controller go together\n");
      exit_code = 2;
      return;
    }
    exit_code = RunAgent(*opt);
  });
}

}  // namespace hostplane::cmd
