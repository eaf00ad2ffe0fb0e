#include "common/pg/connection.h"

#include <libpq-fe.h>

#include <utility>

namespace hostplane::pg {
namespace {

std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

ErrorCode CodeOf(std::string_view sqlstate, bool broken) {
  if (broken || IsRetryable(sqlstate)) return ErrorCode::kUnavailable;
  if (sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 3) == "57P") {
    return ErrorCode::kUnavailable;  // connection exception, admin shutdown
  }
  if (sqlstate.substr(0, 2) == "23") return ErrorCode::kConflict;  // integrity constraint
  return ErrorCode::kIo;
}

}  // namespace

std::optional<std::string> ConnInfoError(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  if (options) {
    PQconninfoFree(options);
    return std::nullopt;
  }
  std::string reason = err ? Trimmed(err) : "out of memory";
  if (err) PQfreemem(err);
  return reason;
}

bool IsRetryable(std::string_view sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

Result<Connection> Connection::Open(const std::string& conninfo) {
  if (auto bad = ConnInfoError(conninfo)) {
    return Fail(Error::Invalid("bad PostgreSQL connection string: " + *bad));
  }
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (!conn) return Fail(Error::Unavailable("connecting to PostgreSQL: out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Fail(Error::Unavailable("connecting to PostgreSQL: " + reason));
  }
  // Notices ("relation ... already exists, skipping") are not errors: not printed to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return Connection(conn);
}

Connection::Connection(Connection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      prepared_(std::move(other.prepared_)),
      last_sqlstate_(std::move(other.last_sqlstate_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    prepared_ = std::move(other.prepared_);
    last_sqlstate_ = std::move(other.last_sqlstate_);
  }
  return *this;
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

bool Connection::Healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::InTransaction() const {
  if (!conn_) return false;
  const PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

Error Connection::Failure(const std::string& context, const pg_result* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string message = Trimmed(result ? PQresultErrorMessage(result) : nullptr);
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  const bool broken = PQstatus(conn_) != CONNECTION_OK;
  if (!last_sqlstate_.empty()) message += " (SQLSTATE " + last_sqlstate_ + ")";
  return Error{CodeOf(last_sqlstate_, broken), context + ": " + message, {}};
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  PGresult* result = PQexec(conn_, text.c_str());
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    Error e = Failure("running " + text.substr(0, 80), result);
    PQclear(result);
    return Fail(std::move(e));
  }
  PQclear(result);
  last_sqlstate_.clear();
  return Ok();
}

Result<ResultSet> Connection::Query(std::string_view sql, const std::vector<Param>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    PGresult* result = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    if (!result || PQresultStatus(result) != PGRES_COMMAND_OK) {
      Error e = Failure("preparing " + text, result);
      PQclear(result);
      return Fail(std::move(e));
    }
    PQclear(result);
    it = prepared_.emplace(text, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, /*resultFormat=*/0);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error e = Failure("running " + it->first, result);
    PQclear(result);
    return Fail(std::move(e));
  }
  last_sqlstate_.clear();
  return ResultSet(result);
}

}  // namespace hostplane::pg
