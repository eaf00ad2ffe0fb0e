#include "common/text/text.h"

#include <gtest/gtest.h>

namespace hostplane {
namespace {

TEST(TextTest, TrimAndOneLine) {
  struct Case {
    std::string in, trimmed, one_line;
  };
  const Case cases[] = {
      {"", "", ""},
      {"  a b \t\r\n", "a b", "a b"},
      {"\n\n", "", ""},
      {"nginx: [emerg] x\n\n  nginx: test failed \n", "nginx: [emerg] x\n\n  nginx: test failed",
       "nginx: [emerg] x; nginx: test failed"},
      {"one\r\ntwo", "one\r\ntwo", "one; two"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Trim(c.in), c.trimmed) << c.in;
    EXPECT_EQ(OneLine(c.in), c.one_line) << c.in;
  }
}

TEST(TextTest, SplitKeepsEmptyPiecesFieldsDropThem) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(Split("", ','), V{""});
  EXPECT_EQ(Split("a,,b,", ','), (V{"a", "", "b", ""}));
  EXPECT_EQ(Fields(""), V{});
  EXPECT_EQ(Fields("  10  mail.example. "), (V{"10", "mail.example."}));
  EXPECT_EQ(Fields("a\tb c"), (V{"a\tb", "c"})) << "only a space separates";
}

}  // namespace
}  // namespace hostplane
