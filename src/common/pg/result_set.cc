#include "common/pg/result_set.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace hostplane::pg {

ResultSet::ResultSet(ResultSet&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

ResultSet& ResultSet::operator=(ResultSet&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

ResultSet::~ResultSet() {
  if (result_) PQclear(result_);
}

int ResultSet::Rows() const { return result_ ? PQntuples(result_) : 0; }

int ResultSet::Columns() const { return result_ ? PQnfields(result_) : 0; }

std::string_view ResultSet::ColumnName(int col) const {
  const char* name = result_ ? PQfname(result_, col) : nullptr;
  return name ? std::string_view(name) : std::string_view();
}

int ResultSet::ColumnIndex(std::string_view name) const {
  const int n = Columns();
  for (int i = 0; i < n; ++i) {
    if (ColumnName(i) == name) return i;
  }
  return -1;
}

std::string_view ResultSet::Text(int row, int col) const {
  if (!result_) return {};
  return std::string_view(PQgetvalue(result_, row, col),
                          static_cast<size_t>(PQgetlength(result_, row, col)));
}

bool ResultSet::IsNull(int row, int col) const {
  return !result_ || PQgetisnull(result_, row, col) == 1;
}

int64_t ResultSet::AffectedRows() const {
  if (!result_) return 0;
  const char* tuples = PQcmdTuples(result_);
  int64_t n = 0;
  if (tuples && *tuples) std::from_chars(tuples, tuples + std::strlen(tuples), n);
  return n;
}

}  // namespace hostplane::pg
