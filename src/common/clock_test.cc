#include "common/clock.h"

#include <gtest/gtest.h>

namespace hostplane {
namespace {

TEST(FormatTimestamp, IsoUtcWithMilliseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatTimestamp(1'709'164'800'007), "2024-02-29T00:00:00.007Z");  // a leap day
  EXPECT_EQ(FormatTimestamp(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

TEST(FormatTimestamp, BeforeTheEpochTheMillisecondsStayPositive) {
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatTimestamp(-62'135'596'800'000), "0001-01-01T00:00:00.000Z");
}

TEST(FormatTimestamp, YearsBeyondFourDigitsAreWrittenWhole) {
  EXPECT_EQ(FormatTimestamp(253'402'300'800'000), "10000-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace hostplane
