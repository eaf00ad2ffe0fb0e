#include "agent/drivers/mariadb/mariadb_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <mutex>
#include <utility>

namespace hostplane::agent {
namespace {

// mysql_init initialises the library on first use, which is not thread-safe: do it once here.
void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// Errors after which the connection is gone (the server went away or killed it).
bool LosesConnection(unsigned int err) {
  return (err >= CR_MIN_ERROR && err <= CR_MAX_ERROR) || err == ER_SERVER_SHUTDOWN ||
         err == ER_CONNECTION_KILLED;
}

// Errors worth a retry: the connection, or a transient state of the server.
bool Transient(unsigned int err) {
  return LosesConnection(err) || err == ER_CON_COUNT_ERROR || err == ER_LOCK_WAIT_TIMEOUT ||
         err == ER_LOCK_DEADLOCK || err == ER_OUT_OF_RESOURCES;
}

void ReplaceAll(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size())) {
    s.replace(pos, what.size(), with);
  }
}

}  // namespace

void MariaDbConnection::Closer::operator()(st_mysql* m) const { mysql_close(m); }

MariaDbConnection::MariaDbConnection(st_mysql* m) : mysql_(m) {}
MariaDbConnection::MariaDbConnection(MariaDbConnection&&) noexcept = default;
MariaDbConnection& MariaDbConnection::operator=(MariaDbConnection&&) noexcept = default;
MariaDbConnection::~MariaDbConnection() = default;

Result<MariaDbConnection> MariaDbConnection::Connect(const MariaDbConnectOptions& o) {
  InitLibrary();
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return Fail(Error::Internal("mysql_init: out of memory"));
  MariaDbConnection conn(m);
  unsigned int connect_timeout = static_cast<unsigned int>(o.connect_timeout.count());
  unsigned int io_timeout = static_cast<unsigned int>(o.read_write_timeout.count());
  unsigned int no_local_infile = 0;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &no_local_infile);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!o.socket.empty()) {
    unsigned int protocol = MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  }
  const char* password = o.password.empty() ? nullptr : o.password.c_str();
  const char* database = o.database.empty() ? nullptr : o.database.c_str();
  const char* socket = o.socket.empty() ? nullptr : o.socket.c_str();
  if (mysql_real_connect(m, o.host.c_str(), o.user.c_str(), password, database,
                         static_cast<unsigned int>(o.port), socket, 0) == nullptr) {
    std::string where = o.socket.empty() ? o.host + ":" + std::to_string(o.port) : o.socket;
    Error e =
        Error::Unavailable("connecting to MariaDB at " + where + " as " + o.user + ": " +
                           mysql_error(m) + " (error " + std::to_string(mysql_errno(m)) + ")");
    if (!o.password.empty()) ReplaceAll(e.message, o.password, "<redacted>");
    return Fail(std::move(e));
  }
  return conn;
}

Error MariaDbConnection::StatementError(const std::string& label, std::string_view secret) {
  MYSQL* m = mysql_.get();
  last_errno_ = mysql_errno(m);
  std::string text = mysql_error(m);
  if (!secret.empty()) {
    ReplaceAll(text, secret, "<redacted>");
    // A hash's hex digits without its leading '*' are just as secret.
    if (secret.size() > 1) ReplaceAll(text, secret.substr(1), "<redacted>");
  }
  if (LosesConnection(last_errno_)) usable_ = false;
  std::string message =
      "MariaDB refused " + label + ": " + text + " (error " + std::to_string(last_errno_) + ")";
  return Transient(last_errno_) ? Error::Unavailable(std::move(message))
                                : Error::Validation(std::move(message));
}

Status MariaDbConnection::Execute(const std::string& sql, const std::string& label,
                                  std::string_view secret) {
  if (!usable_) return Fail(Error::Unavailable("the MariaDB connection was lost"));
  MYSQL* m = mysql_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return Fail(StatementError(label, secret));
  // Statements of this kind return no rows, but a result set must still be consumed.
  if (MYSQL_RES* res = mysql_store_result(m); res != nullptr) mysql_free_result(res);
  last_errno_ = 0;
  return Ok();
}

Result<MariaDbResult> MariaDbConnection::Query(const std::string& sql, const std::string& label) {
  if (!usable_) return Fail(Error::Unavailable("the MariaDB connection was lost"));
  MYSQL* m = mysql_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return Fail(StatementError(label, {}));
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> res(mysql_store_result(m),
                                                               &mysql_free_result);
  MariaDbResult out;
  if (res == nullptr) {
    if (mysql_field_count(m) != 0) return Fail(StatementError(label, {}));
    return out;  // a statement without a result set
  }
  unsigned int n = mysql_num_fields(res.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(res.get());
  for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    unsigned long* lengths = mysql_fetch_lengths(res.get());
    MariaDbRow r;
    r.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
      if (row[i] == nullptr) {
        r.emplace_back(std::nullopt);
      } else {
        r.emplace_back(std::string(row[i], lengths[i]));
      }
    }
    out.rows.push_back(std::move(r));
  }
  last_errno_ = 0;
  return out;
}

std::string MariaDbConnection::Literal(std::string_view value) const {
  std::string escaped(value.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(mysql_.get(), escaped.data(), value.data(),
                                             static_cast<unsigned long>(value.size()));
  escaped.resize(n);
  return "'" + escaped + "'";
}

}  // namespace hostplane::agent
