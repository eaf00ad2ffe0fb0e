#include "agent/drivers/mail/mail_driver.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "agent/drivers/mail/dkim_key.h"
#include "agent/drivers/mail/mail_config.h"
#include "agent/drivers/mail/mail_sending_render.h"
#include "agent/drivers/mail/mail_user_db.h"
#include "common/crypto.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"
#include "common/text/text.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

using protocol::Json;

constexpr const char* kMapNames[] = {"virtual_mailbox_domains", "virtual_mailbox_maps",
                                     "virtual_alias_maps", "recipient_access"};
constexpr const char* kMailboxesSuffix = ".mailboxes";
constexpr const char* kAliasesSuffix = ".aliases";
constexpr const char* kAccessSuffix = ".access";
constexpr const char* kSendersSuffix = ".senders";
constexpr const char* kPolicySuffix = ".policy";
constexpr const char* kDkimSuffix = ".dkim";
constexpr const char* kPasswdSuffix = ".passwd";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The pid in a daemon's pid file (Postfix pads it with spaces), if the process exists.
std::optional<pid_t> LivePid(Filesystem& fs, const std::string& rel) {
  auto text = fs.ReadFile(rel);
  if (!text || !text->has_value()) return std::nullopt;
  std::string t = Trim(**text);
  if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return std::nullopt;
  }
  pid_t pid = static_cast<pid_t>(std::stol(t));
  if (pid <= 1 || ::kill(pid, 0) != 0) return std::nullopt;
  return pid;
}

}  // namespace

MailDriver::MailDriver(MailLayout layout, Filesystem& fs, CommandRunner& runner,
                       MailDriverOptions options)
    : layout_(std::move(layout)), fs_(fs), runner_(runner), options_(std::move(options)) {}

std::vector<std::string> MailDriver::Kinds() const {
  return {protocol::kMailDomainEnsure, protocol::kMailDomainRemove, protocol::kMailAccountEnsure,
          protocol::kMailAccountRemove};
}

std::vector<std::string> MailDriver::ManagedDirs() const {
  return {layout_.map_dir,
          layout_.map_dir + "/domains",
          layout_.map_dir + "/accounts",
          layout_.map_dir + "/stage",
          layout_.dovecot_users_dir,
          layout_.dkim_dir,
          layout_.dkim_dir + "/keys"};
}

std::string MailDriver::MailboxesPath(const std::string& domain) const {
  return layout_.map_dir + "/domains/" + domain + kMailboxesSuffix;
}
std::string MailDriver::AliasesPath(const std::string& domain) const {
  return layout_.map_dir + "/domains/" + domain + kAliasesSuffix;
}
std::string MailDriver::AccessPath(const std::string& domain) const {
  return layout_.map_dir + "/domains/" + domain + kAccessSuffix;
}
std::string MailDriver::UsersPath(const std::string& domain) const {
  return layout_.dovecot_users_dir + "/" + domain;
}
std::string MailDriver::SendersPath(const std::string& domain) const {
  return layout_.map_dir + "/domains/" + domain + kSendersSuffix;
}
std::string MailDriver::PolicyPath(const std::string& domain) const {
  return layout_.map_dir + "/domains/" + domain + kPolicySuffix;
}
std::string MailDriver::DkimSelectorPath(const std::string& domain) const {
  return layout_.map_dir + "/domains/" + domain + kDkimSuffix;
}
std::string MailDriver::DkimKeyPath(const std::string& domain) const {
  return layout_.dkim_dir + "/keys/" + domain + ".pem";
}
std::string MailDriver::SievePath(const std::string& domain, const std::string& local) const {
  return layout_.sieve_dir + "/" + domain + "/" + local + ".sieve";
}
std::string MailDriver::AccountPath(const std::string& account, const char* suffix) const {
  return layout_.map_dir + "/accounts/" + account + suffix;
}

Result<protocol::MailDomainSpec> MailDriver::Decode(const protocol::Task& task) const {
  return protocol::MailDomainSpecFromJson(task.spec);
}

Result<FileSet> MailDriver::RenderDomain(const protocol::MailDomainSpec& spec) const {
  PasswdParams params{layout_.vmail_uid, layout_.vmail_gid, fs_.HostPath(layout_.vmail_root)};
  HP_ASSIGN_OR_RETURN(auto users, RenderPasswdFile(spec, params));
  FileSet files{{MailboxesPath(spec.domain), RenderMailboxMap(spec), 0644},
                {AliasesPath(spec.domain), RenderAliasMap(spec), 0644},
                {AccessPath(spec.domain), RenderAccessMap(spec), 0644},
                {SendersPath(spec.domain), RenderSenderLogins(spec), 0644},
                {PolicyPath(spec.domain), RenderDomainPolicy(spec), 0644},
                {UsersPath(spec.domain), users, 0640}};
  const std::string spamd_socket = fs_.HostPath(layout_.spamd_dir) + "/spamd.sock";
  for (const auto& m : spec.mailboxes) {
    std::string script = RenderSieveScript(spec, m, spamd_socket);
    files.push_back({SievePath(spec.domain, m.local),
                     script.empty() ? std::nullopt : std::optional<std::string>(script), 0644});
  }
  if (!spec.dkim) {
    files.push_back({DkimSelectorPath(spec.domain), std::nullopt, 0644});
    files.push_back({DkimKeyPath(spec.domain), std::nullopt, 0600});
    return files;
  }
  if (options_.box_key == nullptr) {
    return Fail(Error::InvalidField("dkim.private_key", "dkim.no_node_key",
                                    "this node has no box key to open the DKIM key with"));
  }
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(layout_.opendkim_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
      found == nullptr) {
    return Fail(Error::Invalid("DKIM signing needs the system user " + layout_.opendkim_user +
                               " (apt-get install opendkim)"));
  }
  HP_ASSIGN_OR_RETURN(auto key, OpenDkimKey(*options_.box_key, spec.dkim->private_key));
  files.push_back({DkimSelectorPath(spec.domain), spec.dkim->selector + "\n", 0644});
  files.push_back(
      {DkimKeyPath(spec.domain), std::move(key), 0600, FileOwner{pw.pw_uid, pw.pw_gid}});
  return files;
}

Result<FileSet> MailDriver::RenderAccount(const protocol::MailAccountSpec& spec) const {
  HP_ASSIGN_OR_RETURN(auto passwd, RenderAccountPasswd(spec));
  std::string senders = RenderAccountSenderLogins(spec);
  auto optional = [](std::string text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(std::move(text));
  };
  return FileSet{{AccountPath(spec.account, kPolicySuffix), RenderAccountPolicy(spec), 0644},
                 {AccountPath(spec.account, kPasswdSuffix), optional(passwd), 0640},
                 {AccountPath(spec.account, kSendersSuffix), optional(senders), 0644}};
}

Result<FileSet> MailDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kMailDomainEnsure) {
    HP_ASSIGN_OR_RETURN(auto spec, Decode(task));
    return RenderDomain(spec);
  }
  if (task.kind == protocol::kMailDomainRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::MailDomainRemovalFromJson(task.spec));
    const std::string& d = removal.domain;
    return FileSet{
        {MailboxesPath(d), std::nullopt, 0644}, {AliasesPath(d), std::nullopt, 0644},
        {AccessPath(d), std::nullopt, 0644},    {SendersPath(d), std::nullopt, 0644},
        {PolicyPath(d), std::nullopt, 0644},    {DkimSelectorPath(d), std::nullopt, 0644},
        {DkimKeyPath(d), std::nullopt, 0600},   {UsersPath(d), std::nullopt, 0640}};
  }
  if (task.kind == protocol::kMailAccountEnsure) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::MailAccountSpecFromJson(task.spec));
    return RenderAccount(spec);
  }
  if (task.kind == protocol::kMailAccountRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::MailAccountRemovalFromJson(task.spec));
    const std::string& a = removal.account;
    return FileSet{{AccountPath(a, kPolicySuffix), std::nullopt, 0644},
                   {AccountPath(a, kPasswdSuffix), std::nullopt, 0640},
                   {AccountPath(a, kSendersSuffix), std::nullopt, 0644}};
  }
  return Fail(Error::Invalid("the mail driver does not handle task kind " + task.kind));
}

// The passwd-files hold password hashes: 0640, group = Dovecot's. The directory carries that
// group and the setgid bit, so each file written into it (temporary name, then rename) inherits
// the group. The directory is ours, not a tenant's: opened with O_NOFOLLOW, changed through the
// descriptor.
Status MailDriver::EnsureUsersDir() {
  if (users_dir_ready_) return Ok();
  // Its parents must stay traversable by Dovecot's auth process: only the last level is 0750.
  if (auto slash = layout_.dovecot_users_dir.rfind('/'); slash != std::string::npos) {
    HP_TRY(fs_.MakeDirs(layout_.dovecot_users_dir.substr(0, slash), 0755));
  }
  HP_TRY(fs_.MakeDirs(layout_.dovecot_users_dir, 0750));
  if (!options_.dovecot_group.empty()) {
    group gr{};
    group* found = nullptr;
    std::vector<char> buf(16384);
    if (::getgrnam_r(options_.dovecot_group.c_str(), &gr, buf.data(), buf.size(), &found) != 0 ||
        found == nullptr) {
      return Fail(Error::Invalid("group " + options_.dovecot_group + " does not exist"));
    }
    std::string dir = fs_.HostPath(layout_.dovecot_users_dir);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Fail(Error::FromErrno("opening " + dir, errno));
    int rc = ::fchown(fd, 0, gr.gr_gid);
    if (rc == 0) rc = ::fchmod(fd, 02750);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Fail(Error::FromErrno("setting the group of " + dir, err));
  }
  users_dir_ready_ = true;
  return Ok();
}

Status MailDriver::Prepare(const protocol::Task& task) {
  if (task.kind == protocol::kMailAccountEnsure) return EnsureUsersDir();
  if (task.kind != protocol::kMailDomainEnsure) return Ok();
  HP_ASSIGN_OR_RETURN(auto spec, Decode(task));
  if (layout_.vmail_uid == 0 || layout_.vmail_gid == 0 ||
      layout_.vmail_uid == static_cast<uid_t>(-1) || layout_.vmail_gid == static_cast<gid_t>(-1)) {
    return Fail(Error::Invalid("the mail layout has no vmail uid/gid (or it is root)"));
  }
  HP_TRY(EnsureUsersDir());
  HP_TRY(fs_.MakeDirs(layout_.vmail_root, 0711));
  const FileOwner vmail{layout_.vmail_uid, layout_.vmail_gid};
  for (const auto& m : spec.mailboxes) {
    for (const char* sub : {"cur", "new", "tmp"}) {
      HP_TRY(fs_.MakeDirsBeneath(layout_.vmail_root,
                                 spec.domain + "/" + m.local + "/Maildir/" + sub, 0700, vmail));
    }
  }
  return Ok();
}

Result<CommandOutput> MailDriver::RunTool(std::vector<std::string> argv) {
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.timeout = options_.command_timeout;
  return runner_.Run(cmd);
}

size_t MailDriver::PostfixLogSize() {
  struct stat st {};
  if (::stat(fs_.HostPath(layout_.postfix_log).c_str(), &st) != 0) return 0;
  return static_cast<size_t>(st.st_size);
}

// The `postfix` command prints its errors only to a terminal; without one they go to maillog_file
// alone. The lines it appended since `offset` are its own words.
std::string MailDriver::PostfixLogSince(size_t offset) {
  auto text = fs_.ReadFile(layout_.postfix_log);
  if (!text || !text->has_value() || (*text)->size() <= offset) return {};
  return OneLine((*text)->substr(offset, 4096));
}

Result<Verdict> MailDriver::Validate() {
  Verdict v;
  size_t log_offset = PostfixLogSize();
  auto postfix =
      RunTool({layout_.postfix_binary, "-c", fs_.HostPath(layout_.postfix_config_dir), "check"});
  if (!postfix) return Fail(postfix.error());
  if (!postfix->ok()) {
    v.ok = false;
    std::string words = OneLine(postfix->err + postfix->out);
    if (words.empty()) words = PostfixLogSince(log_offset);
    v.message = fmt::format("postfix check failed (exit {}): {}", postfix->exit_code, words);
    return v;
  }
  HP_ASSIGN_OR_RETURN(auto dovecot, RunTool({layout_.doveconf_binary, "-c",
                                             fs_.HostPath(layout_.dovecot_conf), "-n"}));
  if (!dovecot.ok()) {
    v.ok = false;
    v.message =
        fmt::format("doveconf failed (exit {}): {}", dovecot.exit_code, OneLine(dovecot.err));
  }
  return v;
}

Status MailDriver::InstallMap(const std::string& name, const std::string& text) {
  const std::string live = layout_.map_dir + "/" + name;
  HP_ASSIGN_OR_RETURN(auto current, fs_.ReadFile(live));
  if (current.has_value() && *current == text && fs_.Exists(live + ".db")) return Ok();
  // postmap writes its database in place: build it under stage/ and install it with an atomic
  // rename, so a running smtpd never opens a half-written table. The text file is written last:
  // it is the record that the .db matches it (a crash in between is repaired on the next run).
  const std::string stage = layout_.map_dir + "/stage/" + name;
  HP_TRY(fs_.WriteFileAtomic(stage, text, 0644));
  HP_TRY(fs_.RemoveFile(stage + ".db"));
  auto out = RunTool({layout_.postmap_binary, "-c", fs_.HostPath(layout_.postfix_config_dir),
                      "hash:" + fs_.HostPath(stage)});
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    return Fail(Error::Io(fmt::format("postmap {} failed (exit {}): {}", name, out->exit_code,
                                      OneLine(out->err + out->out))));
  }
  auto db = fs_.ReadFile(stage + ".db");
  if (!db) return Fail(db.error());
  if (!db->has_value()) return Fail(Error::Io("postmap wrote no " + stage + ".db"));
  HP_TRY(fs_.WriteFileAtomic(live + ".db", **db, 0644));
  HP_TRY(fs_.WriteFileAtomic(live, text, 0644));
  maps_changed_ = true;
  return Ok();
}

Status MailDriver::Assemble() {
  HP_ASSIGN_OR_RETURN(auto names, fs_.ListDir(layout_.map_dir + "/domains"));
  std::map<std::string, std::pair<std::string, std::string>> domains;  // sorted: deterministic
  for (const auto& n : names) {
    if (n.empty() || n.front() == '.') continue;  // temp debris of an interrupted write
    std::string domain;
    if (EndsWith(n, kMailboxesSuffix)) {
      domain = n.substr(0, n.size() - std::strlen(kMailboxesSuffix));
    } else if (EndsWith(n, kAliasesSuffix)) {
      domain = n.substr(0, n.size() - std::strlen(kAliasesSuffix));
    } else {
      continue;
    }
    auto checked = protocol::CheckDomain(domain);
    if (!checked || *checked != domain) {
      spdlog::warn("mail: ignoring {}/domains/{}: not a managed domain file", layout_.map_dir,
                   protocol::QuoteForMessage(n));
      continue;
    }
    domains.try_emplace(domain);
  }
  std::vector<std::string> domain_lines, mailbox_parts, alias_parts, access_parts, live;
  for (auto& [domain, parts] : domains) {
    HP_ASSIGN_OR_RETURN(auto mailboxes, fs_.ReadFile(MailboxesPath(domain)));
    HP_ASSIGN_OR_RETURN(auto aliases, fs_.ReadFile(AliasesPath(domain)));
    // A domain exists while its mailbox fragment does (written and removed with the others).
    if (!mailboxes.has_value()) continue;
    domain_lines.push_back(domain + " OK\n");
    live.push_back(domain);
    mailbox_parts.push_back(*mailboxes);
    if (aliases.has_value()) alias_parts.push_back(*aliases);
    auto access = fs_.ReadFile(AccessPath(domain));
    if (!access) return Fail(access.error());
    // A domain written before access fragments existed: not moving.
    access_parts.push_back(access->has_value() ? **access : domain + " DUNNO\n");
  }
  HP_TRY(InstallMap(kMapNames[0], AssembleMapText(domain_lines)));
  HP_TRY(InstallMap(kMapNames[1], AssembleMapText(mailbox_parts)));
  HP_TRY(InstallMap(kMapNames[2], AssembleMapText(alias_parts)));
  HP_TRY(InstallMap(kMapNames[3], AssembleMapText(access_parts)));
  HP_TRY(AssembleSending(live));
  return AssembleUserDb();
}

// Every passwd-file of the users directory (the domains', the accounts', Dovecot's relay login)
// into the one SQLite table Dovecot reads; rewritten only when a row changed.
Status MailDriver::AssembleUserDb() {
  HP_TRY(EnsureUsersDir());
  HP_ASSIGN_OR_RETURN(auto names, fs_.ListDir(layout_.dovecot_users_dir));
  std::sort(names.begin(), names.end());
  std::vector<MailUserRow> rows;
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (n.empty() || n.front() == '.') continue;  // temp debris of an interrupted write
    const std::string path = layout_.dovecot_users_dir + "/" + n;
    HP_ASSIGN_OR_RETURN(auto text, fs_.ReadFile(path));
    if (!text.has_value()) continue;
    HP_ASSIGN_OR_RETURN(auto parsed, ParseMailPasswdFile(*text, fs_.HostPath(path)));
    for (auto& row : parsed) {
      if (!seen.insert(row.user).second) {
        spdlog::warn("mail: {} is in {} and in an earlier passwd-file; the earlier one counts",
                     protocol::QuoteForMessage(row.user), fs_.HostPath(path));
        continue;
      }
      rows.push_back(std::move(row));
    }
  }
  if (user_db_rows_ && *user_db_rows_ == rows) return Ok();
  std::optional<gid_t> group;
  if (!options_.dovecot_group.empty()) {
    struct group gr {};
    struct group* found = nullptr;
    std::vector<char> buf(16384);
    if (::getgrnam_r(options_.dovecot_group.c_str(), &gr, buf.data(), buf.size(), &found) != 0 ||
        found == nullptr) {
      return Fail(Error::Invalid("group " + options_.dovecot_group + " does not exist"));
    }
    group = gr.gr_gid;
  }
  HP_TRY(WriteMailUserDb(fs_.HostPath(MailUserDbPath(layout_)), rows, group));
  user_db_rows_ = std::move(rows);
  return Ok();
}

Status MailDriver::InstallFile(const std::string& path, const std::string& text, mode_t mode,
                               bool* changed) {
  auto current = fs_.ReadFile(path);
  if (!current) return Fail(current.error());
  if (current->has_value() && **current == text) return Ok();
  HP_TRY(fs_.WriteFileAtomic(path, text, mode));
  if (changed != nullptr) *changed = true;
  return Ok();
}

namespace {

// Merges "<key> <v1>, <v2>" lines (RenderSenderLogins' format) into owners.
void MergeOwnerLines(const std::string& text,
                     std::map<std::string, std::set<std::string>>& owners) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t space = line.find(' ');
    if (line.empty() || line.front() == '#' || space == std::string::npos) continue;
    auto& set = owners[line.substr(0, space)];
    std::string rest = line.substr(space + 1);
    size_t i = 0;
    while (i < rest.size()) {
      size_t comma = rest.find(", ", i);
      if (comma == std::string::npos) comma = rest.size();
      if (comma > i) set.insert(rest.substr(i, comma - i));
      i = comma + 2;
    }
  }
}

}  // namespace

// What lets mail out, assembled from the live fragments of every domain and account: the sender
// login map (one line per address, the owners of every fragment merged), the trusted logins
// (Dovecot's own sends), the sending policy the SendingPolicyService reads, the accounts' app
// logins for Dovecot, and OpenDKIM's tables.
Status MailDriver::AssembleSending(const std::vector<std::string>& domains) {
  std::map<std::string, std::set<std::string>> owners;
  Json domain_policies = Json::object();
  Json account_policies = Json::object();
  std::string key_table, signing_table, passwd;
  Blake2bHasher keys;
  auto read = [&](const std::string& path) -> Result<std::optional<std::string>> {
    return fs_.ReadFile(path);
  };
  for (const auto& d : domains) {
    auto senders = read(SendersPath(d));
    if (!senders) return Fail(senders.error());
    if (senders->has_value()) MergeOwnerLines(**senders, owners);
    auto policy = read(PolicyPath(d));
    if (!policy) return Fail(policy.error());
    if (policy->has_value()) {
      Json j = Json::parse(**policy, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) return Fail(Error::Io(fs_.HostPath(PolicyPath(d)) + " is not JSON"));
      domain_policies[d] = std::move(j);
    }
    auto selector = read(DkimSelectorPath(d));
    if (!selector) return Fail(selector.error());
    if (selector->has_value()) {
      std::string sel = Trim(**selector);
      if (!protocol::IsDkimSelector(sel)) {
        return Fail(Error::Io(fs_.HostPath(DkimSelectorPath(d)) + " holds no selector"));
      }
      key_table += fmt::format("{0} {0}:{1}:{2}\n", d, sel, fs_.HostPath(DkimKeyPath(d)));
      signing_table += fmt::format("*@{0} {0}\n", d);
      auto key = read(DkimKeyPath(d));
      if (!key) return Fail(key.error());
      keys.Update(d + "\n" + sel + "\n" + key->value_or(""));
    }
  }
  auto names = fs_.ListDir(layout_.map_dir + "/accounts");
  if (!names) return Fail(names.error());
  std::sort(names->begin(), names->end());
  for (const auto& n : *names) {
    if (!EndsWith(n, kPolicySuffix)) continue;
    std::string account = n.substr(0, n.size() - std::strlen(kPolicySuffix));
    auto checked = protocol::CheckLoginGrammar(account);
    if (!checked || *checked != account) continue;  // temp debris or a foreign file
    auto policy = read(AccountPath(account, kPolicySuffix));
    if (!policy) return Fail(policy.error());
    if (!policy->has_value()) continue;
    Json j = Json::parse(**policy, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object())
      return Fail(Error::Io(fs_.HostPath(AccountPath(account, kPolicySuffix)) + " is not JSON"));
    account_policies[account] = std::move(j);
    auto login = read(AccountPath(account, kPasswdSuffix));
    if (!login) return Fail(login.error());
    if (login->has_value()) passwd += **login;
    auto senders = read(AccountPath(account, kSendersSuffix));
    if (!senders) return Fail(senders.error());
    if (senders->has_value()) MergeOwnerLines(**senders, owners);
  }
  std::vector<std::string> sender_lines;
  for (const auto& [address, logins] : owners) {
    std::string list;
    for (const auto& l : logins) list += (list.empty() ? "" : ", ") + l;
    sender_lines.push_back(address + " " + list + "\n");
  }
  HP_TRY(InstallMap("sender_login_maps", AssembleMapText(sender_lines)));
  HP_TRY(InstallMap("trusted_logins", AssembleMapText({std::string(kRelayLogin) + " OK\n"})));
  HP_TRY(
      InstallFile(SendingPolicyPath(),
                  Json{{"domains", domain_policies}, {"accounts", account_policies}}.dump(1) + "\n",
                  0644, nullptr));
  HP_TRY(EnsureUsersDir());
  HP_TRY(InstallFile(layout_.dovecot_users_dir + "/accounts",
                     "# managed by hostplane: the accounts' app logins; edits are lost\n" + passwd,
                     0640, nullptr));
  bool tables = false;
  HP_TRY(fs_.MakeDirs(layout_.dkim_dir, 0755));
  HP_TRY(InstallFile(layout_.dkim_dir + "/KeyTable", std::string(kMapHeader) + key_table, 0644,
                     &tables));
  HP_TRY(InstallFile(layout_.dkim_dir + "/SigningTable", std::string(kMapHeader) + signing_table,
                     0644, &tables));
  std::string digest = keys.HexDigest();
  if (tables || digest != dkim_keys_digest_) dkim_changed_ = true;
  dkim_keys_digest_ = digest;
  return EnsurePolicyService();
}

Status MailDriver::EnsurePolicyService() {
  if (!options_.serve_policy || layout_.policy_socket.empty() || policy_service_) return Ok();
  if (options_.clock == nullptr)
    return Fail(Error::Internal("the mail policy service has no clock"));
  SendingPolicyServiceOptions o;
  o.socket = fs_.HostPath(layout_.policy_socket);
  o.policy_file = fs_.HostPath(SendingPolicyPath());
  o.counters = fs_.HostPath(layout_.policy_counters);
  o.socket_group = layout_.postfix_user;
  auto service = SendingPolicyService::Start(o, *options_.clock);
  if (!service) return Fail(service.error().Wrap("starting the mail policy service"));
  policy_service_ = std::move(*service);
  spdlog::info("mail: sending policy service on {}", o.socket);
  return Ok();
}

Status MailDriver::SignalOpenDkim() {
  auto pid = LivePid(fs_, layout_.opendkim_socket_dir + "/opendkim.pid");
  if (!pid) return Ok();  // no OpenDKIM on this node: nothing signs, nothing to tell
  // SIGUSR1: OpenDKIM re-reads its configuration, and with it the key and signing tables.
  if (::kill(*pid, SIGUSR1) != 0) {
    return Fail(Error::FromErrno("signalling opendkim", errno));
  }
  ++opendkim_reloads_;
  return Ok();
}

Status MailDriver::Reload() {
  const std::string dovecot_pid = layout_.dovecot_base_dir + "/master.pid";
  if (!LivePid(fs_, dovecot_pid)) {
    return Fail(Error::Unavailable("dovecot is not running (no live pid in " +
                                   fs_.HostPath(dovecot_pid) + ")"));
  }
  if (dkim_changed_) {
    HP_TRY(SignalOpenDkim());
    dkim_changed_ = false;
  }
  // Only Postfix is reloaded, and only when an assembled map changed.
  if (!maps_changed_) return Ok();
  size_t log_offset = PostfixLogSize();
  auto out =
      RunTool({layout_.postfix_binary, "-c", fs_.HostPath(layout_.postfix_config_dir), "reload"});
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    std::string words = OneLine(out->err + out->out);
    if (words.empty()) words = PostfixLogSince(log_offset);
    return Fail(Error::Unavailable(
        fmt::format("postfix reload failed (exit {}): {}", out->exit_code, words)));
  }
  // Confirmation: the master is still alive after re-reading its configuration and the SMTP
  // listener accepts. The maps are hash: tables, which every Postfix process also re-opens by
  // itself once their .db changed.
  const std::string master_pid = layout_.postfix_queue_dir + "/pid/master.pid";
  auto deadline = std::chrono::steady_clock::now() + options_.reload_timeout;
  for (;;) {
    if (LivePid(fs_, master_pid) && LoopbackAccepts(layout_.smtp_port)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Error::Timeout(
          fmt::format("postfix did not accept SMTP on port {} within {} ms of the reload",
                      layout_.smtp_port, options_.reload_timeout.count())));
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
  maps_changed_ = false;
  ++postfix_reloads_;
  return Ok();
}

Status MailDriver::Finish(const protocol::Task& task) {
  if (task.kind != protocol::kMailDomainRemove) return Ok();
  HP_ASSIGN_OR_RETURN(auto removal, protocol::MailDomainRemovalFromJson(task.spec));
  // The domain's Sieve scripts go with it (a mailbox removed earlier may have left one).
  HP_TRY(fs_.RemoveTreeBeneath(layout_.sieve_dir, removal.domain));
  if (!removal.remove_content) return Ok();
  return fs_.RemoveTreeBeneath(layout_.vmail_root, removal.domain);
}

}  // namespace hostplane::agent
