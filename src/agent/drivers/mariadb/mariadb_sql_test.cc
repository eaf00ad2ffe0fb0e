#include "agent/drivers/mariadb/mariadb_sql.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hostplane::agent::sql {
namespace {

// Stands in for MariaDbConnection::Literal (mysql_real_escape_string) without a server: enough
// to show where literals go. The real escaping is exercised by the integration test.
std::string FakeLiteral(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

TEST(MariaDbSqlTest, IdentifiersAndGrantPatterns) {
  struct Case {
    std::string name;
    std::string identifier;
    std::string pattern;
  };
  for (const Case& c : std::vector<Case>{
           {"acme_shop", "`acme_shop`", "acme\\_shop"},
           {"acme_%", "`acme_%`", "acme\\_\\%"},
           {"a\\_b", "`a\\_b`", "a\\\\\\_b"},
           {"acme_x`; DROP DATABASE mysql; --", "`acme_x``; DROP DATABASE mysql; --`",
            "acme\\_x`; DROP DATABASE mysql; --"},
           {"", "``", ""},
       }) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Identifier(c.name), c.identifier);
    EXPECT_EQ(GrantPattern(c.name), c.pattern);
  }
}

TEST(MariaDbSqlTest, Statements) {
  const LiteralQuoter q = FakeLiteral;
  const std::string hash = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";
  struct Case {
    std::string got;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{
           {CreateDatabase("acme_shop"),
            "CREATE DATABASE IF NOT EXISTS `acme_shop` CHARACTER SET utf8mb4"},
           {DropDatabase("acme_shop"), "DROP DATABASE IF EXISTS `acme_shop`"},
           {CreateUser(q, "acme_shop", "localhost", hash, false),
            "CREATE USER IF NOT EXISTS 'acme_shop'@'localhost' IDENTIFIED BY PASSWORD '" + hash +
                "'"},
           {CreateUser(q, "acme_shop", "127.0.0.1", hash, true),
            "CREATE USER IF NOT EXISTS 'acme_shop'@'127.0.0.1' IDENTIFIED BY PASSWORD '" + hash +
                "' ACCOUNT LOCK"},
           {SetPasswordHash(q, "acme_shop", "localhost", hash),
            "ALTER USER 'acme_shop'@'localhost' IDENTIFIED BY PASSWORD '" + hash + "'"},
           {SetLocked(q, "acme_shop", "localhost", true),
            "ALTER USER 'acme_shop'@'localhost' ACCOUNT LOCK"},
           {SetLocked(q, "acme_shop", "localhost", false),
            "ALTER USER 'acme_shop'@'localhost' ACCOUNT UNLOCK"},
           {GrantAll(q, "acme_shop", "acme_shop", "localhost"),
            "GRANT ALL PRIVILEGES ON `acme\\_shop`.* TO 'acme_shop'@'localhost'"},
           {DropUser(q, "acme_shop", "10.0.0.%"), "DROP USER IF EXISTS 'acme_shop'@'10.0.0.%'"},
           {KillConnection(42), "KILL CONNECTION 42"},
           {SelectSchema(q, "acme_shop"),
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
            "'acme_shop'"},
           {SelectUser(q, "acme_shop", "localhost"),
            "SELECT JSON_VALUE(Priv, '$.plugin'), JSON_VALUE(Priv, '$.authentication_string'), "
            "JSON_VALUE(Priv, '$.account_locked') FROM mysql.global_priv WHERE User = "
            "'acme_shop' AND Host = 'localhost'"},
           // The pattern as stored in mysql.db, then escaped as a literal.
           {SelectDbGrant(q, "acme_shop", "acme_shop", "localhost"),
            "SELECT * FROM mysql.db WHERE Host = 'localhost' AND Db = 'acme\\\\_shop' AND User = "
            "'acme_shop'"},
           {SelectSessions(q, "acme_shop"),
            "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'acme_shop'"},
           // Values only ever reach the statement through the quoter.
           {CreateUser(q, "x'y", "h", "p'w", false),
            "CREATE USER IF NOT EXISTS 'x\\'y'@'h' IDENTIFIED BY PASSWORD 'p\\'w'"},
       }) {
    EXPECT_EQ(c.got, c.want);
  }
}

}  // namespace
}  // namespace hostplane::agent::sql
