#pragma once

// A fleet on one machine, every part real and its own process: a NATS hub and site leaf nodes
// written by the real `hostplane relay config`, controllers (`hostplane serve`) on the hub, and
// hosting servers (node_lab.h) whose agents join with one-time tokens through their site's leaf.
// Ports come from a slot claimed with flock on /tmp/hostplane-fleet-slot.N. Shared by the fleet
// test (tests/integration/fleet_test.cc) and the chaos test (tests/proof/chaos_test.cc). Not
// thread-safe: one test thread drives it. It knows nothing of GoogleTest (errors are values).

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/exec/command_runner.h"
#include "common/result.h"
#include "node_lab.h"
#include "up_process.h"

namespace hostplane::testing {

// Runs argv (its program on the allowlist `allowed`) with env, 120 s at most; a failure to start
// is exit code -1 with the error as stderr.
CommandOutput RunProgram(std::vector<std::string> argv, const std::vector<std::string>& allowed,
                         const std::map<std::string, std::string>& env = {});

class FleetLab {
 public:
  FleetLab();
  // Stops the servers, the controllers, the leaves and the hub, then removes the prefix.
  virtual ~FleetLab();
  FleetLab(const FleetLab&) = delete;
  FleetLab& operator=(const FleetLab&) = delete;

  int hub_port() const { return base_; }
  int hub_leaf_port() const { return base_ + 1; }
  // Sites "a" and "b" have a leaf each.
  int leaf_port(const std::string& site) const { return base_ + (site == "a" ? 2 : 3); }
  int api_port(int i) const { return base_ + 4 + i; }  // 0, 1; 2 for the rogue
  const std::string& prefix() const { return prefix_; }
  std::string hub_dir() const { return prefix_ + "/hub"; }
  std::string store_dir() const { return prefix_ + "/ctl"; }
  const std::string& token() const { return token_; }
  const std::string& controller_key() const { return key_; }
  std::string url(int i) const { return "http://127.0.0.1:" + std::to_string(api_port(i)); }

  // `hostplane ARGS...` against the live controller; its output in *out.
  Status Hostplane(std::vector<std::string> args, std::string* out = nullptr);

  // The relay: a hub with the sites' nodes ("a:a-web" each), controllers on it.
  Status StartHub(const std::vector<std::string>& sites = {"a:a-web", "b:b-web,b-db"});
  // `hostplane serve` number i (2: the rogue, with a store of its own) on the hub, waiting until
  // its API answers.
  Status StartController(int i, const std::string& data_dir, std::vector<std::string> extra = {});
  // SIGKILL: no chance to clean up.
  void KillController(int i);
  bool ControllerRunning(int i);
  void StopRogue();
  void UseController(int i) { live_ = i; }

  // A site's leaf with the users of its joined nodes, from the controller (node relay-users).
  Status StartLeaf(const std::string& site);
  // The leaf again with the configuration StartLeaf wrote (no controller needed).
  Status RestartLeaf(const std::string& site);
  void StopLeaf(const std::string& site);

  // node add NAME --roles ... --site S, then the server's lab with its agent joining. Without
  // options: no Unix users per account (two servers on one machine would hold an account's uid
  // under two names), resync 5 s.
  Status AddServer(const std::string& name, const std::string& site,
                   const std::set<std::string>& roles);
  // The same with the lab's options (node, roles, nats_servers and start_agent are set here).
  Status AddServerWith(const std::string& name, const std::string& site, NodeLabOptions options);
  NodeLab& lab(const std::string& name) { return *labs_.at(name); }

  HttpResult Api(const std::string& method, const std::string& path, const Json& body = nullptr);
  ApiClient Client() const { return ApiClient{api_port(live_), token_}; }
  // Polls until node's health is `health`.
  bool WaitHealth(const std::string& node, const std::string& health, std::chrono::seconds t);

  // A 0600 file in the fleet's prefix (credentials for curl's --netrc-file, mariadb's defaults).
  std::string Secret(const std::string& name, const std::string& content) const;
  // Every process's log, for failure messages.
  std::string Logs() const;

 private:
  Status StartNats(std::optional<ChildProcess>& slot, const std::string& name,
                   const std::string& conf, int port);

  Status setup_;
  std::string prefix_;
  int slot_fd_ = -1;
  int base_ = 0;
  int live_ = 0;
  std::string token_;
  std::string key_;
  std::optional<ChildProcess> hub_;
  std::map<std::string, std::optional<ChildProcess>> leaves_;
  std::optional<ChildProcess> controllers_[2];
  std::optional<ChildProcess> rogue_;
  std::map<std::string, std::unique_ptr<NodeLab>> labs_;
};

}  // namespace hostplane::testing
