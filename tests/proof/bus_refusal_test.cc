// SECURITY rule 9 and issue 23 item 4: the bus is an attack surface, so the agent validates again
// what the API validated. Every refused value of every grammar (protocol/testing/
// refused_values.h), put in every spec field of every task kind it can reach, is sent straight to
// a real agent (the production assembly NewAgent: every driver, in a temporary prefix) in a
// bundle signed validly with the controller key the agent pinned, through the agent's own fetch
// path. Each task must come back failed with the grammar's code under the field's path; and
// across the whole run nothing under the prefix changes (paths, sizes, modes, mtimes), no command
// is started, and the journal records no object.
//
// No daemon runs: a refusal happens before any driver would start one, and a value that got
// through would show as a command recorded or a file written.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "agent/journal.h"
#include "agent/testing/agent_fixture.h"
#include "agent/testing/temp_root.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "protocol/account_spec.h"
#include "protocol/cert_spec.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_client_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/site_settings.h"
#include "protocol/task_spec.h"
#include "protocol/testing/refused_values.h"
#include "protocol/zone_spec.h"

namespace hostplane::proof {
namespace {

using namespace std::chrono_literals;
using agent::testing::FakeController;
using protocol::Json;
using protocol::Task;
using protocol::TaskOutcome;
namespace refused = protocol::testing;

// The exec seam: until Arm(), runs the programs of the agent's allowlist for real (what the
// drivers do at start, such as rebuilding an empty FTP user database); from Arm() on, records
// every command a driver asks for and runs none (a refused task must ask for none; one that got
// through must not create a Unix user on this machine).
class ArmedRunner final : public CommandRunner {
 public:
  explicit ArmedRunner(std::set<std::string> programs) : real_(std::move(programs)) {}
  void Arm() { armed_ = true; }
  Result<CommandOutput> Run(const Command& command) override {
    if (!armed_) return real_.Run(command);
    std::lock_guard lock(mu_);
    ran_.push_back(command.argv.empty() ? "" : command.argv[0]);
    return Fail(Error::Internal("the bus proof runs no command once armed"));
  }
  std::vector<std::string> ran() {
    std::lock_guard lock(mu_);
    return ran_;
  }

 private:
  PosixCommandRunner real_;
  std::atomic<bool> armed_{false};
  std::mutex mu_;
  std::vector<std::string> ran_;
};

// What a file looks like from outside: everything a write, chmod or touch would change.
struct Stat {
  std::string type;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  unsigned mode = 0;
  bool operator==(const Stat&) const = default;
};

// Every path under root but `skip` (the agent's own state: journal and box key), by lstat.
std::map<std::string, Stat> Snapshot(const std::string& root, const std::string& skip) {
  std::map<std::string, Stat> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = std::filesystem::relative(it->path(), root).string();
    if (rel == skip || rel.starts_with(skip + "/")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    Stat s;
    s.type = S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "file";
    // A directory's size and mtime change when an entry is added and removed again.
    s.size = st.st_size;
    s.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    s.mode = st.st_mode;
    out[rel] = s;
  }
  return out;
}

// "/records/0/value" -> "records[0].value": the path a decoder names a field by.
std::string FieldPath(const std::string& pointer) {
  std::string out;
  size_t i = 1;
  while (i <= pointer.size()) {
    size_t next = pointer.find('/', i);
    if (next == std::string::npos) next = pointer.size();
    std::string token = pointer.substr(i, next - i);
    if (!token.empty() && std::all_of(token.begin(), token.end(), ::isdigit)) {
      out += "[" + token + "]";
    } else {
      out += (out.empty() ? "" : ".") + token;
    }
    i = next + 1;
  }
  return out;
}

constexpr const char* kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef";

// One task kind with a spec the strict decoder accepts (as the controller encodes it), and the
// fields of that spec each grammar reaches.
struct Target {
  const char* kind;
  Json spec;
  std::vector<std::pair<std::string, std::string>> fields;  // JSON pointer, grammar
};

std::vector<Target> Targets() {
  protocol::SiteSpec site;
  site.domain = "acme.example";
  site.aliases = {"www.acme.example"};
  site.account = "acme";
  site.docroot = "web";
  site.php = "8.2";
  // As the controller sends it (controller/services/task_specs.cc): with the web settings.
  Json site_spec = protocol::ToJson(site);
  site_spec["settings"] = protocol::ToJson(protocol::SiteSettings{});
  protocol::SiteRemoval site_removal{"acme.example", "acme", "web", false};
  protocol::AccountSpec account;
  account.login = "acme";
  account.uid = 20001;
  account.gid = 20001;
  account.php = {"8.2"};
  protocol::AccountRemoval account_removal{"acme", 20001, 20001, false};
  protocol::CertSpec cert;
  cert.domain = "acme.example";
  cert.aliases = {"www.acme.example"};
  cert.account = "acme";
  cert.directory_url = "https://acme.example.net/directory";
  cert.email = "ops@acme.example";
  protocol::CertRemoval cert_removal{"acme.example", "acme"};
  protocol::DatabaseSpec database{"acme_shop", "acme", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19",
                                  "active"};
  protocol::DatabaseRemoval database_removal{"acme_shop", "acme"};
  protocol::FtpUserSpec ftp;
  ftp.user = "acme_web";
  ftp.account = "acme";
  ftp.uid = 20001;
  ftp.gid = 20001;
  ftp.home = "web/shop";
  ftp.password_hash = kHash;
  protocol::FtpUserRemoval ftp_removal{"acme_web", "acme"};
  protocol::MailAccountSpec mail_account;
  mail_account.account = "acme";
  mail_account.messages_per_hour = 100;
  mail_account.sender_domains = {"acme.example"};
  protocol::MailAccountRemoval mail_account_removal{"acme"};
  protocol::MailClientSpec mail_client{"acme.example", "acme"};
  protocol::MailDomainSpec mail;
  mail.domain = "acme.example";
  mail.account = "acme";
  mail.mailboxes = {{"info", kHash, 1024}};
  mail.forwarders = {{"sales", {"info@acme.example"}}};
  protocol::MailDomainRemoval mail_removal;
  mail_removal.domain = "acme.example";
  mail_removal.account = "acme";
  Json zone = Json::parse(R"({
    "zone": "acme.example", "account": "acme", "serial": 2026112401, "default_ttl": 3600,
    "soa": {"mname": "ns1.hostplane.example", "rname": "hostmaster.acme.example",
            "refresh": 3600, "retry": 600, "expire": 1209600, "minimum": 300},
    "records": [{"name": "www", "type": "A", "ttl": 3600, "value": "192.0.2.10"}]})");
  protocol::ZoneRemoval zone_removal;
  zone_removal.zone = "acme.example";
  zone_removal.account = "acme";

  return {
      {protocol::kSiteEnsure,
       site_spec,
       {{"/domain", "domain"},
        {"/aliases/0", "domain"},
        {"/account", "login"},
        {"/docroot", "path"},
        {"/status", "status"},
        {"/php", "php"}}},
      {protocol::kSiteRemove,
       protocol::ToJson(site_removal),
       {{"/domain", "domain"}, {"/account", "login"}, {"/docroot", "path"}}},
      {protocol::kAccountEnsure,
       protocol::ToJson(account),
       {{"/login", "login"},
        {"/uid", "unix_id"},
        {"/gid", "unix_id"},
        {"/status", "status"},
        {"/php/0", "php"}}},
      {protocol::kAccountRemove,
       protocol::ToJson(account_removal),
       {{"/login", "login"}, {"/uid", "unix_id"}, {"/gid", "unix_id"}}},
      {protocol::kCertEnsure,
       protocol::ToJson(cert),
       {{"/domain", "domain"},
        {"/aliases/0", "domain"},
        {"/account", "login"},
        {"/email", "email"}}},
      {protocol::kCertRemove,
       protocol::ToJson(cert_removal),
       {{"/domain", "domain"}, {"/account", "login"}}},
      {protocol::kDatabaseEnsure,
       protocol::ToJson(database),
       {{"/account", "login"}, {"/status", "status"}}},
      {protocol::kDatabaseRemove, protocol::ToJson(database_removal), {{"/account", "login"}}},
      {protocol::kFtpUserEnsure,
       protocol::ToJson(ftp),
       {{"/account", "login"},
        {"/home", "ftp_home"},
        {"/uid", "unix_id"},
        {"/gid", "unix_id"},
        {"/status", "status"}}},
      {protocol::kFtpUserRemove, protocol::ToJson(ftp_removal), {{"/account", "login"}}},
      {protocol::kMailAccountEnsure,
       protocol::ToJson(mail_account),
       {{"/account", "login"}, {"/status", "status"}, {"/sender_domains/0", "domain"}}},
      {protocol::kMailAccountRemove,
       protocol::ToJson(mail_account_removal),
       {{"/account", "login"}}},
      {protocol::kMailClientEnsure,
       protocol::ToJson(mail_client),
       {{"/domain", "domain"}, {"/account", "login"}}},
      {protocol::kMailClientRemove,
       protocol::ToJson(mail_client),
       {{"/domain", "domain"}, {"/account", "login"}}},
      {protocol::kMailDomainEnsure,
       protocol::ToJson(mail),
       {{"/domain", "domain"},
        {"/account", "login"},
        {"/status", "status"},
        {"/mailboxes/0/local", "local_part"},
        {"/forwarders/0/local", "local_part"}}},
      {protocol::kMailDomainRemove,
       protocol::ToJson(mail_removal),
       {{"/domain", "domain"}, {"/account", "login"}}},
      {protocol::kZoneEnsure,
       zone,
       {{"/zone", "domain"}, {"/account", "login"}, {"/records/0", "record"}}},
      {protocol::kZoneRemove,
       protocol::ToJson(zone_removal),
       {{"/zone", "domain"}, {"/account", "login"}}},
  };
}

// The refused values of a grammar, as JSON values, with their codes.
// Values that are not UTF-8 cannot travel in JSON (the encoder replaces them); the grammar tests
// try them directly.
std::vector<std::pair<Json, std::string>> Values(const std::string& grammar) {
  std::vector<std::pair<Json, std::string>> out;
  auto strings = [&](const std::vector<refused::RefusedValue>& list) {
    for (const auto& r : list) {
      if (refused::FitsInJson(r.value)) out.emplace_back(Json(r.value), r.code);
    }
  };
  if (grammar == "domain") strings(refused::RefusedDomains());
  if (grammar == "login") strings(refused::RefusedLogins());
  if (grammar == "path") strings(refused::RefusedPaths());
  if (grammar == "email") strings(refused::RefusedEmails());
  if (grammar == "local_part") strings(refused::RefusedLocalParts());
  if (grammar == "php") strings(refused::RefusedPhpVersions());
  if (grammar == "status") strings(refused::RefusedStatuses());
  if (grammar == "ftp_home") {
    // An FTP user's home may be "" (the account's home itself): every other refusal applies.
    for (const auto& r : refused::RefusedPaths()) {
      if (r.code != "path.empty" && refused::FitsInJson(r.value)) {
        out.emplace_back(Json(r.value), r.code);
      }
    }
  }
  if (grammar == "unix_id") {
    for (const auto& r : refused::RefusedUnixIds()) out.emplace_back(Json(r.value), r.code);
  }
  return out;
}

// One hostile task and what the agent must answer.
struct Expected {
  std::string kind;
  std::string field;  // path in the spec
  std::string code;
  std::string value;  // for messages
};

TEST(BusRefusalTest, EveryRefusedValueInASignedBundleIsRefusedByTheAgentAndNothingIsWritten) {
  agent::testing::TempRoot root;
  PosixFilesystem fs(root.path());
  agent::HostLayout layout = agent::testing::TestLayout(0);
  layout.account = agent::AccountLayout{};
  layout.account->user_prefix = "hpproof";
  layout.acme = agent::AcmeLayout{};
  layout.ftp = agent::FtpLayout{};
  layout.mail = agent::MailLayout{};
  layout.dns = agent::DnsLayout{};
  layout.mariadb = agent::MariaDbLayout{};
  ArmedRunner runner(agent::AgentPrograms(layout));
  SystemClock clock;
  auto bus = NewInProcessBus();
  FakeController controller(*bus);
  controller.Start();
  agent::AgentOptions options;
  options.node = agent::testing::kNode;
  options.controller_key = controller.public_key();
  options.resync = 200ms;
  options.fetch_limit = 500;
  // The mail driver rebuilds its maps at start with postmap, which reads Postfix's main.cf (the
  // mail instance writes it on a mail node; no daemon runs here).
  ASSERT_TRUE(fs.MakeDirs(layout.mail->postfix_config_dir, 0755));
  ASSERT_TRUE(fs.WriteFileAtomic(layout.mail->postfix_config_dir + "/main.cf", "", 0644));
  auto the_agent = agent::NewAgent(options, layout, *bus, fs, runner, clock);
  auto started = the_agent->Start();
  ASSERT_TRUE(started) << started.error().message;
  // The agent has fetched (nothing) once: what it set up at start is in the "before" picture.
  ASSERT_TRUE(agent::testing::Eventually([&] { return controller.fetches() >= 1; }, 10s));
  std::this_thread::sleep_for(300ms);
  const auto before = Snapshot(root.path(), layout.state_dir);
  runner.Arm();

  std::vector<Expected> expected;
  std::vector<Task> tasks;
  for (const Target& target : Targets()) {
    // The spec as the controller sends it passes the agent's strict gate: each refusal below is
    // the value's.
    Task base;
    base.kind = target.kind;
    base.spec = target.spec;
    auto accepted = protocol::CheckTaskSpec(base, protocol::UnknownMembers::kRefuse);
    ASSERT_TRUE(accepted) << target.kind << ": " << accepted.error().message;
    auto add = [&](Json spec, std::string field, std::string code, std::string value) {
      Task t;
      t.id = t.revision = static_cast<int64_t>(tasks.size()) + 1;
      t.object_key = "proof:" + std::to_string(t.id);
      t.kind = target.kind;
      t.spec = std::move(spec);
      tasks.push_back(std::move(t));
      expected.push_back({target.kind, std::move(field), std::move(code), std::move(value)});
    };
    for (const auto& [pointer, grammar] : target.fields) {
      if (grammar == "record") {
        for (const auto& r : refused::RefusedDnsRecords()) {
          if (!refused::FitsInJson(r.value)) continue;
          Json spec = target.spec;
          spec[Json::json_pointer(pointer)] =
              Json{{"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"value", r.value}};
          add(std::move(spec), FieldPath(pointer) + "." + r.field, r.code, r.type + " " + r.value);
        }
        continue;
      }
      for (const auto& [value, code] : Values(grammar)) {
        Json spec = target.spec;
        spec[Json::json_pointer(pointer)] = value;
        add(std::move(spec), FieldPath(pointer), code, value.dump());
      }
    }
    // A member this build does not know, in a bundle of its schema.
    Json spec = target.spec;
    spec["owner_uid"] = 0;
    add(std::move(spec), "owner_uid", "field.unknown", "owner_uid");
  }
  ASSERT_GT(tasks.size(), 1000u);

  // In bundles of at most 500 tasks, each signed by the controller key the agent pinned.
  const int64_t last = static_cast<int64_t>(tasks.size());
  for (Task& t : tasks) {
    const bool ring = t.revision == last;  // one doorbell; the agent fetches on
    controller.Add(std::move(t), ring);
  }
  ASSERT_TRUE(agent::testing::Eventually(
      [&] { return controller.Result(last).has_value() && the_agent->AppliedRevision() == last; },
      120s));

  std::map<std::string, int> per_kind;
  int refused_as_expected = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const Expected& e = expected[i];
    auto result = controller.Result(static_cast<int64_t>(i) + 1);
    ASSERT_TRUE(result.has_value()) << e.kind << " " << e.field << " " << e.value;
    SCOPED_TRACE(e.kind + " " + e.field + " = " + e.value);
    EXPECT_EQ(result->outcome, TaskOutcome::kFailed) << result->detail;
    auto code = result->fields.find(e.field);
    if (code == result->fields.end()) {
      ADD_FAILURE() << "no code for " << e.field << ": " << result->detail;
      continue;
    }
    EXPECT_EQ(code->second, e.code) << result->detail;
    if (result->outcome == TaskOutcome::kFailed && code->second == e.code) ++refused_as_expected;
    ++per_kind[e.kind];
  }

  the_agent->Stop();
  // Nothing written, nothing run, no object in the journal.
  const auto after = Snapshot(root.path(), layout.state_dir);
  for (const auto& [path, stat] : after) {
    auto was = before.find(path);
    if (was == before.end()) {
      ADD_FAILURE() << "written: " << path;
    } else if (!(was->second == stat)) {
      ADD_FAILURE() << "changed: " << path;
    }
  }
  for (const auto& [path, stat] : before) {
    EXPECT_TRUE(after.contains(path)) << "removed: " << path;
  }
  EXPECT_TRUE(runner.ran().empty()) << "a command ran: " << runner.ran().front();
  auto journal = agent::Journal::Open(fs.HostPath(layout.state_dir + "/journal.db"));
  ASSERT_TRUE(journal) << journal.error().message;
  auto objects = journal->Objects();
  ASSERT_TRUE(objects) << objects.error().message;
  EXPECT_TRUE(objects->empty()) << objects->size() << " object(s) recorded, first "
                                << objects->front().key;

  std::printf(
      "bus proof: %zu (value, field) pairs in signed bundles, %d refused with the "
      "grammar's code, %zu paths unchanged, %zu command(s) run\n",
      expected.size(), refused_as_expected, after.size(), runner.ran().size());
  for (const auto& [kind, n] : per_kind) std::printf("  %-20s %d\n", kind.c_str(), n);
}

}  // namespace
}  // namespace hostplane::proof
