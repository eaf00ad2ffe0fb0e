#include "up_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "stale_accounts.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

void SweepStale(const StaleAccountScope& scope) {
  for (const auto& name : SweepStaleAccounts(scope)) {
    std::fprintf(stderr, "[ up_process ] removed %s, left by a test that died\n", name.c_str());
  }
}

PosixCommandRunner& Runner() {
  static PosixCommandRunner runner({HOSTPLANE_BIN, "/usr/bin/curl"});
  return runner;
}

}  // namespace

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

UpInstance::UpInstance(UpOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/hpt.XXXXXX";
  char* dir = ::mkdtemp(tmpl);
  if (dir == nullptr) {
    setup_ = Fail(Error::FromErrno("mkdtemp", errno));
    return;
  }
  prefix_ = dir;
  if (options_.defaults) {  // mkdtemp's 0700 stays, as a home directory would be
    uid_first_ = 20000;
    uid_last_ = 59999;
    SweepStale({uid_first_, uid_last_, "", /*only_without_home=*/true});
    return;  // the ports are read from hostplane.env once up runs
  }
  ::chmod(prefix_.c_str(), 0755);  // nginx workers drop privileges and must traverse it
  int slot = ClaimPortSlot("test", 200, &slot_fd_, 21000, 10);
  if (slot < 0) {
    setup_ = Fail(Error::Unavailable("no free port slot under /tmp/hostplane-test-slot.*"));
    return;
  }
  api_port_ = 21000 + slot * 10;
  http_port_ = api_port_ + 1;
  // The other daemons of the slot: 10 ports each, 100 passive FTP ports, 1000 uids, and a Unix
  // user prefix of its own (a slot is held by one test at a time, so names never meet).
  ports_.https = api_port_ + 2;
  ports_.smtp = api_port_ + 3;
  ports_.imap = api_port_ + 4;
  ports_.ftp = api_port_ + 5;
  ports_.dns = api_port_ + 6;
  ports_.db = api_port_ + 7;
  ports_.submission = api_port_ + 8;
  ports_.ftp_passive = 40000 + slot * 100;
  // A random part too, so that accounts a killed test could not delete never meet a later one.
  std::random_device rd;
  uid_first_ = 64000 + slot * 1000 + static_cast<int64_t>(rd() % 800);
  uid_last_ = 64000 + slot * 1000 + 999;
  user_prefix_ = "t" + std::to_string(slot);
  // The slot is ours alone (its lock, and no daemon listening on its ports): any account in its
  // uid range is a dead test's.
  SweepStale({64000 + slot * 1000, uid_last_, user_prefix_, /*only_without_home=*/false});
  for (int i = 0; i < 3; ++i) user_prefix_ += static_cast<char>('a' + rd() % 26);
}

UpInstance::~UpInstance() {
  RemoveAccounts();
  Stop();
  if (!prefix_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
    std::error_code ec;
    // A data directory `up` placed elsewhere (defaults in a 0700 prefix) goes too.
    std::string real = real_data_dir();
    if (real != data_dir()) std::filesystem::remove_all(real, ec);
    std::filesystem::remove_all(prefix_, ec);
  }
  if (slot_fd_ >= 0) ::close(slot_fd_);
}

std::string UpInstance::real_data_dir() const {
  std::error_code ec;
  auto real = std::filesystem::canonical(data_dir(), ec);
  return ec ? data_dir() : real.string();
}

// The ports of an instance on the defaults, from the hostplane.env it wrote.
void UpInstance::ReadPortsFromEnv(const std::string& env_file) {
  std::string url = EnvValue(env_file, "HOSTPLANE_URL");
  auto colon = url.rfind(':');
  if (colon != std::string::npos) api_port_ = std::atoi(url.c_str() + colon + 1);
  auto port = [&](const char* key) { return std::atoi(EnvValue(env_file, key).c_str()); };
  http_port_ = port("HOSTPLANE_HTTP_PORT");
  ports_.https = port("HOSTPLANE_HTTPS_PORT");
  ports_.smtp = port("HOSTPLANE_SMTP_PORT");
  ports_.imap = port("HOSTPLANE_IMAP_PORT");
  ports_.submission = port("HOSTPLANE_SUBMISSION_PORT");
  ports_.ftp = port("HOSTPLANE_FTP_PORT");
  ports_.dns = port("HOSTPLANE_DNS_PORT");
  ports_.db = port("HOSTPLANE_DB_PORT");
}

Status UpInstance::Start() {
  HP_TRY(setup_);
  std::vector<std::string> argv = {HOSTPLANE_BIN,        "up",
                                   "--data-dir",         data_dir(),
                                   "--api-port",         std::to_string(api_port_),
                                   "--http-port",        std::to_string(http_port_),
                                   "--resync-seconds",   std::to_string(options_.resync_seconds),
                                   "--https-port",       std::to_string(ports_.https),
                                   "--smtp-port",        std::to_string(ports_.smtp),
                                   "--imap-port",        std::to_string(ports_.imap),
                                   "--submission-port",  std::to_string(ports_.submission),
                                   "--ftp-port",         std::to_string(ports_.ftp),
                                   "--ftp-passive-port", std::to_string(ports_.ftp_passive),
                                   "--dns-port",         std::to_string(ports_.dns),
                                   "--db-port",          std::to_string(ports_.db),
                                   "--unix-user-prefix", user_prefix_,
                                   "--uid-first",        std::to_string(uid_first_),
                                   "--uid-last",         std::to_string(uid_last_)};
  argv.push_back("--services");
  argv.push_back(options_.all_services ? "all" : "web");
  if (options_.defaults) argv = {HOSTPLANE_BIN, "up", "--data-dir", data_dir()};
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::map<std::string, std::string> env = options_.env;
  env["HOSTPLANE_EXEC_AUDIT"] = prefix_ + "/exec.audit";
  auto child = ChildProcess::Start(argv, prefix_ + "/up.log", env);
  if (!child) return Fail(child.error());
  process_.emplace(std::move(*child));
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->Running()) return Fail(Error::Unavailable("hostplane up exited:\n" + log()));
    std::string env_file = ReadFile(data_dir() + "/hostplane.env");
    auto pos = env_file.find("HOSTPLANE_TOKEN=");
    if (pos != std::string::npos) {
      auto end = env_file.find('\n', pos);
      token_ = env_file.substr(pos + 16, end - pos - 16);
      if (options_.defaults) ReadPortsFromEnv(env_file);
      if (Api("GET", "/healthz", nullptr, false).status == 200) return Ok();
    }
    std::this_thread::sleep_for(20ms);
  }
  return Fail(Error::Timeout("hostplane up did not become ready:\n" + log()));
}

void UpInstance::RemoveAccounts() {
  if (!process_ || !Running() || token_.empty()) return;
  std::vector<int64_t> tasks;
  for (const auto& c :
       Api("GET", "/api/v1/customers?limit=1000").json().value("customers", Json::array())) {
    auto r = Api("DELETE", "/api/v1/customers/" + c.value("login", "") + "?remove_content=true");
    if (r.status != 202) continue;
    auto ids = TaskIds(r.json());
    tasks.insert(tasks.end(), ids.begin(), ids.end());
  }
  if (!tasks.empty()) (void)WaitTasks(tasks, 60s);
}

void UpInstance::Stop() {
  if (process_) {
    process_->Stop(SIGTERM, 20s);
    process_.reset();
  }
  token_.clear();
}

void UpInstance::Kill9() {
  if (process_) {
    process_->Stop(SIGKILL, 5s);
    process_.reset();
  }
  // nginx gets SIGTERM from the kernel (PR_SET_PDEATHSIG); wait until the port is free.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline && Curl("_", "/").exit_code != 7) {
    std::this_thread::sleep_for(20ms);
  }
}

bool UpInstance::Running() { return process_ && process_->Running(); }

std::string UpInstance::log() const { return ReadFile(prefix_ + "/up.log"); }

HttpResult ApiClient::Call(const std::string& method, const std::string& path, const Json& body,
                           bool auth) const {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(90);
  httplib::Headers headers;
  if (auth) headers.emplace("Authorization", "Bearer " + token);
  std::string payload = body.is_null() ? std::string() : body.dump();
  auto send = [&]() -> httplib::Result {
    if (method == "POST") return client.Post(path.c_str(), headers, payload, "application/json");
    if (method == "PATCH") return client.Patch(path.c_str(), headers, payload, "application/json");
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    return client.Get(path.c_str(), headers);
  };
  httplib::Result r = send();
  if (!r) return {};
  return {r->status, r->body};
}

std::vector<int64_t> UpInstance::TaskIds(const Json& change) {
  std::vector<int64_t> ids;
  if (change.contains("tasks")) {
    for (const auto& t : change["tasks"]) ids.push_back(t["id"].get<int64_t>());
  }
  return ids;
}

Result<std::vector<Json>> ApiClient::WaitTasks(const std::vector<int64_t>& ids,
                                               std::chrono::seconds timeout) const {
  std::vector<Json> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int64_t id : ids) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return Fail(Error::Timeout("task " + std::to_string(id) + " not final in time"));
      }
      auto r = Call("GET", "/api/v1/tasks/" + std::to_string(id) + "/wait?timeout_ms=" +
                               std::to_string(std::min<int64_t>(left.count(), 30000)));
      if (r.status != 200) {
        return Fail(Error::Unavailable("waiting for task " + std::to_string(id) + ": HTTP " +
                                       std::to_string(r.status) + " " + r.body));
      }
      Json task = r.json();
      Json t = task.contains("task") ? task["task"] : task;
      std::string state = t.value("state", "");
      if (state == "applied" || state == "failed" || state == "superseded") {
        out.push_back(t);
        break;
      }
    }
  }
  return out;
}

HttpResult UpInstance::Api(const std::string& method, const std::string& path, const Json& body,
                           bool auth) {
  return ApiClient{api_port_, token_}.Call(method, path, body, auth);
}

Result<std::vector<Json>> UpInstance::WaitTasks(const std::vector<int64_t>& ids,
                                                std::chrono::seconds timeout) {
  return ApiClient{api_port_, token_}.WaitTasks(ids, timeout);
}

Result<CommandOutput> UpInstance::Cli(const std::vector<std::string>& args,
                                      const std::string& stdin_data) {
  Command cmd;
  cmd.argv = {HOSTPLANE_BIN};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.stdin_data = stdin_data;
  cmd.timeout = std::chrono::seconds(120);
  cmd.env = {{"HOSTPLANE_URL", "http://127.0.0.1:" + std::to_string(api_port_)},
             {"HOSTPLANE_TOKEN", token_}};
  return Runner().Run(cmd);
}

CurlResult CurlHost(int port, const std::string& host, const std::string& path) {
  Command cmd;
  cmd.argv = {"/usr/bin/curl",
              "-s",
              "--max-time",
              "5",
              "-H",
              "Host: " + host,
              "-w",
              "\n%{http_code}",
              "http://127.0.0.1:" + std::to_string(port) + path};
  auto r = Runner().Run(cmd);
  CurlResult out;
  if (!r) return out;
  out.exit_code = r->exit_code;
  auto nl = r->out.rfind('\n');
  if (nl != std::string::npos) {
    out.body = r->out.substr(0, nl);
    out.status = std::atoi(r->out.c_str() + nl + 1);
  }
  return out;
}

CurlResult UpInstance::Curl(const std::string& host, const std::string& path) {
  return CurlHost(http_port_, host, path);
}

bool UpInstance::WaitServing(const std::string& host, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Curl(host).status == 200) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::string EnvValue(const std::string& env_file, const std::string& key) {
  auto pos = env_file.find("export " + key + "=");
  if (pos != std::string::npos) pos += 7;  // "export "
  if (pos == std::string::npos) pos = env_file.find(key + "=");
  if (pos == std::string::npos) return {};
  auto end = env_file.find('\n', pos);
  return env_file.substr(pos + key.size() + 1, end - pos - key.size() - 1);
}

namespace {

// True when nothing listens on 127.0.0.1:port over TCP (SO_REUSEADDR: connections of an earlier
// test in TIME_WAIT do not count, a daemon left listening by a killed test does).
bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return free;
}

}  // namespace

int ClaimPortSlot(const std::string& family, int slots, int* fd_out, int first_port, int width) {
  for (int slot = 0; slot < slots; ++slot) {
    std::string path = "/tmp/hostplane-" + family + "-slot." + std::to_string(slot);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    // The lock is free, yet a daemon a killed test left behind may still hold the slot's ports:
    // such a slot is skipped, so one orphan costs a slot instead of failing every later test.
    bool ports_free = true;
    for (int p = first_port + slot * width; ports_free && p < first_port + (slot + 1) * width;
         ++p) {
      ports_free = PortFree(p);
    }
    if (ports_free) {
      *fd_out = fd;
      return slot;
    }
    ::close(fd);
  }
  return -1;
}

}  // namespace hostplane::testing
