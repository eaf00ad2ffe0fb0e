#include "agent/drivers/mariadb/mariadb_driver.h"

#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "agent/drivers/mariadb/mariadb_sql.h"

namespace hostplane::agent {
namespace {

constexpr const char* kNativePlugin = "mysql_native_password";

Status CheckObjectKey(const protocol::Task& task, const std::string& name) {
  if (task.object_key != protocol::DatabaseObjectKey(name)) {
    return Fail(Error::InvalidField("object_key", "field.value",
                                    "the task's object key does not name database " + name));
  }
  return Ok();
}

// "'acme_shop'@'localhost'" for labels: the name passed the grammar, the host is the operator's.
std::string AccountLabel(const std::string& user, const std::string& host) {
  return "'" + user + "'@'" + host + "'";
}

bool FullGrant(const MariaDbResult& grant) {
  if (grant.rows.size() != 1) return false;
  const MariaDbRow& row = grant.rows.front();
  for (size_t i = 0; i < grant.columns.size() && i < row.size(); ++i) {
    const std::string& col = grant.columns[i];
    if (!col.ends_with("_priv") || col == "Grant_priv") continue;
    if (row[i].value_or("") != "Y") return false;
  }
  return true;
}

}  // namespace

MariaDbDriver::MariaDbDriver(MariaDbLayout layout, Filesystem& fs, MariaDbDriverOptions options)
    : layout_(std::move(layout)), fs_(fs), options_(options) {}

std::vector<std::string> MariaDbDriver::Kinds() const {
  return {protocol::kDatabaseEnsure, protocol::kDatabaseRemove};
}

Result<FileSet> MariaDbDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kDatabaseEnsure) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::DatabaseSpecFromJson(task.spec));
    HP_TRY(CheckObjectKey(task, spec.name));
    return FileSet{};
  }
  if (task.kind == protocol::kDatabaseRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::DatabaseRemovalFromJson(task.spec));
    HP_TRY(CheckObjectKey(task, removal.name));
    return FileSet{};
  }
  return Fail(Error::Invalid("the mariadb driver does not handle task kind " + task.kind));
}

Status MariaDbDriver::Finish(const protocol::Task& task) {
  // Render's checks again: Finish is the step that acts, on the task it is given.
  HP_TRY(Render(task));
  auto run = [&]() -> Status {
    if (task.kind == protocol::kDatabaseEnsure) {
      return Ensure(*protocol::DatabaseSpecFromJson(task.spec));
    }
    return Remove(*protocol::DatabaseRemovalFromJson(task.spec));
  };
  bool reused = admin_.has_value();
  Status s = run();
  if (!s && admin_ && !admin_->usable()) {
    admin_.reset();
    // A kept connection may have died with a server restart since the last task: one fresh
    // attempt (every step is idempotent) instead of a retry round trip through the controller.
    if (reused) {
      s = run();
      if (!s && admin_ && !admin_->usable()) admin_.reset();
    }
  }
  return s;
}

Result<MariaDbConnection*> MariaDbDriver::Admin() {
  if (admin_ && admin_->usable()) return &*admin_;
  admin_.reset();
  MariaDbConnectOptions o;
  o.socket = fs_.HostPath(layout_.socket);
  o.host = "localhost";
  o.user = "root";
  o.connect_timeout = options_.connect_timeout;
  o.read_write_timeout = options_.statement_timeout;
  HP_ASSIGN_OR_RETURN(auto c, MariaDbConnection::Connect(o));
  admin_.emplace(std::move(c));
  return &*admin_;
}

Status MariaDbDriver::Change(MariaDbConnection& c, const std::string& sql, const std::string& label,
                             const std::string& secret) {
  HP_TRY(c.Execute(sql, label, secret));
  ++changes_;
  return Ok();
}

Status MariaDbDriver::Ensure(const protocol::DatabaseSpec& spec) {
  HP_ASSIGN_OR_RETURN(auto admin, Admin());
  MariaDbConnection& c = *admin;
  sql::LiteralQuoter q = [&c](std::string_view v) { return c.Literal(v); };
  const std::string& name = spec.name;

  HP_ASSIGN_OR_RETURN(auto schema,
                      c.Query(sql::SelectSchema(q, name), "the schema query for `" + name + "`"));
  if (schema.rows.empty()) {
    HP_TRY(Change(c, sql::CreateDatabase(name), "CREATE DATABASE `" + name + "`"));
  }
  for (const std::string& host : layout_.user_hosts) HP_TRY(EnsureUser(c, spec, host));
  // Locking refuses new logins only: sessions already open are ended here.
  if (spec.status == "suspended") HP_TRY(KillSessions(c, name));
  return Ok();
}

Status MariaDbDriver::EnsureUser(MariaDbConnection& c, const protocol::DatabaseSpec& spec,
                                 const std::string& host) {
  sql::LiteralQuoter q = [&c](std::string_view v) { return c.Literal(v); };
  const std::string& name = spec.name;
  const std::string account = AccountLabel(name, host);
  const bool locked = spec.status == "suspended";

  HP_ASSIGN_OR_RETURN(auto user,
                      c.Query(sql::SelectUser(q, name, host), "the user query for " + account));
  if (user.rows.empty()) {
    HP_TRY(Change(c, sql::CreateUser(q, name, host, spec.password_hash, locked),
                  "CREATE USER " + account, spec.password_hash));
  } else {
    const MariaDbRow& row = user.rows.front();
    const std::string plugin = row.size() > 0 ? row[0].value_or("") : "";
    const std::string hash = row.size() > 1 ? row[1].value_or("") : "";
    const std::string locked_flag = row.size() > 2 ? row[2].value_or("") : "";
    const bool is_locked = locked_flag == "1" || locked_flag == "true";
    if (plugin != kNativePlugin || hash != spec.password_hash) {
      HP_TRY(Change(c, sql::SetPasswordHash(q, name, host, spec.password_hash),
                    "ALTER USER " + account + " IDENTIFIED BY PASSWORD", spec.password_hash));
    }
    if (is_locked != locked) {
      HP_TRY(Change(c, sql::SetLocked(q, name, host, locked),
                    "ALTER USER " + account + (locked ? " ACCOUNT LOCK" : " ACCOUNT UNLOCK")));
    }
  }

  HP_ASSIGN_OR_RETURN(auto grant, c.Query(sql::SelectDbGrant(q, name, name, host),
                                          "the grant query for " + account));
  if (!FullGrant(grant)) {
    HP_TRY(Change(c, sql::GrantAll(q, name, name, host),
                  "GRANT ALL PRIVILEGES ON `" + sql::GrantPattern(name) + "`.* TO " + account));
  }
  return Ok();
}

Status MariaDbDriver::KillSessions(MariaDbConnection& c, const std::string& user) {
  sql::LiteralQuoter q = [&c](std::string_view v) { return c.Literal(v); };
  HP_ASSIGN_OR_RETURN(
      auto sessions, c.Query(sql::SelectSessions(q, user), "the session query for '" + user + "'"));
  for (const MariaDbRow& row : sessions.rows) {
    const std::string id_text = row.empty() ? "" : row[0].value_or("");
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size()) {
      return Fail(Error::Internal("MariaDB listed a session id that is not a number"));
    }
    if (auto s = Change(c, sql::KillConnection(id), "KILL CONNECTION " + id_text); !s) {
      // The session ended on its own between the query and the kill.
      if (c.last_errno() == ER_NO_SUCH_THREAD) continue;
      return s;
    }
  }
  return Ok();
}

Status MariaDbDriver::Remove(const protocol::DatabaseRemoval& removal) {
  HP_ASSIGN_OR_RETURN(auto admin, Admin());
  MariaDbConnection& c = *admin;
  sql::LiteralQuoter q = [&c](std::string_view v) { return c.Literal(v); };
  const std::string& name = removal.name;
  // Users first (no new logins), then the sessions still open, then the data.
  for (const std::string& host : layout_.user_hosts) {
    const std::string account = AccountLabel(name, host);
    HP_ASSIGN_OR_RETURN(auto user,
                        c.Query(sql::SelectUser(q, name, host), "the user query for " + account));
    if (!user.rows.empty()) HP_TRY(Change(c, sql::DropUser(q, name, host), "DROP USER " + account));
  }
  HP_TRY(KillSessions(c, name));
  HP_ASSIGN_OR_RETURN(auto schema,
                      c.Query(sql::SelectSchema(q, name), "the schema query for `" + name + "`"));
  if (!schema.rows.empty()) {
    HP_TRY(Change(c, sql::DropDatabase(name), "DROP DATABASE `" + name + "`"));
  }
  return Ok();
}

}  // namespace hostplane::agent
