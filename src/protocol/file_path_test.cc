#include "protocol/file_path.h"

#include <gtest/gtest.h>

#include <string>

namespace hostplane::protocol {
namespace {

std::string CodeOf(std::string_view path) {
  auto r = CheckFilePath("path", path);
  if (r) return "ok";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  auto it = r.error().fields.find("path");
  return it == r.error().fields.end() ? "no field" : it->second;
}

TEST(FilePathTest, CanonicalRelativePathsPass) {
  auto p = CheckFilePath("path", "public_html/index.php");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->parts, (std::vector<std::string>{"public_html", "index.php"}));
  EXPECT_EQ(p->parent(), "public_html");
  EXPECT_EQ(p->name(), "index.php");
  EXPECT_EQ(p->text(), "public_html/index.php");
  EXPECT_EQ(CodeOf("...hidden"), "ok");
  EXPECT_EQ(CodeOf(".htaccess"), "ok");
  EXPECT_EQ(CodeOf("caf\xc3\xa9.txt"), "ok");
  EXPECT_EQ(CodeOf("a b/c d"), "ok");
}

TEST(FilePathTest, EmptyIsTheHomeAndOnlyListingsMayNameIt) {
  auto p = CheckFilePath("path", "");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->home());
  auto n = CheckFileName("to", "");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().fields.at("to"), "path.home");
}

TEST(FilePathTest, EscapesAreRefusedWithAPreciseCode) {
  EXPECT_EQ(CodeOf(".."), "path.dotdot");
  EXPECT_EQ(CodeOf("../other/public_html"), "path.dotdot");
  EXPECT_EQ(CodeOf("a/../../etc/passwd"), "path.dotdot");
  EXPECT_EQ(CodeOf("a/.."), "path.dotdot");
  EXPECT_EQ(CodeOf("/etc/passwd"), "path.absolute");
  EXPECT_EQ(CodeOf("//etc"), "path.absolute");
  EXPECT_EQ(CodeOf(std::string("a\0b", 3)), "path.nul");
  EXPECT_EQ(CodeOf("a\nb"), "path.control");
  EXPECT_EQ(CodeOf("a\x7f"), "path.control");
  EXPECT_EQ(CodeOf("..\\..\\x"), "path.backslash");
  EXPECT_EQ(CodeOf("a//b"), "path.not_canonical");
  EXPECT_EQ(CodeOf("./a"), "path.not_canonical");
  EXPECT_EQ(CodeOf("a/"), "path.not_canonical");
  EXPECT_EQ(CodeOf("\xc0\xaf"), "path.not_utf8");      // an overlong '/'
  EXPECT_EQ(CodeOf("\xed\xa0\x80"), "path.not_utf8");  // a surrogate
  EXPECT_EQ(CodeOf("a\xc3"), "path.not_utf8");         // cut short
}

TEST(FilePathTest, LengthsAreBounded) {
  EXPECT_EQ(CodeOf(std::string(kMaxNameBytes, 'a')), "ok");
  EXPECT_EQ(CodeOf(std::string(kMaxNameBytes + 1, 'a')), "path.name_too_long");
  std::string longpath;
  while (longpath.size() <= kMaxPathBytes) longpath += "abcdefghi/";
  longpath += "x";
  EXPECT_EQ(CodeOf(longpath), "path.too_long");
}

TEST(FilePathTest, TheMessageNamesTheFieldAndNeverEchoesThePath) {
  auto r = CheckFilePath("from", "../secret-name");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at("from"), "path.dotdot");
  EXPECT_NE(r.error().message.find("from"), std::string::npos);
  EXPECT_EQ(r.error().message.find("secret-name"), std::string::npos);
}

}  // namespace
}  // namespace hostplane::protocol
