#include "fleet_lab.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/net/loopback.h"

namespace hostplane::testing {

using namespace std::chrono_literals;

CommandOutput RunProgram(std::vector<std::string> argv, const std::vector<std::string>& allowed,
                         const std::map<std::string, std::string>& env) {
  PosixCommandRunner runner(std::set<std::string>(allowed.begin(), allowed.end()));
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.timeout = 120s;
  cmd.env = env;
  auto r = runner.Run(cmd);
  if (!r) return CommandOutput{-1, "", r.error().message};
  return *r;
}

FleetLab::FleetLab() {
  char tmpl[] = "/tmp/hpfleet.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    setup_ = Fail(Error::FromErrno("mkdtemp", errno));
    return;
  }
  prefix_ = tmpl;
  const int slot = ClaimPortSlot("fleet", 50, &slot_fd_, 27000, 20);
  if (slot < 0) {
    setup_ = Fail(Error::Unavailable("no free /tmp/hostplane-fleet-slot.*"));
  } else {
    base_ = 27000 + 20 * slot;
  }
}

FleetLab::~FleetLab() {
  labs_.clear();
  for (auto& c : controllers_) c.reset();
  rogue_.reset();
  leaves_.clear();
  hub_.reset();
  if (!prefix_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(prefix_, ec);
  }
  if (slot_fd_ >= 0) ::close(slot_fd_);
}

Status FleetLab::Hostplane(std::vector<std::string> args, std::string* out) {
  args.insert(args.begin(), HOSTPLANE_BIN);
  auto r = RunProgram(args, {HOSTPLANE_BIN},
                      {{"HOSTPLANE_URL", url(live_)}, {"HOSTPLANE_TOKEN", token_}});
  if (out) *out = r.out + r.err;
  if (!r.ok()) {
    return Fail(Error::Internal("hostplane " + args[1] + " " + args[2] + " exited " +
                                std::to_string(r.exit_code) + ":\n" + r.out + r.err));
  }
  return Ok();
}

Status FleetLab::StartNats(std::optional<ChildProcess>& slot, const std::string& name,
                           const std::string& conf, int port) {
  auto binary = FindProgram("nats-server");
  if (!binary) return Fail(Error::NotFound("nats-server is not installed"));
  auto child = ChildProcess::Start({*binary, "-c", conf}, prefix_ + "/" + name + ".log");
  if (!child) return Fail(child.error());
  slot.emplace(std::move(*child));
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (!slot->Running()) return Fail(Error::Unavailable(name + " exited:\n" + Logs()));
    if (LoopbackAccepts(port)) return Ok();
  }
  return Fail(Error::Timeout(name + " did not listen"));
}

Status FleetLab::StartController(int i, const std::string& data_dir,
                                 std::vector<std::string> extra) {
  std::vector<std::string> argv = {HOSTPLANE_BIN,
                                   "serve",
                                   "--data-dir",
                                   data_dir,
                                   "--api-port",
                                   std::to_string(api_port(i)),
                                   "--nats",
                                   "nats://127.0.0.1:" + std::to_string(hub_port()),
                                   "--nats-user",
                                   "_controller",
                                   "--nats-password-file",
                                   hub_dir() + "/controller.password"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  // Appended across restarts, like the agents' logs.
  auto child = ChildProcess::Start(argv, prefix_ + "/serve" + std::to_string(i) + ".log");
  if (!child) return Fail(child.error());
  std::optional<ChildProcess>& slot = i == 2 ? rogue_ : controllers_[i];
  slot.emplace(std::move(*child));
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
    if (!slot->Running()) return Fail(Error::Unavailable("serve exited:\n" + Logs()));
    std::string env = ReadFile(data_dir + "/hostplane.env");
    if (!EnvValue(env, "HOSTPLANE_TOKEN").empty() &&
        ApiClient{api_port(i), ""}.Call("GET", "/healthz", nullptr, false).status == 200) {
      if (i != 2) {
        token_ = EnvValue(env, "HOSTPLANE_TOKEN");
        key_ = EnvValue(env, "HOSTPLANE_CONTROLLER_KEY");
      }
      return Ok();
    }
  }
  return Fail(Error::Timeout("serve did not answer:\n" + Logs()));
}

void FleetLab::KillController(int i) {
  if (controllers_[i]) controllers_[i]->Stop(SIGKILL, 5s);
  controllers_[i].reset();
}

bool FleetLab::ControllerRunning(int i) { return controllers_[i] && controllers_[i]->Running(); }

void FleetLab::StopRogue() { rogue_.reset(); }

Status FleetLab::StartHub(const std::vector<std::string>& sites) {
  HP_TRY(setup_);
  std::vector<std::string> args = {"relay",
                                   "config",
                                   "hub",
                                   "--out",
                                   hub_dir(),
                                   "--listen",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(hub_port()),
                                   "--leaf-port",
                                   std::to_string(hub_leaf_port())};
  for (const auto& site : sites) args.insert(args.end(), {"--site", site});
  HP_TRY(Hostplane(args));
  return StartNats(hub_, "hub", hub_dir() + "/hub.conf", hub_port());
}

Status FleetLab::StartLeaf(const std::string& site) {
  std::string users;
  HP_TRY(Hostplane({"node", "relay-users", site}, &users));
  const std::string dir = prefix_ + "/site-" + site;
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/users.json", std::ios::trunc);
    out << users;
  }
  HP_TRY(Hostplane({"relay", "config", "site", site, "--hub",
                    "nats-leaf://127.0.0.1:" + std::to_string(hub_leaf_port()),
                    "--leaf-password-file", hub_dir() + "/leaf-" + site + ".password", "--listen",
                    "127.0.0.1", "--port", std::to_string(leaf_port(site)), "--users-file",
                    dir + "/users.json", "--out", dir}));
  return RestartLeaf(site);
}

Status FleetLab::RestartLeaf(const std::string& site) {
  const std::string dir = prefix_ + "/site-" + site;
  return StartNats(leaves_[site], "leaf-" + site, dir + "/" + site + ".conf", leaf_port(site));
}

void FleetLab::StopLeaf(const std::string& site) { leaves_[site].reset(); }

Status FleetLab::AddServer(const std::string& name, const std::string& site,
                           const std::set<std::string>& roles) {
  NodeLabOptions options;
  options.roles = roles;
  options.unix_accounts = false;
  options.resync_seconds = 5;
  return AddServerWith(name, site, std::move(options));
}

Status FleetLab::AddServerWith(const std::string& name, const std::string& site,
                               NodeLabOptions options) {
  auto r =
      Api("POST", "/api/v1/nodes",
          {{"name", name}, {"roles", Json(options.roles)}, {"site", site}, {"ipv4", "127.0.0.1"}});
  if (r.status != 201) return Fail(Error::Internal("node add " + name + ": " + r.body));
  const std::string join = r.json().value("join_token", "");
  options.node = name;
  options.nats_servers = {"nats://127.0.0.1:" + std::to_string(leaf_port(site))};
  options.start_agent = false;
  auto lab = std::make_unique<NodeLab>(options);
  HP_TRY(lab->Start());
  HP_TRY(lab->StartAgent({"--join", join, "--controller", url(live_)}));
  labs_[name] = std::move(lab);
  return Ok();
}

HttpResult FleetLab::Api(const std::string& method, const std::string& path, const Json& body) {
  return Client().Call(method, path, body);
}

bool FleetLab::WaitHealth(const std::string& node, const std::string& health,
                          std::chrono::seconds t) {
  for (auto deadline = std::chrono::steady_clock::now() + t;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    auto r = Api("GET", "/api/v1/nodes/" + node);
    if (r.status == 200 && r.json()["node"].value("health", "") == health) return true;
  }
  return false;
}

std::string FleetLab::Secret(const std::string& name, const std::string& content) const {
  const std::string path = prefix_ + "/" + name;
  {
    std::ofstream out(path, std::ios::trunc);
    out << content;
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

std::string FleetLab::Logs() const {
  std::string out;
  for (const char* name : {"serve0", "serve1", "serve2", "hub", "leaf-a", "leaf-b"}) {
    out += std::string("--- ") + name + ":\n" + ReadFile(prefix_ + "/" + name + ".log");
  }
  for (const auto& [name, lab] : labs_) out += "--- " + name + ":\n" + lab->Logs();
  return out;
}

}  // namespace hostplane::testing
