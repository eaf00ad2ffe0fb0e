#pragma once

// The store's SQL names its parameters (":login", sql.h); libpq numbers them ($1, $2, ...).
// ToPositional rewrites one into the other: each distinct name gets the next number at its first
// occurrence, and every later occurrence of it the same one. Quoted text ('...', "..."),
// comments (-- to the end of the line) and casts ("::") are left alone.

#include <string>
#include <string_view>
#include <vector>

namespace hostplane::controller {

struct PositionalSql {
  std::string text;                // the SQL with $n in place of :name
  std::vector<std::string> names;  // names[n-1] is the name of $n
};

PositionalSql ToPositional(std::string_view sql);

}  // namespace hostplane::controller
