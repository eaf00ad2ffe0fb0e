#include "controller/store/pg_connection.h"

#include <charconv>
#include <string>
#include <type_traits>
#include <vector>

namespace hostplane::controller {
namespace {

class PgDialectImpl final : public sql::Dialect {
 public:
  std::string_view name() const override { return "postgresql"; }
  std::string TextArrayElements(std::string_view param) const override {
    return "(SELECT value FROM json_array_elements_text(CAST(:" + std::string(param) +
           " AS json)) AS value)";
  }
  bool PrefersReturning() const override { return true; }
  std::string_view NowMillis() const override {
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
  }
  std::string_view LockRows() const override { return " FOR UPDATE"; }
};

// One row of a result, read by column name, starting where the last lookup ended (as
// SqliteRow: mappings read in SELECT order).
class PgRow final : public sql::Row {
 public:
  explicit PgRow(const pg::ResultSet& rs) : rs_(rs), n_(rs.Columns()) {}
  void At(int row) { row_ = row; }

  int64_t Int(std::string_view c) const override {
    const int i = Find(c);
    if (i < 0 || rs_.IsNull(row_, i)) return 0;
    const std::string_view t = rs_.Text(row_, i);
    if (t == "t") return 1;  // a boolean expression
    if (t == "f") return 0;
    int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  }
  std::optional<int64_t> OptInt(std::string_view c) const override {
    const int i = Find(c);
    if (i < 0 || rs_.IsNull(row_, i)) return std::nullopt;
    return Int(c);
  }
  double Double(std::string_view c) const override {
    const int i = Find(c);
    if (i < 0 || rs_.IsNull(row_, i)) return 0;
    const std::string_view t = rs_.Text(row_, i);
    double v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  }
  std::string Text(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 ? std::string() : std::string(rs_.Text(row_, i));
  }
  bool IsNull(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 || rs_.IsNull(row_, i);
  }

  const std::string& missing() const { return missing_; }

 private:
  int Find(std::string_view column) const {
    for (int k = 0; k < n_; ++k) {
      const int i = (next_ + k) % n_;
      if (rs_.ColumnName(i) == column) {
        next_ = (i + 1) % n_;
        return i;
      }
    }
    if (missing_.empty()) missing_ = std::string(column);
    return -1;
  }

  const pg::ResultSet& rs_;
  const int n_;
  int row_ = 0;
  mutable int next_ = 0;
  mutable std::string missing_;
};

pg::Param AsText(const sql::Value& value) {
  return std::visit(
      [](const auto& v) -> pg::Param {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<V, std::string>) {
          return v;
        } else {
          char buf[32];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
          return std::string(buf, end);
        }
      },
      value.variant());
}

}  // namespace

const sql::Dialect& PgDialect() {
  static const PgDialectImpl kDialect;
  return kDialect;
}

const sql::Dialect& PgConnection::dialect() const { return PgDialect(); }

Status PgConnection::Run(std::string_view sql, const sql::Params& params,
                         const sql::RowFn& on_row) {
  auto it = session_.rewritten.find(std::string(sql));
  if (it == session_.rewritten.end()) {
    it = session_.rewritten.emplace(std::string(sql), ToPositional(sql)).first;
  }
  const PositionalSql& positional = it->second;
  std::vector<pg::Param> values(positional.names.size());
  std::vector<bool> bound(positional.names.size(), false);
  for (const sql::Param& p : params) {
    size_t k = 0;
    while (k < positional.names.size() && positional.names[k] != p.name) ++k;
    if (k == positional.names.size()) {
      return Fail(
          Error::Internal("parameter :" + std::string(p.name) + " is not in: " + std::string(sql)));
    }
    values[k] = AsText(p.value);
    bound[k] = true;
  }
  for (size_t k = 0; k < bound.size(); ++k) {
    if (!bound[k]) {
      return Fail(Error::Internal("parameter :" + positional.names[k] +
                                  " is not given for: " + std::string(sql)));
    }
  }
  auto rs = session_.db.Query(positional.text, values);
  if (!rs) {
    if (pg::IsRetryable(session_.db.last_sqlstate())) retryable_failure_ = true;
    return Fail(rs.error());
  }
  changes_ = rs->AffectedRows();
  PgRow row(*rs);
  const int rows = rs->Rows();
  for (int r = 0; r < rows; ++r) {
    row.At(r);
    HP_TRY(on_row(row));
    if (!row.missing().empty()) {
      return Fail(Error::Internal("column " + row.missing() +
                                  " is not in the result of: " + std::string(sql)));
    }
  }
  return Ok();
}

Result<int64_t> PgConnection::Insert(std::string_view sql, const sql::Params& params) {
  std::optional<int64_t> id;
  HP_TRY(Run(std::string(sql) + " RETURNING id", params, [&](const sql::Row& row) -> Status {
    id = row.Int("id");
    return Ok();
  }));
  if (!id) return Fail(Error::Internal("no id returned by: " + std::string(sql)));
  return *id;
}

}  // namespace hostplane::controller
