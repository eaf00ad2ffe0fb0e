#pragma once

// RAII over one PGresult (libpq): the rows a statement returned, every value as text (libpq's
// text format), read by row and column index; ColumnIndex finds a column by name.

#include <cstdint>
#include <string>
#include <string_view>

struct pg_result;

namespace hostplane::pg {

class ResultSet {
 public:
  ResultSet() = default;
  explicit ResultSet(pg_result* result) : result_(result) {}
  ResultSet(ResultSet&& other) noexcept;
  ResultSet& operator=(ResultSet&& other) noexcept;
  ResultSet(const ResultSet&) = delete;
  ResultSet& operator=(const ResultSet&) = delete;
  ~ResultSet();

  int Rows() const;
  int Columns() const;
  // The name of a result column (its AS name, lower-cased unless quoted); valid while this is.
  std::string_view ColumnName(int col) const;
  // The column called name, or -1.
  int ColumnIndex(std::string_view name) const;
  // The value as libpq's text ("" for NULL: ask IsNull).
  std::string_view Text(int row, int col) const;
  bool IsNull(int row, int col) const;
  // Rows an INSERT, UPDATE or DELETE touched (0 for other statements).
  int64_t AffectedRows() const;

 private:
  pg_result* result_ = nullptr;
};

}  // namespace hostplane::pg
