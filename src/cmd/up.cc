#include "cmd/up.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "cmd/bootstrap.h"
#include "cmd/controller_identity.h"
#include "cmd/controller_runtime.h"
#include "cmd/login_flags.h"
#include "cmd/nginx_conf.h"
#include "cmd/order_flags.h"
#include "cmd/up_data_dir.h"
#include "cmd/up_services.h"
#include "cmd/up_status.h"
#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/net/loopback.h"
#include "common/signing_key.h"
#include "controller/api/api_server.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"
#include "controller/store/store_url.h"

namespace hostplane::cmd {
namespace {

using namespace std::chrono_literals;

struct UpOptions {
  controller::LoginOptions login;
  int login_window_minutes = 15;
  controller::OrderPipelineOptions orders;
  std::string data_dir = "var";
  std::string store;  // empty: sqlite://<data-dir>/store.db
  std::string listen = "127.0.0.1";
  int api_port = 8580;
  int http_port = 18080;
  int resync_seconds = 30;
  std::string log_level = "info";
  UpServiceOptions services;
  int64_t uid_first = 20000;
  int64_t uid_last = 59999;
  std::string acme_directory;
  std::string panel_dir;                    // empty: DefaultPanelDir()
  std::vector<std::string> reserved_names;  // HostingOptions::reserved_names
  // Test hooks, refused unless --enable-test-hooks is given.
  bool test_hooks = false;
  std::vector<std::string> test_break_domains;
  int test_write_delay_ms = 0;
  bool test_drop_keys = false;
};

constexpr const char* kNodeName = "local";
constexpr const char* kSigningKeyFile = "controller.key";

// nginx with 10,000 vhosts opens two log files per site: raise our limit (inherited by nginx).
void RaiseFileLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlimit want = lim;
  want.rlim_cur = want.rlim_max = std::max<rlim_t>(lim.rlim_max, 262144);
  if (::setrlimit(RLIMIT_NOFILE, &want) != 0) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::string TailOfFile(const std::string& path, size_t bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  long from = size > static_cast<long>(bytes) ? size - static_cast<long>(bytes) : 0;
  std::fseek(f, from, SEEK_SET);
  std::string out(static_cast<size_t>(size - from), '\0');
  size_t n = std::fread(out.data(), 1, out.size(), f);
  out.resize(n);
  std::fclose(f);
  return out;
}

// Every port `up` is about to listen on, checked before anything starts: one message names each
// taken port and the option that moves it. Errors: kConflict.
Status CheckPortsFree(const UpOptions& opt) {
  std::vector<UpServices::PortClaim> claims = {{opt.api_port, "--api-port", false},
                                               {opt.http_port, "--http-port", false}};
  for (auto& c : UpServices::PortsToClaim(opt.services)) claims.push_back(c);
  std::map<std::string, std::vector<std::string>> taken;  // flag -> "127.0.0.1:12525"
  std::vector<std::string> order;
  for (const auto& c : claims) {
    const std::string address = c.flag == "--api-port" ? opt.listen : "127.0.0.1";
    auto free = CheckPortFree(address, c.port, c.flag.c_str(), c.udp);
    if (free) continue;
    if (free.error().code != ErrorCode::kConflict) return free;
    if (!taken.count(c.flag)) order.push_back(c.flag);
    taken[c.flag].push_back(fmt::format("{}:{}{}", address, c.port, c.udp ? "/udp" : ""));
  }
  if (taken.empty()) return Ok();
  std::string msg = "ports hostplane up needs are taken (nothing was started):\n";
  for (const auto& flag : order) {
    std::string ports;
    for (const auto& p : taken[flag]) ports += (ports.empty() ? "" : ", ") + p;
    msg += fmt::format("  {:<20} {}\n", flag, ports);
  }
  msg +=
      "Another hostplane up may hold them (`ss -ltnup` as root shows which program does), or "
      "choose other ports with the options above: scripts/up passes them to hostplane up.";
  return Fail(Error::Conflict(msg));
}

// Creates <dir>/<name> if missing, and gives it and its SQLite companions mode 0600.
Status KeepPrivate(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Fail(Error::FromErrno("opening " + path, errno));
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(Error::FromErrno("chmod " + path, err));
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string companion = path + suffix;
    if (::chmod(companion.c_str(), 0600) != 0 && errno != ENOENT) {
      return Fail(Error::FromErrno("chmod " + companion, errno));
    }
  }
  return Ok();
}

// The path of the running binary, for hints that name it.
std::string BinaryPath() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("hostplane") : exe.string();
}

std::string NowIso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Starts the private nginx and waits until it accepts connections.
Result<ChildProcess> StartNginx(const NginxPaths& paths, int http_port) {
  HP_TRY(CheckPortFree("127.0.0.1", http_port, "--http-port"));
  auto nginx = ChildProcess::Start(
      {paths.binary, "-p", paths.prefix, "-c", paths.conf, "-g", "daemon off;"}, paths.stderr_log);
  if (!nginx) return Fail(nginx.error());
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!nginx->Running()) {
      return Fail(
          Error::Unavailable("nginx exited at start-up: " + TailOfFile(paths.stderr_log, 2000) +
                             TailOfFile(paths.error_log, 2000)));
    }
    if (LoopbackAccepts(http_port)) return nginx;
    std::this_thread::sleep_for(5ms);
  }
  return Fail(Error::Timeout("nginx did not start listening on port " + std::to_string(http_port) +
                             " within 15 s"));
}

int RunUp(const UpOptions& opt) {
  spdlog::set_level(spdlog::level::from_str(opt.log_level));
  if (!opt.test_hooks &&
      (!opt.test_break_domains.empty() || opt.test_write_delay_ms > 0 || opt.test_drop_keys)) {
    std::fprintf(stderr, "error: --test-* options need --enable-test-hooks\n");
    return 2;
  }
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.message.c_str());
    return 1;
  };
  if (opt.uid_first > opt.uid_last) {
    std::fprintf(stderr, "error: --uid-first (%lld) is above --uid-last (%lld)\n",
                 static_cast<long long>(opt.uid_first), static_cast<long long>(opt.uid_last));
    return 2;
  }
  if (!opt.store.empty()) {
    if (auto url = controller::ParseStoreUrl(opt.store); !url) {
      std::fprintf(stderr, "error: --store: %s\n", url.error().message.c_str());
      return 2;
    }
  }
  if (auto s = InitCrypto(); !s) return fail(s.error());
  // Where the daemons' users can reach it (a clone in a 0700 home: /var/lib/hostplane/up/...).
  auto placed = PlaceUpDataDir(opt.data_dir, ::geteuid() == 0);
  if (!placed) return fail(placed.error());
  const std::string data_dir = placed->path;
  // One controller per data directory: `up` and `serve` exclude each other.
  if (auto s = LockExclusively(data_dir, "controller.lock"); !s) {
    if (s.error().code == ErrorCode::kConflict) {
      std::fprintf(stderr, "error: %s\n%s status --data-dir %s shows what it runs.\n",
                   s.error().message.c_str(), BinaryPath().c_str(), data_dir.c_str());
      return 1;
    }
    return fail(s.error());
  }
  // Block the stop signals in every thread; the main thread waits for them below.
  const sigset_t stop_signals = BlockStopSignals();
  {
    PosixFilesystem files(data_dir);
    if (auto s = UpServices::StopLeftovers(files); !s) return fail(s.error());
  }
  if (auto s = CheckPortsFree(opt); !s) return fail(s.error());
  if (!placed->link.empty()) {
    std::printf("data: %s links to %s (%s)\n", placed->link.c_str(), data_dir.c_str(),
                placed->why.empty() ? "placed there at an earlier start" : placed->why.c_str());
  }

  PosixFilesystem files(data_dir);
  SystemClock clock;
  RaiseFileLimit();  // before the layout, which depends on it, and before nginx inherits it
  agent::HostLayout layout = UpLayout(data_dir, opt.http_port);
  if (!layout.nginx.error_log_per_site) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    spdlog::warn(
        "the open-file limit here is {} and cannot be raised: nginx error logs are kept per "
        "account instead of per site (nginx holds each one open twice during a reload); access "
        "logs stay per site",
        static_cast<uint64_t>(lim.rlim_cur));
  }
  NginxPaths nginx_paths = UpNginxPaths(data_dir);
  if (auto s = WriteUpNginxConf(files, layout, nginx_paths); !s) return fail(s.error());

  // The store holds token and password hashes: root's alone, though the data directory is 0755
  // for nginx's workers (SQLite gives its -wal and -shm files the mode of the database file).
  if (auto s = KeepPrivate(data_dir, "store.db"); !s) return fail(s.error());
  auto controller = ControllerRuntime::Open(data_dir, files, clock, "", opt.store);
  if (!controller) return fail(controller.error());
  // This process holds the data directory (controller.lock): a job lease of its own identity
  // was left by an earlier, dead incarnation and is taken at once.
  auto identity = ControllerIdentity(files);
  if (!identity) return fail(identity.error());
  (*controller)->SetLeaseOptions({.identity = *identity});
  const SigningKey& signing_key = (*controller)->signing_key();
  const std::string& token = (*controller)->admin_token();
  if (auto s = (*controller)->LoadPanel(opt.panel_dir); !s) return fail(s.error());
  controller::LoginOptions login = opt.login;
  ApplyLoginWindow(login, opt.login_window_minutes);
  (*controller)->SetLoginOptions(login);
  (*controller)->SetOrderOptions(opt.orders);

  auto nginx = StartNginx(nginx_paths, opt.http_port);
  if (!nginx) return fail(nginx.error());
  auto services = UpServices::Start(data_dir, layout, files, opt.services);
  if (!services) return fail(services.error());

  BusFaults faults;
  if (opt.test_drop_keys) faults.drop_publish_prefix = "hp.node.";
  auto bus = NewInProcessBus(faults);
  controller::HostingOptions hosting;
  hosting.uid_first = opt.uid_first;
  hosting.uid_last = opt.uid_last;
  hosting.acme_directory = opt.acme_directory;
  hosting.reserved_names = opt.reserved_names;
  controller::NodeInput node{kNodeName, (*services)->roles(), 1'000'000, "127.0.0.1", ""};
  if (auto s =
          (*controller)->Start(*bus, {node}, "system:up", opt.listen, opt.api_port, {}, hosting);
      !s) {
    return fail(s.error());
  }

  PosixCommandRunner runner(agent::AgentPrograms(layout));
  agent::AgentOptions agent_options;
  agent_options.node = kNodeName;
  agent_options.controller_key = signing_key.public_key();
  agent_options.resync = std::chrono::seconds(opt.resync_seconds);
  agent_options.test_break_domains = opt.test_break_domains;
  agent_options.test_write_delay = std::chrono::milliseconds(opt.test_write_delay_ms);
  auto agent = agent::NewAgent(agent_options, layout, *bus, files, runner, clock);
  if (auto s = agent->Start(); !s) return fail(s.error());

  const std::string url = (*controller)->url();
  std::string env = fmt::format(
      "# written by `hostplane up`; load it with: . {}/hostplane.env\n"
      "export HOSTPLANE_URL={}\nexport HOSTPLANE_TOKEN={}\nexport HOSTPLANE_HTTP_PORT={}\n"
      "export HOSTPLANE_DATA_DIR={}\n",
      data_dir, url, token, opt.http_port, data_dir);
  for (const auto& line : (*services)->env_lines()) env += line + "\n";
  if (auto s = files.WriteFileAtomic("hostplane.env", env, 0600); !s) return fail(s.error());

  UpStatus status;
  status.pid = static_cast<int>(::getpid());
  status.started_at = NowIso8601();
  status.binary = BinaryPath();
  status.data_dir = data_dir;
  status.data_link = placed->link;
  status.cwd = std::filesystem::current_path().string();
  status.argv = OwnCommandLine();
  status.endpoints.push_back({"api", "hostplane", url, opt.api_port, "REST API"});
  const std::string panel = (*controller)->panel_status();  // its URL, or why it is not served
  if (panel.rfind("http", 0) == 0) {
    status.endpoints.push_back({"panel", "hostplane", panel, opt.api_port, "web panel"});
  }
  status.endpoints.push_back(
      {"sites", "nginx", fmt::format("http://127.0.0.1:{}", opt.http_port), opt.http_port, ""});
  for (const auto& e : (*services)->endpoints()) status.endpoints.push_back(e);
  if (auto s = files.WriteFileAtomic(kUpStatusFile, UpStatusToJson(status).dump(2) + "\n", 0644);
      !s) {
    return fail(s.error());
  }

  const std::string bin_dir = std::filesystem::path(status.binary).parent_path().string();
  const std::string shown_dir = placed->link.empty() ? data_dir : placed->link;
  std::string summary;
  for (const auto& line : (*services)->summary()) summary += line + "\n";
  std::printf(
      "hostplane is up.\n\n"
      "  panel       %s\n"
      "  API         %s   (OpenAPI: %s/api/v1/openapi.json)\n"
      "  admin token %s\n"
      "  sites       http://127.0.0.1:%d/   (nginx, Host header selects the site)\n"
      "%s"
      "  data        %s%s\n"
      "  bundle key  %s   (agents pin it; the secret half is %s/%s)\n\n"
      "In another shell:\n"
      "  . %s/hostplane.env\n"
      "  export PATH=%s:$PATH\n"
      "  hostplane status\n"
      "  hostplane customer create acme --email ops@acme.example\n"
      "  hostplane site add shop.acme.example --customer acme --wait\n"
      "  curl -H 'Host: shop.acme.example' http://127.0.0.1:$HOSTPLANE_HTTP_PORT/\n\n"
      "Press Ctrl-C to stop.\n",
      (*controller)->panel_status().c_str(), url.c_str(), url.c_str(), token.c_str(), opt.http_port,
      summary.c_str(), data_dir.c_str(),
      placed->link.empty() ? "" : (" (" + placed->link + " links to it)").c_str(),
      signing_key.public_key().ToString().c_str(), data_dir.c_str(), kSigningKeyFile,
      shown_dir.c_str(), bin_dir.c_str());
  std::fflush(stdout);

  int restarts = 0;
  int sig = WaitForStopSignal(stop_signals, [&] {
    if (auto exited = (*services)->Exited(); !exited.empty()) {
      spdlog::critical("{} exited unexpectedly; stopping", exited.front());
      return false;
    }
    if (nginx->Running()) return true;
    spdlog::error("nginx exited unexpectedly; restarting it");
    if (++restarts > 5) {
      spdlog::critical("nginx keeps exiting; giving up");
      return false;
    }
    nginx = StartNginx(nginx_paths, opt.http_port);
    if (!nginx) {
      spdlog::critical("{}", nginx.error().message);
      return false;
    }
    return true;
  });
  if (sig != 0) std::printf("\nstopping (%s)...\n", sig == SIGINT ? "Ctrl-C" : "SIGTERM");
  agent->Stop();
  (*controller)->Stop();
  services->reset();
  if (nginx) nginx->Stop(SIGTERM, 5s);
  std::printf("stopped.\n");
  return 0;
}

}  // namespace

void AddUpCommand(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<UpOptions>();
  CLI::App* up = app.add_subcommand(
      "up",
      "Run the all-in-one: controller (SQLite store), an agent and a private nginx on loopback "
      "ports, all under the data directory.");
  up->add_option("--data-dir", opt->data_dir,
                 "Where everything is kept. As root, when the daemons' users cannot traverse a "
                 "folder above it (a home of mode 0700), it becomes a link to "
                 "/var/lib/hostplane/up/<instance>")
      ->capture_default_str();
  up->add_option("--store", opt->store,
                 "The store's URL: sqlite:///path/store.db or postgresql://user@host:port/db "
                 "(default: sqlite://<data-dir>/store.db; docs/database.md)");
  up->add_option("--listen", opt->listen, "Address of the REST API")->capture_default_str();
  up->add_option("--api-port", opt->api_port, "Port of the REST API")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  up->add_option("--http-port", opt->http_port, "Port nginx serves the sites on (127.0.0.1)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--resync-seconds", opt->resync_seconds,
                 "The agent fetches its tasks at least this often, even without a key")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  AddLoginFlags(up, opt->login, opt->login_window_minutes);
  AddOrderFlags(up, opt->orders);
  up->add_option("--log-level", opt->log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  auto& s = opt->services;
  up->add_option("--https-port", s.https_port,
                 "Port nginx serves HTTPS on (sites with a certificate)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--smtp-port", s.smtp_port, "Postfix SMTP port (127.0.0.1)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--imap-port", s.imap_port, "Dovecot IMAP port (127.0.0.1)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--submission-port", s.submission_port,
                 "Postfix submission port, STARTTLS (127.0.0.1; PHP's mail() sends through it)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--ftp-port", s.ftp_port, "pure-ftpd port (127.0.0.1)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--ftp-passive-port", s.ftp_passive_min,
                 "First of the 100 passive FTP data ports (127.0.0.1)")
      ->check(CLI::Range(1024, 65435))
      ->capture_default_str();
  up->add_option("--dns-port", s.dns_port, "Knot DNS port (127.0.0.1, UDP and TCP)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--db-port", s.db_port, "MariaDB port (127.0.0.1)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  up->add_option("--unix-user-prefix", s.unix_user_prefix,
                 "Prefix of the accounts' Unix user names (keeps several instances apart)")
      ->check([](const std::string& v) {
        for (char c : v) {
          if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return std::string("lowercase letters and digits only");
          }
        }
        return v.size() > 8 ? std::string("at most 8 characters") : std::string();
      });
  up->add_option("--uid-first", opt->uid_first, "First Unix uid given to accounts")
      ->check(CLI::Range(1000, 2000000000))
      ->capture_default_str();
  up->add_option("--uid-last", opt->uid_last, "Last Unix uid given to accounts")
      ->check(CLI::Range(1000, 2000000000))
      ->capture_default_str();
  up->add_option("--panel-dir", opt->panel_dir,
                 "The built web panel to serve at / beside the API (default: panel/ beside the "
                 "hostplane binary, where scripts/build puts it)");
  up->add_option("--reserved-name", opt->reserved_names,
                 "A name of yours no customer may hold, nor any name under or above it (the "
                 "panel's host name, the servers' names; repeat for more)");
  up->add_option("--acme-directory", opt->acme_directory,
                 "ACME directory URL for site certificates (certificates are off without it)");
  up->add_option("--acme-ca-file", s.acme_ca_file,
                 "CA bundle (relative to the data directory) that lego trusts for the ACME server");
  up->add_option_function<std::string>(
        "--services", [opt](const std::string& v) { opt->services.web_only = v == "web"; },
        "all: every installed daemon (default); web: only nginx, accounts and PHP")
      ->check(CLI::IsMember({"all", "web"}));
  auto* hooks = up->add_option_group("test hooks", "For the integration tests only");
  hooks->add_flag("--enable-test-hooks", opt->test_hooks, "Allow the --test-* options");
  hooks->add_option("--test-break-domain", opt->test_break_domains,
                    "Render an invalid nginx directive into this site's vhost");
  hooks->add_option("--test-write-delay-ms", opt->test_write_delay_ms,
                    "Sleep after each config file the agent writes");
  hooks->add_flag("--test-drop-keys", opt->test_drop_keys,
                  "Lose every key sent to agents (the resync must converge anyway)");
  up->callback([opt, &exit_code] { exit_code = RunUp(*opt); });
}

}  // namespace hostplane::cmd
