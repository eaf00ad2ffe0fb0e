#include "controller/store/sqlite_connection.h"

#include <string>
#include <type_traits>
#include <vector>

namespace hostplane::controller {
namespace {

class SqliteDialectImpl final : public sql::Dialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string TextArrayElements(std::string_view param) const override {
    return "(SELECT value FROM json_each(:" + std::string(param) + "))";
  }
  bool PrefersReturning() const override { return false; }
  std::string_view NowMillis() const override {
    return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
  }
  std::string_view LockRows() const override { return ""; }
};

// A row of a running statement. Columns are looked up by name, starting where the last lookup
// ended: a mapping reads the columns in the order the SELECT lists them, so a lookup is usually
// one comparison.
class SqliteRow final : public sql::Row {
 public:
  explicit SqliteRow(const sqlite::Statement& st) : st_(st) {
    const int n = st.ColumnCount();
    names_.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) names_.push_back(st.ColumnName(i));
  }

  int64_t Int(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 ? 0 : st_.Int(i);
  }
  std::optional<int64_t> OptInt(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 ? std::nullopt : st_.OptInt(i);
  }
  double Double(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 ? 0 : st_.Double(i);
  }
  std::string Text(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 ? std::string() : st_.Text(i);
  }
  bool IsNull(std::string_view c) const override {
    const int i = Find(c);
    return i < 0 || st_.IsNull(i);
  }

  // The first column asked for that the result does not have ("" when none).
  const std::string& missing() const { return missing_; }

 private:
  int Find(std::string_view column) const {
    const int n = static_cast<int>(names_.size());
    for (int k = 0; k < n; ++k) {
      const int i = (next_ + k) % n;
      if (names_[static_cast<size_t>(i)] == column) {
        next_ = (i + 1) % n;
        return i;
      }
    }
    if (missing_.empty()) missing_ = std::string(column);
    return -1;
  }

  const sqlite::Statement& st_;
  std::vector<std::string_view> names_;
  mutable int next_ = 0;
  mutable std::string missing_;
};

Status Bind(sqlite::Statement& st, int index, const sql::Value& value) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          st.BindNull(index);
        } else if constexpr (std::is_same_v<V, std::string>) {
          st.Bind(index, std::string_view(v));
        } else {
          st.Bind(index, v);
        }
      },
      value.variant());
  return Ok();
}

}  // namespace

const sql::Dialect& SqliteDialect() {
  static const SqliteDialectImpl kDialect;
  return kDialect;
}

const sql::Dialect& SqliteConnection::dialect() const { return SqliteDialect(); }

Status SqliteConnection::Run(std::string_view sql, const sql::Params& params,
                             const sql::RowFn& on_row) {
  HP_ASSIGN_OR_RETURN(sqlite::Statement st, db_.Prepare(sql));
  const int count = st.ParameterCount();
  std::vector<bool> bound(static_cast<size_t>(count) + 1, false);
  for (const sql::Param& p : params) {
    const int index = st.ParameterIndex(p.name);
    if (index == 0) {
      return Fail(
          Error::Internal("parameter :" + std::string(p.name) + " is not in: " + std::string(sql)));
    }
    HP_TRY(Bind(st, index, p.value));
    bound[static_cast<size_t>(index)] = true;
  }
  for (int i = 1; i <= count; ++i) {
    if (!bound[static_cast<size_t>(i)]) {
      return Fail(Error::Internal("parameter " + std::string(st.ParameterName(i)) +
                                  " is not given for: " + std::string(sql)));
    }
  }
  SqliteRow row(st);
  for (;;) {
    HP_ASSIGN_OR_RETURN(bool more, st.Step());
    if (!more) return Ok();
    HP_TRY(on_row(row));
    if (!row.missing().empty()) {
      return Fail(Error::Internal("column " + row.missing() +
                                  " is not in the result of: " + std::string(sql)));
    }
  }
}

Result<int64_t> SqliteConnection::Insert(std::string_view sql, const sql::Params& params) {
  HP_TRY(Run(sql, params, [](const sql::Row&) { return Ok(); }));
  return db_.LastInsertId();
}

}  // namespace hostplane::controller
