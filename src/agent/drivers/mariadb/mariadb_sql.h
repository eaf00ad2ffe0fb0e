#pragma once

// The one encoder of MariaDB statements hostplane sends (shared/SECURITY.md rules 3 and 8).
// Identifiers are backtick-quoted (a backtick inside is doubled); database names in GRANT are
// patterns, so '\', '_' and '%' are escaped with '\' first; string values (user, host, password
// hash) become literals only through the connection's escaping (MariaDbConnection::Literal,
// passed in as a LiteralQuoter). The inputs already passed the protocol grammars (database_spec.h)
// in the driver; the quoting here holds even for input that did not.
//
// Pure functions, unit-tested without a server (mariadb_sql_test.cc).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hostplane::agent::sql {

// Turns a value into a complete single-quoted SQL string literal.
using LiteralQuoter = std::function<std::string(std::string_view)>;

// `name` with backticks, a backtick inside doubled.
std::string Identifier(std::string_view name);
// The database-name pattern GRANT takes for exactly `name`: '\', '_' and '%' escaped with '\'
// ("acme_shop" -> "acme\_shop"), not yet quoted.
std::string GrantPattern(std::string_view name);
// 'user'@'host'.
std::string Account(const LiteralQuoter& q, std::string_view user, std::string_view host);

std::string CreateDatabase(std::string_view db);
std::string DropDatabase(std::string_view db);
// CREATE USER IF NOT EXISTS ... IDENTIFIED BY PASSWORD '<hash>' [ACCOUNT LOCK].
std::string CreateUser(const LiteralQuoter& q, std::string_view user, std::string_view host,
                       std::string_view password_hash, bool locked);
// ALTER USER ... IDENTIFIED BY PASSWORD '<hash>' (also switches the plugin back to
// mysql_native_password).
std::string SetPasswordHash(const LiteralQuoter& q, std::string_view user, std::string_view host,
                            std::string_view password_hash);
// ALTER USER ... ACCOUNT LOCK | ACCOUNT UNLOCK.
std::string SetLocked(const LiteralQuoter& q, std::string_view user, std::string_view host,
                      bool locked);
// GRANT ALL PRIVILEGES ON `<escaped db>`.* TO ...
std::string GrantAll(const LiteralQuoter& q, std::string_view db, std::string_view user,
                     std::string_view host);
std::string DropUser(const LiteralQuoter& q, std::string_view user, std::string_view host);
std::string KillConnection(uint64_t id);

// Queries of the current state (the driver changes only what differs: applying twice runs no
// statement that changes anything).
// -> SCHEMA_NAME, one row when the database exists.
std::string SelectSchema(const LiteralQuoter& q, std::string_view db);
// -> plugin, authentication_string, account_locked ("1" when locked; "0" or NULL when not), one
// row when the user exists.
std::string SelectUser(const LiteralQuoter& q, std::string_view user, std::string_view host);
// -> every column of mysql.db for the user's grant on exactly `db` (the escaped pattern).
std::string SelectDbGrant(const LiteralQuoter& q, std::string_view db, std::string_view user,
                          std::string_view host);
// -> ID of every session of `user` (any host).
std::string SelectSessions(const LiteralQuoter& q, std::string_view user);

}  // namespace hostplane::agent::sql
