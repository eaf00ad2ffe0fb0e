#pragma once

// One hosting server of a fleet, for fleet tests: under its own temporary prefix it runs the
// private daemons of the roles asked for (the same instances `hostplane up` runs: nginx always,
// PHP-FPM, Postfix + Dovecot, pure-ftpd, Knot, MariaDB), writes agent.toml with
// cmd::RenderAgentConfig, and runs the real `hostplane agent --config` binary as a child process
// against the caller's NATS servers. The daemons live in this process (the lab owns them), so
// killing the agent leaves them serving, as on a real server.
//
// Ports come from a slot claimed with flock on /tmp/hostplane-node-slot.N (a family of its own:
// `hostplane up` tests use /tmp/hostplane-test-slot.N), so labs and up tests never collide.
// Not thread-safe: one test thread drives it. It knows nothing of GoogleTest (errors are values).
//
// A node always runs nginx, even a db-only node: HostLayout::nginx is not optional, and the
// agent's nginx driver is always registered.

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/host_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::cmd {
class UpServices;
}

namespace hostplane::testing {

struct NodeLabOptions {
  std::string node = "node1";
  // "web", "mail", "ftp", "dns", "db". A role whose daemon is not installed is left out (see
  // roles()); "web" brings Unix users, PHP-FPM and certificates.
  std::set<std::string> roles = {"web", "mail", "ftp", "dns", "db"};
  std::string controller_key;  // "ed25519:...", as `hostplane serve` prints it
  std::vector<std::string> nats_servers;
  std::string nats_user;      // with nats_password, written to a 0600 file the config names
  std::string nats_password;  // never in the config or in argv
  int resync_seconds = 30;
  // Appended to `hostplane agent --config FILE` at every start (e.g. "--enable-test-hooks").
  std::vector<std::string> agent_args;
  bool start_agent = true;  // Start() also starts the agent
  // A Unix user per account (the account driver). Two labs on one machine serving the same
  // account would hold its uid under two names, which the driver refuses: fleet tests say false.
  bool unix_accounts = true;
};

class NodeLab {
 public:
  explicit NodeLab(NodeLabOptions options);
  ~NodeLab();  // stops the agent, the daemons and nginx, then removes the prefix
  NodeLab(const NodeLab&) = delete;
  NodeLab& operator=(const NodeLab&) = delete;

  // Starts nginx and the daemons, writes agent.toml, and starts the agent (unless
  // options.start_agent is false). Errors: a daemon or the agent would not start (with logs).
  [[nodiscard]] Status Start();
  // The controller's key, when it is known only after Start() (the next StartAgent uses it).
  void SetControllerKey(const std::string& key) { options_.controller_key = key; }
  // Writes agent.toml (cmd::RenderAgentConfig), then starts `hostplane agent` with
  // options.agent_args then extra_args, and waits until it says it runs. Errors: it exited (its log
  // is in the message), or said nothing within 15 s.
  [[nodiscard]] Status StartAgent(const std::vector<std::string>& extra_args = {});
  // SIGTERM to the agent and wait (a clean stop); the daemons keep running.
  void StopAgent();
  // SIGKILL to the agent: no chance to clean up. The daemons keep running.
  void Kill();
  // StopAgent, then StartAgent(extra_args).
  [[nodiscard]] Status RestartAgent(const std::vector<std::string>& extra_args = {});
  // The agent, then the daemons and nginx.
  void Stop();
  bool AgentRunning();
  int agent_pid() const { return agent_ ? agent_->pid() : -1; }

  struct Ports {
    int http = 0, https = 0, smtp = 0, imap = 0, ftp = 0, ftp_passive = 0, dns = 0, db = 0,
        submission = 0;
  };
  const Ports& ports() const { return ports_; }
  const std::string& prefix() const { return prefix_; }
  // The agent's Filesystem root (host.root): every layout path is relative to it.
  std::string root() const { return prefix_ + "/var"; }
  std::string config_path() const { return prefix_ + "/agent.toml"; }
  // The prefix of the accounts' Unix users on this node, and the user of a login.
  const std::string& unix_user_prefix() const { return user_prefix_; }
  std::string UnixUser(const std::string& login) const { return user_prefix_ + login; }
  // The roles whose daemons run (register the node with these: --node NAME:web,mail,...).
  std::vector<std::string> roles() const;
  // "NAME:role,role" for `hostplane serve --node`; valid after Start().
  std::string NodeSpec() const;
  const NodeLabOptions& options() const { return options_; }
  // Where the agent's services keep their files (paths relative to root()); valid after Start().
  const agent::HostLayout& layout() const { return layout_; }
  // The agent's, nginx's and the daemons' output, for failure messages.
  std::string Logs() const;

 private:
  Status StartNginx();
  Status WriteConfig();  // agent.toml, from layout_ and options_

  NodeLabOptions options_;
  Status setup_;  // an error of the constructor (no temp dir, no port slot)
  std::string prefix_;
  int slot_fd_ = -1;
  Ports ports_;
  std::string user_prefix_;
  std::unique_ptr<PosixFilesystem> files_;
  agent::HostLayout layout_;  // filled by the daemons' start
  std::unique_ptr<cmd::UpServices> services_;
  std::optional<ChildProcess> nginx_;
  std::optional<ChildProcess> agent_;
};

}  // namespace hostplane::testing
