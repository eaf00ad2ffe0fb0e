#include "cmd/relay.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cmd/bootstrap.h"
#include "common/crypto.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/passwd/bcrypt.h"
#include "relay/relay_config.h"
#include "relay/site_users.h"

namespace hostplane::cmd {
namespace {

struct RelayOptions {
  std::string out;
  std::string name;
  std::string listen = "0.0.0.0";
  int port = 4222;
  int leaf_port = 0;               // 0: no leafnode listener
  int http_port = 0;               // 0: no monitoring endpoint
  std::vector<std::string> sites;  // "NAME:NODE,NODE": leaves allowed to connect below this server
  std::vector<std::string> nodes;  // site only
  std::string users_file;          // site only: enrolled nodes with their hashes (JSON)
  std::string hub_url;             // site only
  std::string leaf_password_file;  // site only
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::string remote_tls_ca;    // site only
  std::string remote_tls_cert;  // site only
  std::string remote_tls_key;   // site only
};

// The password in <out>/<file> when it exists (kept across runs), else a new one written 0600.
Result<std::string> EnsurePassword(Filesystem& files, const std::string& file) {
  if (files.Exists(file)) return ReadSecretFile(files.HostPath(file));
  std::string password = RandomHex(24);
  HP_TRY(files.WriteFileAtomic(file, password + "\n", 0600));
  return password;
}

// The bcrypt hash of the password in <out>/<stem>.password (made when missing). The hash is
// kept in <out>/<stem>.bcrypt and reused while it matches the password, so that re-running
// writes the same configuration; a password replaced by hand gets a new hash.
Result<std::string> EnsureHash(Filesystem& files, const std::string& stem) {
  HP_ASSIGN_OR_RETURN(auto password, EnsurePassword(files, stem + ".password"));
  std::string hash_file = stem + ".bcrypt";
  if (files.Exists(hash_file)) {
    auto kept = ReadSecretFile(files.HostPath(hash_file));
    if (kept && BcryptVerify(password, *kept)) return *kept;
  }
  auto hash = BcryptHash(password);
  if (!hash) return Fail(hash.error());
  HP_TRY(files.WriteFileAtomic(hash_file, *hash + "\n", 0600));
  return hash;
}

struct SiteLink {
  std::string site;
  std::vector<std::string> nodes;
};

// "--site NAME:NODE,NODE,...": a site below this server and the nodes behind its link (its own
// and those of the sites chained below it). Names are checked by the encoder.
Result<std::vector<SiteLink>> ParseSites(const std::vector<std::string>& options) {
  std::vector<SiteLink> out;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& o = options[i];
    auto colon = o.find(':');
    if (colon == std::string::npos || colon + 1 == o.size()) {
      return Fail(Error::InvalidField(
          "--site[" + std::to_string(i) + "]", "relay.site_nodes",
          "--site needs the nodes behind the site's link: --site NAME:NODE,NODE (the site's own "
          "nodes and those of the sites chained below it)"));
    }
    SiteLink link{o.substr(0, colon), {}};
    std::string rest = o.substr(colon + 1);
    size_t start = 0;
    while (start <= rest.size()) {
      size_t comma = rest.find(',', start);
      if (comma == std::string::npos) comma = rest.size();
      link.nodes.push_back(rest.substr(start, comma - start));
      start = comma + 1;
    }
    out.push_back(std::move(link));
  }
  return out;
}

// Writes the configuration once `nats-server -t` accepted it (when nats-server is installed):
// a refused text never replaces a working file.
Status WriteChecked(Filesystem& files, const std::string& file, const std::string& text,
                    bool* checked) {
  *checked = false;
  if (auto binary = FindProgram("nats-server")) {
    std::string candidate = "." + file + ".check";
    HP_TRY(files.WriteFileAtomic(candidate, text, 0600));
    PosixCommandRunner runner({*binary});
    Command check;
    check.argv = {*binary, "-c", files.HostPath(candidate), "-t"};
    auto out = runner.Run(check);
    auto removed = files.RemoveFile(candidate);
    if (!out) return Fail(out.error());
    if (!out->ok()) {
      return Fail(
          Error::Validation("nats-server refused the configuration: " + out->err + out->out));
    }
    HP_TRY(removed);
    *checked = true;
  }
  return files.WriteFileAtomic(file, text, 0600);
}

int Report(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  for (const auto& [field, code] : e.fields) {
    std::fprintf(stderr, "  %s: %s\n", field.c_str(), code.c_str());
  }
  if (e.code == ErrorCode::kInvalid || e.code == ErrorCode::kValidation) return cli::kExitInvalid;
  return 1;
}

// The bcrypt hash of the password kept in <out>/<stem>.password.
using HashSource = std::function<Result<std::string>(const std::string& stem)>;

// The configuration of this server; hash(stem) gives the hash of the password in <stem>.password.
// hub: the controllers' user; else (a site) the link to the parent, the nodes and the enrolled
// nodes of --users-file (their hashes as given, no password file).
Result<relay::ServerConfig> BuildConfig(const RelayOptions& opt, bool hub,
                                        const std::vector<SiteLink>& sites,
                                        const std::vector<relay::NodeUser>& enrolled,
                                        const std::string& leaf_password, const HashSource& hash) {
  relay::ServerConfig c;
  c.server_name = opt.name;
  c.client = {opt.listen, opt.port};
  if (opt.http_port != 0) c.http = relay::Listen{opt.listen, opt.http_port};
  if (opt.leaf_port != 0) c.leaf_listen = relay::Listen{opt.listen, opt.leaf_port};
  c.tls = {opt.tls_cert, opt.tls_key, opt.tls_ca};
  for (const auto& link : sites) {
    HP_ASSIGN_OR_RETURN(auto h, hash("leaf-" + link.site));
    c.leaves.push_back({link.site, h, link.nodes});
  }
  if (hub) {
    HP_ASSIGN_OR_RETURN(auto h, hash("controller"));
    c.controller_password_hash = h;
    return c;
  }
  c.remote = relay::Remote{opt.hub_url,         opt.name,          leaf_password, opt.remote_tls_ca,
                           opt.remote_tls_cert, opt.remote_tls_key};
  for (const auto& node : opt.nodes) {
    HP_ASSIGN_OR_RETURN(auto h, hash("node-" + node));
    c.nodes.push_back({node, h});
  }
  for (const auto& user : enrolled) c.nodes.push_back(user);
  return c;
}

// Renders once with a placeholder hash, so that nothing is written (no directory, no password
// file named after an unchecked name) for options that would be refused; then for real.
Result<std::string> Render(const RelayOptions& opt, bool hub, const std::string& leaf_password,
                           const std::vector<relay::NodeUser>& enrolled, Filesystem& files) {
  HP_ASSIGN_OR_RETURN(auto sites, ParseSites(opt.sites));
  auto placeholder = [](const std::string&) -> Result<std::string> {
    return "$2b$04$" + std::string(53, '.');
  };
  HP_ASSIGN_OR_RETURN(auto dry, BuildConfig(opt, hub, sites, enrolled, leaf_password, placeholder));
  HP_TRY(relay::RenderNatsConfig(dry));
  HP_TRY(InitCrypto());
  HP_TRY(files.MakeDirs("", 0700));
  HP_ASSIGN_OR_RETURN(auto config, BuildConfig(opt, hub, sites, enrolled, leaf_password,
                                               [&files](const std::string& stem) {
                                                 return EnsureHash(files, stem);
                                               }));
  return relay::RenderNatsConfig(config);
}

int RunHub(const RelayOptions& opt) {
  PosixFilesystem files(std::filesystem::absolute(opt.out).lexically_normal().string());
  auto text = Render(opt, /*hub=*/true, "", {}, files);
  if (!text) return Report(text.error());
  bool checked = false;
  if (auto s = WriteChecked(files, "hub.conf", *text, &checked); !s) return Report(s.error());
  std::printf("wrote %s (%s)\n", files.HostPath("hub.conf").c_str(),
              checked ? "nats-server -t accepted it" : "not checked: nats-server is not installed");
  std::printf("next:\n  nats-server -c %s\n", files.HostPath("hub.conf").c_str());
  std::printf("  hostplane serve --nats nats://HUB:%d --nats-user %s --nats-password-file %s\n",
              opt.port, relay::kControllerUser, files.HostPath("controller.password").c_str());
  auto sites = ParseSites(opt.sites);  // accepted by Render
  for (const auto& link : *sites) {
    std::printf(
        "  on site %s: hostplane relay config site %s --hub nats-leaf://HUB:%d "
        "--leaf-password-file <copy of %s> --node NODE... --out DIR\n",
        link.site.c_str(), link.site.c_str(), opt.leaf_port,
        files.HostPath("leaf-" + link.site + ".password").c_str());
  }
  return 0;
}

int RunSite(const RelayOptions& opt) {
  PosixFilesystem files(std::filesystem::absolute(opt.out).lexically_normal().string());
  auto leaf_password = ReadSecretFile(opt.leaf_password_file);
  if (!leaf_password) return Report(leaf_password.error().Wrap("--leaf-password-file"));
  std::vector<relay::NodeUser> enrolled;
  if (!opt.users_file.empty()) {
    auto text = ReadSecretFile(opt.users_file);
    if (!text) return Report(text.error().Wrap("--users-file"));
    auto users = relay::ParseSiteUsers(*text);
    if (!users) return Report(users.error().Wrap("--users-file"));
    if (users->site != opt.name) {
      return Report(
          Error::InvalidField("--users-file.site", "relay.site_mismatch",
                              "the users file is for site " + users->site + ", not " + opt.name));
    }
    enrolled = std::move(users->nodes);
  }
  auto text = Render(opt, /*hub=*/false, *leaf_password, enrolled, files);
  if (!text) return Report(text.error());
  std::string conf = opt.name + ".conf";
  bool checked = false;
  if (auto s = WriteChecked(files, conf, *text, &checked); !s) return Report(s.error());
  std::printf("wrote %s (%s)\n", files.HostPath(conf).c_str(),
              checked ? "nats-server -t accepted it" : "not checked: nats-server is not installed");
  std::printf("next:\n  nats-server -c %s\n", files.HostPath(conf).c_str());
  for (const auto& node : opt.nodes) {
    std::printf(
        "  on node %s: copy %s to /etc/hostplane/nats-password (0600) and set in agent.toml\n"
        "    [nats] servers = [\"nats://SITE-LEAF:%d\"], user = \"%s\", "
        "password_file = \"/etc/hostplane/nats-password\"\n",
        node.c_str(), files.HostPath("node-" + node + ".password").c_str(), opt.port, node.c_str());
  }
  return 0;
}

void AddCommonOptions(CLI::App* cmd, RelayOptions& opt) {
  cmd->add_option("--out", opt.out, "Directory for the configuration and password files (0700)")
      ->required();
  cmd->add_option("--listen", opt.listen, "Address of the client, leafnode and http listeners")
      ->capture_default_str();
  cmd->add_option("--port", opt.port, "Client port")->capture_default_str();
  cmd->add_option("--leaf-port", opt.leaf_port, "Leafnode port that sites connect to (0: none)")
      ->capture_default_str();
  cmd->add_option("--http-port", opt.http_port, "Monitoring port (/healthz, /leafz; 0: none)")
      ->capture_default_str();
  cmd->add_option("--site", opt.sites,
                  "NAME:NODE,NODE - a site allowed to connect to the leafnode port, with the nodes "
                  "behind its link (its own and its chained sites'; repeat)");
  auto* tls = cmd->add_option_group("TLS", "For the client and leafnode listeners");
  tls->add_option("--tls-cert", opt.tls_cert, "Server certificate (PEM)");
  tls->add_option("--tls-key", opt.tls_key, "Key of the server certificate");
  tls->add_option("--tls-ca", opt.tls_ca, "CA for client certificates (then required)");
}

}  // namespace

void AddRelayCommand(CLI::App& app, int& exit_code) {
  CLI::App* relay = app.add_subcommand("relay", "The relay network (NATS hub and leaf nodes)");
  relay->require_subcommand(1);
  CLI::App* config =
      relay->add_subcommand("config", "Write nats-server configurations (docs/relay.md)");
  config->require_subcommand(1);

  auto hub_opt = std::make_shared<RelayOptions>();
  hub_opt->name = "hub";
  hub_opt->leaf_port = 7422;
  CLI::App* hub = config->add_subcommand(
      "hub", "The hub near the controllers: the controllers' user and the sites' leaf logins");
  hub->add_option("--name", hub_opt->name, "server_name, unique in the tree")
      ->capture_default_str();
  AddCommonOptions(hub, *hub_opt);
  hub->callback([hub_opt, &exit_code] { exit_code = RunHub(*hub_opt); });

  auto site_opt = std::make_shared<RelayOptions>();
  CLI::App* site = config->add_subcommand(
      "site", "A site's leaf node: its nodes' users, linked to the hub (or a parent site)");
  site->add_option("name", site_opt->name, "The site's name (its login on the parent)")->required();
  site->add_option("--hub", site_opt->hub_url,
                   "The parent's leafnode URL: nats-leaf://HOST:PORT or tls://HOST:PORT")
      ->required();
  site->add_option("--leaf-password-file", site_opt->leaf_password_file,
                   "The site's leaf password, as written by the parent's relay config")
      ->required();
  site->add_option("--node", site_opt->nodes, "A node at this site (repeat)");
  site->add_option("--hub-tls-ca", site_opt->remote_tls_ca, "CA to verify the parent with");
  site->add_option("--hub-tls-cert", site_opt->remote_tls_cert,
                   "Client certificate for the link, when the parent has --tls-ca");
  site->add_option("--hub-tls-key", site_opt->remote_tls_key, "Key of --hub-tls-cert");
  site->add_option("--users-file", site_opt->users_file,
                   "JSON {\"site\", \"nodes\": [{\"node\", \"password_hash\"}]}: enrolled "
                   "nodes and their bcrypt hashes, as the controller gives them");
  AddCommonOptions(site, *site_opt);
  site->callback([site_opt, &exit_code] { exit_code = RunSite(*site_opt); });
}

}  // namespace hostplane::cmd
