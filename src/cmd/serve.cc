#include "cmd/serve.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cmd/bootstrap.h"
#include "cmd/controller_identity.h"
#include "cmd/controller_runtime.h"
#include "cmd/login_flags.h"
#include "cmd/order_flags.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/fs/filesystem.h"
#include "common/nats/nats_bus.h"
#include "common/signing_key.h"
#include "controller/api/api_server.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"
#include "controller/store/store_url.h"

namespace hostplane::cmd {
namespace {

struct ServeOptions {
  controller::LoginOptions login;
  int login_window_minutes = 15;
  controller::OrderPipelineOptions orders;
  std::string data_dir = "var";
  std::string listen = "127.0.0.1";
  int api_port = 8580;
  std::vector<std::string> nats_servers = {"nats://127.0.0.1:4222"};
  std::string nats_user;
  std::string nats_password_file;
  std::string nats_token_file;
  std::string nats_creds_file;
  std::string nats_tls_ca;
  std::string nats_tls_cert;
  std::string nats_tls_key;
  std::vector<std::string> nodes;           // NAME:ROLE[,ROLE]
  std::vector<std::string> advertise_nats;  // told to joining agents
  bool shared_store = false;
  int64_t uid_first = 20000;  // Unix uids of accounts (HostingOptions)
  int64_t uid_last = 59999;
  std::vector<std::string> reserved_names;  // HostingOptions::reserved_names
  std::string log_level = "info";
  std::string panel_dir;   // empty: DefaultPanelDir()
  std::string master_key;  // empty: <data-dir>/secrets.key
  std::string store;       // empty: sqlite://<data-dir>/store.db
};

Result<NatsOptions> ControllerNatsOptions(const ServeOptions& opt) {
  NatsOptions n;
  n.servers = opt.nats_servers;
  n.name = "hostplane-controller";
  n.user = opt.nats_user;
  if (!opt.nats_password_file.empty()) {
    auto pw = ReadSecretFile(opt.nats_password_file);
    if (!pw) return Fail(pw.error().Wrap("--nats-password-file"));
    n.password = *pw;
  }
  if (!opt.nats_token_file.empty()) {
    auto token = ReadSecretFile(opt.nats_token_file);
    if (!token) return Fail(token.error().Wrap("--nats-token-file"));
    n.token = *token;
  }
  n.creds_file = opt.nats_creds_file;
  n.tls_ca_file = opt.nats_tls_ca;
  n.tls_cert_file = opt.nats_tls_cert;
  n.tls_key_file = opt.nats_tls_key;
  return n;
}

int RunServe(const ServeOptions& opt) {
  spdlog::set_level(spdlog::level::from_str(opt.log_level));
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.message.c_str());
    return e.code == ErrorCode::kInvalid ? 2 : 1;
  };
  if (opt.uid_first > opt.uid_last) {
    return fail(Error::Invalid("--uid-first is above --uid-last"));
  }
  if (!opt.store.empty()) {
    if (auto url = controller::ParseStoreUrl(opt.store); !url) {
      return fail(url.error().Wrap("--store"));
    }
  }
  std::vector<controller::NodeInput> nodes;
  for (const auto& spec : opt.nodes) {
    auto node = ParseNodeSpec(spec);
    if (!node) return fail(node.error().Wrap("--node"));
    nodes.push_back(std::move(*node));
  }
  auto nats_options = ControllerNatsOptions(opt);
  if (!nats_options) return fail(nats_options.error());

  // The store and the token file: nobody else reads them.
  auto prepared = PrepareDataDir(opt.data_dir, 0700);
  if (!prepared) return fail(prepared.error());
  const std::string data_dir = *prepared;
  // Several controllers may share one store (each its own API port, one NATS queue group); by
  // default a second `serve` on the same data directory is refused as a mistake.
  if (!opt.shared_store) {
    if (auto s = LockExclusively(data_dir, "controller.lock"); !s) return fail(s.error());
  }

  sigset_t stop_signals = BlockStopSignals();  // before any thread starts
  if (auto s = InitCrypto(); !s) return fail(s.error());
  if (auto s = CheckPortFree(opt.listen, opt.api_port, "--api-port"); !s) return fail(s.error());

  PosixFilesystem files(data_dir);
  SystemClock clock;
  auto controller = ControllerRuntime::Open(data_dir, files, clock, opt.master_key, opt.store);
  if (!controller) return fail(controller.error());
  if (!opt.shared_store) {
    // This process holds the data directory (controller.lock): a job lease of its own identity
    // was left by an earlier, dead incarnation and is taken at once.
    auto identity = ControllerIdentity(files);
    if (!identity) return fail(identity.error());
    (*controller)->SetLeaseOptions({.identity = *identity});
  }
  const std::string public_key = (*controller)->signing_key().public_key().ToString();
  const std::string& token = (*controller)->admin_token();
  if (auto s = (*controller)->LoadPanel(opt.panel_dir); !s) return fail(s.error());
  controller::LoginOptions login = opt.login;
  ApplyLoginWindow(login, opt.login_window_minutes);
  (*controller)->SetLoginOptions(login);
  (*controller)->SetOrderOptions(opt.orders);
  auto bus = ConnectNatsBus(*nats_options);
  if (!bus) return fail(bus.error());
  // Agents on NATS ask with their own inbox prefix: bundles go only where their node can read.
  controller::TaskEngineOptions engine_options;
  engine_options.require_node_inbox = true;
  controller::HostingOptions hosting_options;
  hosting_options.uid_first = opt.uid_first;
  hosting_options.uid_last = opt.uid_last;
  hosting_options.reserved_names = opt.reserved_names;
  hosting_options.nats_servers = opt.advertise_nats.empty() ? opt.nats_servers : opt.advertise_nats;
  if (auto s = (*controller)
                   ->Start(**bus, nodes, "system:serve", opt.listen, opt.api_port, engine_options,
                           hosting_options);
      !s) {
    return fail(s.error());
  }

  const std::string url = (*controller)->url();
  std::string env = fmt::format(
      "# written by `hostplane serve`; load it with: . {}/hostplane.env\n"
      "export HOSTPLANE_URL={}\nexport HOSTPLANE_TOKEN={}\nexport HOSTPLANE_DATA_DIR={}\n"
      "export HOSTPLANE_CONTROLLER_KEY={}\n",
      data_dir, url, token, data_dir, public_key);
  if (auto s = files.WriteFileAtomic("hostplane.env", env, 0600); !s) return fail(s.error());

  std::string servers;
  for (const auto& s : opt.nats_servers) servers += (servers.empty() ? "" : ", ") + s;
  std::printf(
      "hostplane controller is up.\n\n"
      "  panel       %s\n"
      "  API         %s   (OpenAPI: %s/api/v1/openapi.json)\n"
      "  admin token %s\n"
      "  NATS        %s\n"
      "  data        %s\n"
      "  bundle key  %s   (agents pin it: controller_key in their config)\n\n"
      "Start an agent on each server with `hostplane agent --config FILE` (see "
      "docs/agent.toml.example).\n"
      "Press Ctrl-C to stop.\n",
      (*controller)->panel_status().c_str(), url.c_str(), url.c_str(), token.c_str(),
      servers.c_str(), data_dir.c_str(), public_key.c_str());
  std::fflush(stdout);

  int sig = WaitForStopSignal(stop_signals);
  std::printf("\nstopping (%s)...\n", sig == SIGINT ? "Ctrl-C" : "SIGTERM");
  (*controller)->Stop();
  std::printf("stopped.\n");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the controller alone (REST API, task engine, SQLite store in the data directory); "
      "agents connect through NATS.");
  serve->add_option("--data-dir", opt->data_dir, "Where the store is kept")->capture_default_str();
  serve->add_option("--store", opt->store,
                    "The store's URL: sqlite:///path/store.db or postgresql://user@host:port/db "
                    "(several controllers share one PostgreSQL; default: "
                    "sqlite://<data-dir>/store.db; docs/database.md)");
  serve->add_option("--listen", opt->listen, "IPv4 address of the REST API")->capture_default_str();
  serve->add_option("--api-port", opt->api_port, "Port of the REST API")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  serve->add_option("--nats", opt->nats_servers, "NATS server URL (repeat for a cluster)")
      ->capture_default_str();
  serve->add_option("--node", opt->nodes,
                    "Register a node at start unless it exists: NAME:ROLE[,ROLE] (repeatable), "
                    "e.g. web1:web");
  serve->add_option("--advertise-nats", opt->advertise_nats,
                    "NATS URL told to agents that join (repeatable; default: --nats)");
  serve->add_option("--uid-first", opt->uid_first, "First Unix uid given to accounts")
      ->check(CLI::Range(int64_t{1000}, int64_t{2'000'000'000}))
      ->capture_default_str();
  serve->add_option("--uid-last", opt->uid_last, "Last Unix uid given to accounts")
      ->check(CLI::Range(int64_t{1000}, int64_t{2'000'000'000}))
      ->capture_default_str();
  serve->add_option("--reserved-name", opt->reserved_names,
                    "A name of yours no customer may hold, nor any name under or above it (the "
                    "panel's host name, the servers' names; repeat for more)");
  serve->add_option("--master-key", opt->master_key,
                    "The file of the key the store's secrets (DKIM keys) are sealed with, created "
                    "0600 at the first start; keep it apart from backups of the store (default: "
                    "<data-dir>/secrets.key)");
  serve->add_flag("--shared-store", opt->shared_store,
                  "Another controller uses this data directory too (same machine, SQLite): "
                  "skip the one-controller lock");
  auto* auth = serve->add_option_group("NATS credentials", "At most one kind; secrets from files");
  auth->add_option("--nats-user", opt->nats_user, "NATS user name");
  auth->add_option("--nats-password-file", opt->nats_password_file,
                   "File holding the NATS user's password")
      ->check(CLI::ExistingFile);
  auth->add_option("--nats-token-file", opt->nats_token_file, "File holding a NATS token")
      ->check(CLI::ExistingFile);
  auth->add_option("--nats-creds", opt->nats_creds_file, "NATS credentials file (JWT and seed)")
      ->check(CLI::ExistingFile);
  auth->add_option("--nats-tls-ca", opt->nats_tls_ca, "CA bundle to verify the NATS server")
      ->check(CLI::ExistingFile);
  auth->add_option("--nats-tls-cert", opt->nats_tls_cert, "TLS client certificate")
      ->check(CLI::ExistingFile);
  auth->add_option("--nats-tls-key", opt->nats_tls_key, "Key of the TLS client certificate")
      ->check(CLI::ExistingFile);
  serve->add_option("--panel-dir", opt->panel_dir,
                    "The built web panel to serve at / beside the API (default: panel/ beside "
                    "the hostplane binary)");
  AddLoginFlags(serve, opt->login, opt->login_window_minutes);
  AddOrderFlags(serve, opt->orders);
  serve->add_option("--log-level", opt->log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  serve->callback([opt, &exit_code] { exit_code = RunServe(*opt); });
}

}  // namespace hostplane::cmd
