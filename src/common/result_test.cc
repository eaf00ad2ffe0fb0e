#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace hostplane {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Fail(Error::Invalid(std::to_string(n) + " is odd"));
  return n / 2;
}

Result<int> Quarter(int n) {
  HP_ASSIGN_OR_RETURN(int half, Half(n));
  HP_ASSIGN_OR_RETURN(half, Half(half));  // assigns an existing variable
  return half;
}

Status Check(int n) {
  HP_TRY(Half(n));
  return Ok();
}

Result<std::unique_ptr<int>> Boxed(int n) { return std::make_unique<int>(n); }

Result<int> Unbox(int n) {
  HP_ASSIGN_OR_RETURN(auto box, Boxed(n));  // move-only values move out
  return *box;
}

TEST(Result, AssignOrReturnTakesTheValueOrReturnsTheError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto odd = Quarter(6);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(odd.error().message, "3 is odd");
  EXPECT_EQ(*Unbox(7), 7);
}

TEST(Result, TryReturnsTheErrorAndDropsTheValue) {
  EXPECT_TRUE(Check(2).has_value());
  auto s = Check(3);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "3 is odd");
}

TEST(Result, ConvertsFromAndToItsExpectedBase) {
  tl::expected<int, Error> base = 4;
  Result<int> r = base;
  EXPECT_EQ(*r, 4);
  Status failed = Fail(Error::NotFound("x"));
  const tl::expected<void, Error>& as_base = failed;
  EXPECT_EQ(as_base.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace hostplane
