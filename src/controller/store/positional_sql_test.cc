#include "controller/store/positional_sql.h"

#include <gtest/gtest.h>

namespace hostplane::controller {
namespace {

TEST(PositionalSql, NumbersEachNameOnceInOrderOfFirstUse) {
  const PositionalSql p =
      ToPositional("UPDATE t SET a = :now, b = :state WHERE c = :now AND d = :state_2");
  EXPECT_EQ(p.text, "UPDATE t SET a = $1, b = $2 WHERE c = $1 AND d = $3");
  EXPECT_EQ(p.names, (std::vector<std::string>{"now", "state", "state_2"}));
}

TEST(PositionalSql, LeavesQuotesCommentsAndCastsAlone) {
  const PositionalSql p =
      ToPositional("SELECT ':no', \"a:b\", x::bigint, 'it''s :no' -- :none\nFROM t WHERE y = :yes");
  EXPECT_EQ(p.text, "SELECT ':no', \"a:b\", x::bigint, 'it''s :no' -- :none\nFROM t WHERE y = $1");
  EXPECT_EQ(p.names, (std::vector<std::string>{"yes"}));
}

TEST(PositionalSql, NoParametersNoChange) {
  const PositionalSql p = ToPositional("SELECT 1 AS n, '12:30' AS t");
  EXPECT_EQ(p.text, "SELECT 1 AS n, '12:30' AS t");
  EXPECT_TRUE(p.names.empty());
}

}  // namespace
}  // namespace hostplane::controller
