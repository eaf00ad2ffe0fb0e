#include "controller/auth/source_address.h"

#include <gtest/gtest.h>

namespace hostplane::auth {
namespace {

TEST(SourcePrefix, Table) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"192.0.2.7", "192.0.2.7/32"},           {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
      {"2001:DB8:1:2::", "2001:db8:1:2::/64"}, {"::1", "::/64"},
      {"::ffff:192.0.2.7", "192.0.2.7/32"},    {"0.0.0.0", "0.0.0.0/32"},
  };
  for (const auto& c : cases) {
    auto r = SourcePrefix(c.in);
    ASSERT_TRUE(r) << c.in;
    EXPECT_EQ(*r, c.out) << c.in;
  }
  EXPECT_EQ(SourcePrefix("192.0.2.7", {.v4 = 24, .v6 = 48}).value(), "192.0.2.0/24");
  EXPECT_EQ(SourcePrefix("2001:db8:1:2::9", {.v4 = 24, .v6 = 48}).value(), "2001:db8:1::/48");
  for (const char* bad : {"", " 192.0.2.7", "192.0.2", "256.1.1.1", "2001:db8::g", "fe80::1%lo",
                          "localhost", "[::1]"}) {
    auto r = SourcePrefix(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().fields.at("source"), "source.invalid_address");
  }
}

}  // namespace
}  // namespace hostplane::auth
