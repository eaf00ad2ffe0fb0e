#include "agent/drivers/mariadb/mariadb_sql.h"

namespace hostplane::agent::sql {

std::string Identifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string GrantPattern(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '\\' || c == '_' || c == '%') out += '\\';
    out += c;
  }
  return out;
}

std::string Account(const LiteralQuoter& q, std::string_view user, std::string_view host) {
  return q(user) + "@" + q(host);
}

std::string CreateDatabase(std::string_view db) {
  return "CREATE DATABASE IF NOT EXISTS " + Identifier(db) + " CHARACTER SET utf8mb4";
}

std::string DropDatabase(std::string_view db) {
  return "DROP DATABASE IF EXISTS " + Identifier(db);
}

std::string CreateUser(const LiteralQuoter& q, std::string_view user, std::string_view host,
                       std::string_view password_hash, bool locked) {
  return "CREATE USER IF NOT EXISTS " + Account(q, user, host) + " IDENTIFIED BY PASSWORD " +
         q(password_hash) + (locked ? " ACCOUNT LOCK" : "");
}

std::string SetPasswordHash(const LiteralQuoter& q, std::string_view user, std::string_view host,
                            std::string_view password_hash) {
  return "ALTER USER " + Account(q, user, host) + " IDENTIFIED BY PASSWORD " + q(password_hash);
}

std::string SetLocked(const LiteralQuoter& q, std::string_view user, std::string_view host,
                      bool locked) {
  return "ALTER USER " + Account(q, user, host) + (locked ? " ACCOUNT LOCK" : " ACCOUNT UNLOCK");
}

std::string GrantAll(const LiteralQuoter& q, std::string_view db, std::string_view user,
                     std::string_view host) {
  return "GRANT ALL PRIVILEGES ON " + Identifier(GrantPattern(db)) + ".* TO " +
         Account(q, user, host);
}

std::string DropUser(const LiteralQuoter& q, std::string_view user, std::string_view host) {
  return "DROP USER IF EXISTS " + Account(q, user, host);
}

std::string KillConnection(uint64_t id) { return "KILL CONNECTION " + std::to_string(id); }

std::string SelectSchema(const LiteralQuoter& q, std::string_view db) {
  return "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + q(db);
}

std::string SelectUser(const LiteralQuoter& q, std::string_view user, std::string_view host) {
  // mysql.user (a view in 10.4+) has no account_locked column: read the JSON it is built from.
  return "SELECT JSON_VALUE(Priv, '$.plugin'), JSON_VALUE(Priv, '$.authentication_string'), "
         "JSON_VALUE(Priv, '$.account_locked') FROM mysql.global_priv WHERE User = " +
         q(user) + " AND Host = " + q(host);
}

std::string SelectDbGrant(const LiteralQuoter& q, std::string_view db, std::string_view user,
                          std::string_view host) {
  return "SELECT * FROM mysql.db WHERE Host = " + q(host) + " AND Db = " + q(GrantPattern(db)) +
         " AND User = " + q(user);
}

std::string SelectSessions(const LiteralQuoter& q, std::string_view user) {
  return "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = " + q(user);
}

}  // namespace hostplane::agent::sql
