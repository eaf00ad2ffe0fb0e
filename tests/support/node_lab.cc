#include "node_lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cmd/agent_config.h"
#include "cmd/bootstrap.h"
#include "cmd/nginx_conf.h"
#include "cmd/up_services.h"
#include "common/net/loopback.h"
#include "common/signing_key.h"
#include "up_process.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// Slots of their own (not up_process's /tmp/hostplane-test-slot.N). 40 slots: the passive FTP
// ranges (61000 + 100 * slot) stay above Linux's ephemeral ports (32768-60999).
constexpr int kSlots = 40;

// A file only its owner reads (the agent reads the NATS password from it).
Status WriteSecret(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(Error::FromErrno("creating " + path, errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!ok) return Fail(Error::Io("writing " + path));
  return Ok();
}

}  // namespace

NodeLab::NodeLab(NodeLabOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/hpl.XXXXXX";  // short: Unix socket paths live below it
  if (::mkdtemp(tmpl) == nullptr) {
    setup_ = Fail(Error::FromErrno("mkdtemp", errno));
    return;
  }
  prefix_ = tmpl;
  ::chmod(prefix_.c_str(), 0755);  // daemons that drop privileges must traverse it
  int slot = ClaimPortSlot("node", kSlots, &slot_fd_, 29000, 10);
  if (slot < 0) {
    setup_ = Fail(Error::Unavailable("no free port slot under /tmp/hostplane-node-slot.*"));
    return;
  }
  const int base = 29000 + slot * 10;  // ClaimPortSlot's table of ranges
  ports_ = Ports{base,     base + 1, base + 2, base + 3, base + 4, 61000 + slot * 100,
                 base + 5, base + 6, base + 7};
  // A random part, so accounts a killed test could not delete never meet a later test's.
  std::random_device rd;
  user_prefix_ = "n" + std::to_string(slot);
  for (int i = 0; i < 3; ++i) user_prefix_ += static_cast<char>('a' + rd() % 26);
}

NodeLab::~NodeLab() {
  Stop();
  if (!prefix_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(prefix_, ec);
  }
  if (slot_fd_ >= 0) ::close(slot_fd_);
}

Status NodeLab::Start() {
  HP_TRY(setup_);
  std::error_code ec;
  // The hierarchy every server has, 0755 as on Debian: the daemons' instances create their own
  // directories below it with private modes (MariaDbInstance gives new parents 0750, which the
  // mysql user could not traverse on a db-only node where nothing else created var/lib first).
  for (const char* dir : {"", "/var/lib", "/var/log", "/run", "/etc"}) {
    std::filesystem::create_directories(root() + dir, ec);
    ::chmod((root() + dir).c_str(), 0755);
  }
  ::chmod((root() + "/var").c_str(), 0755);
  files_ = std::make_unique<PosixFilesystem>(root());

  agent::HostLayout layout = cmd::UpLayout(root(), ports_.http);
  HP_TRY(cmd::WriteUpNginxConf(*files_, layout, cmd::UpNginxPaths(root())));
  HP_TRY(StartNginx());

  cmd::UpServiceOptions s;
  s.unix_user_prefix = user_prefix_;
  s.https_port = ports_.https;
  s.smtp_port = ports_.smtp;
  s.imap_port = ports_.imap;
  s.ftp_port = ports_.ftp;
  s.ftp_passive_min = ports_.ftp_passive;
  s.dns_port = ports_.dns;
  s.db_port = ports_.db;
  s.submission_port = ports_.submission;
  s.roles = options_.roles;
  auto services = cmd::UpServices::Start(root(), layout, *files_, s);
  if (!services) return Fail(services.error().Wrap("node " + options_.node));
  services_ = std::move(*services);

  layout_ = layout;
  // Without Unix users per account the agent has no account driver (sites are served as the
  // agent's user), and the controller sends it no account tasks.
  if (!options_.unix_accounts) layout_.account.reset();
  if (options_.start_agent) return StartAgent();
  return Ok();
}

Status NodeLab::WriteConfig() {
  cmd::AgentConfig c;
  c.node = options_.node;
  if (!options_.controller_key.empty()) {
    auto key = PublicKey::Parse(options_.controller_key);
    if (!key) return Fail(key.error());
    c.controller_key = *key;
  }
  c.resync = std::chrono::seconds(options_.resync_seconds);
  c.nats.servers = options_.nats_servers;
  c.nats.reconnect_wait = 50ms;
  if (!options_.nats_user.empty()) {
    c.nats.user = options_.nats_user;
    c.nats_password_file = prefix_ + "/nats-password";
    HP_TRY(WriteSecret(c.nats_password_file, options_.nats_password));
  }
  c.root = root();
  c.layout = layout_;
  std::ofstream out(config_path(), std::ios::trunc);
  out << cmd::RenderAgentConfig(c);
  out.close();
  if (!out) return Fail(Error::FromErrno("writing " + config_path(), errno));

  return Ok();
}

Status NodeLab::StartNginx() {
  cmd::NginxPaths paths = cmd::UpNginxPaths(root());
  HP_TRY(cmd::CheckPortFree("127.0.0.1", ports_.http, "node lab http port"));
  auto child = ChildProcess::Start(
      {paths.binary, "-p", paths.prefix, "-c", paths.conf, "-g", "daemon off;"}, paths.stderr_log);
  if (!child) return Fail(child.error());
  nginx_.emplace(std::move(*child));
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(5ms)) {
    if (!nginx_->Running()) return Fail(Error::Unavailable("nginx exited:\n" + Logs()));
    if (LoopbackAccepts(ports_.http)) return Ok();
  }
  return Fail(Error::Timeout("nginx did not listen on " + std::to_string(ports_.http)));
}

Status NodeLab::StartAgent(const std::vector<std::string>& extra_args) {
  HP_TRY(setup_);
  if (agent_ && agent_->Running()) return Fail(Error::Conflict("the agent is already running"));
  if (!services_) return Fail(Error::Unavailable("the node lab is not started (Start())"));
  HP_TRY(WriteConfig());
  std::vector<std::string> argv = {HOSTPLANE_BIN, "agent", "--config", config_path()};
  argv.insert(argv.end(), options_.agent_args.begin(), options_.agent_args.end());
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  const std::string log_path = prefix_ + "/agent.log";
  const size_t log_from = ReadFile(log_path).size();  // the log is appended across restarts
  auto child =
      ChildProcess::Start(argv, log_path, {{"HOSTPLANE_EXEC_AUDIT", prefix_ + "/exec.audit"}});
  if (!child) return Fail(child.error());
  agent_.emplace(std::move(*child));
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (!agent_->Running()) return Fail(Error::Unavailable("hostplane agent exited:\n" + Logs()));
    std::string log = ReadFile(log_path);
    if (log.size() > log_from && log.find(" is running", log_from) != std::string::npos) {
      return Ok();
    }
  }
  return Fail(Error::Timeout("hostplane agent did not start within 15 s:\n" + Logs()));
}

void NodeLab::StopAgent() {
  if (agent_) agent_->Stop(SIGTERM, 20s);
  agent_.reset();
}

void NodeLab::Kill() {
  if (agent_) agent_->Stop(SIGKILL, 5s);
  agent_.reset();
}

Status NodeLab::RestartAgent(const std::vector<std::string>& extra_args) {
  StopAgent();
  return StartAgent(extra_args);
}

void NodeLab::Stop() {
  StopAgent();
  services_.reset();
  if (nginx_) nginx_->Stop(SIGTERM, 5s);
  nginx_.reset();
}

bool NodeLab::AgentRunning() { return agent_ && agent_->Running(); }

std::vector<std::string> NodeLab::roles() const {
  return services_ ? services_->roles() : std::vector<std::string>{};
}

std::string NodeLab::NodeSpec() const {
  std::string spec = options_.node + ":";
  std::vector<std::string> r = roles();
  for (size_t i = 0; i < r.size(); ++i) spec += (i == 0 ? "" : ",") + r[i];
  return spec;
}

std::string NodeLab::Logs() const {
  std::string out = "--- agent (" + options_.node + "):\n" + ReadFile(prefix_ + "/agent.log");
  out += "--- nginx:\n" + ReadFile(root() + "/nginx/logs/nginx.stderr.log") +
         ReadFile(root() + "/nginx/logs/error.log");
  if (services_) {
    for (const auto& line : services_->summary()) out += line + "\n";
  }
  return out;
}

}  // namespace hostplane::testing
