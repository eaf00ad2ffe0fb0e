#pragma once

// Runs the real `hostplane up` in a temporary prefix (its own data directory, its own block of
// loopback ports), and talks to it the way a person would: the REST API over HTTP, the
// `hostplane` CLI, and curl with a Host header against the nginx it supervises. Shared by the
// integration tests and the benchmarks; it knows nothing of GoogleTest (errors are values).

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/exec/command_runner.h"
#include "common/result.h"

namespace hostplane::testing {

using Json = nlohmann::json;

struct HttpResult {
  int status = 0;  // 0: no answer (connection closed, refused)
  std::string body;
  Json json() const { return Json::parse(body, nullptr, false); }
};

struct CurlResult {
  int exit_code = -1;  // curl's own: 0 ok, 7 refused, 52 empty reply (nginx 444), 28 timeout
  int status = 0;
  std::string body;
};

// The REST API of a controller on 127.0.0.1:port, as an admin with token.
struct ApiClient {
  int port = 0;
  std::string token;
  HttpResult Call(const std::string& method, const std::string& path, const Json& body = nullptr,
                  bool auth = true) const;
  // Waits until every task is final; returns them. kTimeout when one is not final in time.
  Result<std::vector<Json>> WaitTasks(
      const std::vector<int64_t>& ids,
      std::chrono::seconds timeout = std::chrono::seconds(60)) const;
};

struct UpOptions {
  int resync_seconds = 30;
  std::vector<std::string> extra_args;  // e.g. {"--enable-test-hooks", "--test-drop-keys"}
  // Every daemon (mail, FTP, DNS, MariaDB) or only the web role. The web-only default keeps the
  // tests that kill -9 `up` from leaving Postfix's daemonized master behind.
  bool all_services = false;
  // The defaults a user gets: `hostplane up --data-dir <prefix>/var` and nothing else (default
  // ports, every daemon, no Unix-user prefix, the default uid range), with the prefix left at
  // mode 0700 like a home directory. Tests that use it share the CTest RESOURCE_LOCK
  // default_ports. resync_seconds and all_services are ignored.
  bool defaults = false;
  // More environment for `hostplane up` (HOSTPLANE_FAILPOINTS="<point>=crash", ...).
  std::map<std::string, std::string> env;
};

class UpInstance {
 public:
  explicit UpInstance(UpOptions options = {});
  ~UpInstance();  // stops hostplane up and removes the prefix
  UpInstance(const UpInstance&) = delete;
  UpInstance& operator=(const UpInstance&) = delete;

  // More arguments for `hostplane up`, for what is only known after the ports (before Start).
  void AddArgs(const std::vector<std::string>& args) {
    options_.extra_args.insert(options_.extra_args.end(), args.begin(), args.end());
  }
  // Sets (or, with an empty value, removes) a variable of up's environment for the next Start.
  void SetEnv(const std::string& key, const std::string& value) {
    if (value.empty()) {
      options_.env.erase(key);
    } else {
      options_.env[key] = value;
    }
  }
  // Starts `hostplane up` and waits until its API answers. Errors carry up's output.
  [[nodiscard]] Status Start();
  // Deletes every customer (with its content) and waits until that is applied: their Unix users,
  // pools and databases are the machine's, not the prefix's. The destructor calls it first.
  void RemoveAccounts();
  // SIGTERM and wait (a clean stop, like Ctrl-C).
  void Stop();
  // SIGKILL: no chance to clean up.
  void Kill9();
  bool Running();
  // The pid of the running `hostplane up` (controller and agent), -1 when stopped.
  int pid() const { return process_ ? process_->pid() : -1; }

  const std::string& prefix() const { return prefix_; }
  std::string data_dir() const { return prefix_ + "/var"; }
  // Where the data really is: data_dir(), or what it links to (a 0700 prefix with defaults).
  std::string real_data_dir() const;
  int api_port() const { return api_port_; }
  struct ServicePorts {
    int https = 0, smtp = 0, imap = 0, ftp = 0, ftp_passive = 0, dns = 0, db = 0, submission = 0;
  };
  const ServicePorts& ports() const { return ports_; }
  // The Unix user of an account login on this instance (its prefix + login).
  std::string UnixUser(const std::string& login) const { return user_prefix_ + login; }
  int64_t uid_first() const { return uid_first_; }
  int http_port() const { return http_port_; }
  const std::string& token() const { return token_; }
  std::string log() const;  // what hostplane up printed, for failure messages

  // REST calls with the admin token.
  HttpResult Api(const std::string& method, const std::string& path, const Json& body = nullptr,
                 bool auth = true);
  // Waits until every task is final; returns them. kTimeout when one is not final in time.
  Result<std::vector<Json>> WaitTasks(const std::vector<int64_t>& ids,
                                      std::chrono::seconds timeout = std::chrono::seconds(60));
  // Task ids of a change response ({"tasks":[...]}).
  static std::vector<int64_t> TaskIds(const Json& change);

  // `hostplane ARGS...` with HOSTPLANE_URL and HOSTPLANE_TOKEN set; stdin_data fed to it.
  Result<CommandOutput> Cli(const std::vector<std::string>& args,
                            const std::string& stdin_data = "");
  // curl -H 'Host: host' http://127.0.0.1:<http_port><path>
  CurlResult Curl(const std::string& host, const std::string& path = "/");
  // Polls until curl answers 200 for host (true) or the deadline passes (false).
  bool WaitServing(const std::string& host, std::chrono::milliseconds timeout);

 private:
  void ReadPortsFromEnv(const std::string& env_file);

  UpOptions options_;
  std::string prefix_;
  int slot_fd_ = -1;
  int api_port_ = 0;
  int http_port_ = 0;
  ServicePorts ports_;
  int64_t uid_first_ = 0;
  int64_t uid_last_ = 0;
  std::string user_prefix_;
  std::string token_;
  std::optional<ChildProcess> process_;
  Status setup_;  // an error of the constructor (no temp dir, no port slot)
};

// curl -s -H 'Host: host' http://127.0.0.1:<port><path>, the way a person checks a site.
CurlResult CurlHost(int port, const std::string& host, const std::string& path = "/");

// Lists the files of a directory (names), empty when missing.
std::vector<std::string> ListDir(const std::string& dir);
std::string ReadFile(const std::string& path);

// The value of `export KEY=value` in a hostplane.env text ("" when absent).
std::string EnvValue(const std::string& env_file, const std::string& key);

// Test binaries running at once take their ports from slots claimed with flock on
// /tmp/hostplane-<family>-slot.N, N < slots; each family has its own port range:
//   test (up_process) 21000-22999   nats (nats_split) 23000-23999   relay 25000-25999
//   fleet 27000-27999               node (node_lab) 29000-29399
// Slot N owns the ports [first_port + N * width, first_port + (N + 1) * width); a slot whose lock
// is free but one of whose ports something still listens on (a daemon a killed test left) is
// skipped. Returns the slot and keeps its descriptor in *fd (the slot is held until it is
// closed), or -1 when every slot is taken.
int ClaimPortSlot(const std::string& family, int slots, int* fd, int first_port, int width);

}  // namespace hostplane::testing
