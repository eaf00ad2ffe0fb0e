#include "controller/auth/qr_code.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/exec/command_runner.h"
#include "controller/auth/totp.h"

namespace hostplane::auth {
namespace {

// The SVG's dark modules read back from its path ("M<x> <y>h1v1h-1z" per module).
std::vector<bool> ModulesOf(const std::string& svg, int width) {
  std::vector<bool> dark(static_cast<size_t>(width) * width, false);
  std::regex module("M(\\d+) (\\d+)h1v1h-1z");
  for (std::sregex_iterator it(svg.begin(), svg.end(), module), end; it != end; ++it) {
    int x = std::stoi((*it)[1]) - 4, y = std::stoi((*it)[2]) - 4;
    EXPECT_TRUE(x >= 0 && y >= 0 && x < width && y < width) << "outside the quiet zone";
    if (x >= 0 && y >= 0 && x < width && y < width) dark[static_cast<size_t>(y) * width + x] = true;
  }
  return dark;
}

TEST(QrCode, TheSvgDrawsExactlyTheMatrix) {
  auto qr = EncodeQr("otpauth://totp/Example:alice?secret=GEZDGNBVGY3TQOJQ");
  ASSERT_TRUE(qr);
  EXPECT_GE(qr->width, 21);
  EXPECT_EQ((qr->width - 17) % 4, 0) << "a QR version's side is 17 + 4v";
  std::string svg = ToSvg(*qr, 5);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  int side = qr->width + 8;
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(side) + " " + std::to_string(side) + "\""),
            std::string::npos);
  EXPECT_NE(svg.find("width=\"" + std::to_string(side * 5) + "\""), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(ModulesOf(svg, qr->width), qr->dark);
}

TEST(QrCode, RefusesEmptyAndOverlongText) {
  EXPECT_EQ(EncodeQr("").error().code, ErrorCode::kInvalid);
  EXPECT_EQ(EncodeQr(std::string(5000, 'a')).error().code, ErrorCode::kInvalid);
}

// The enrolment SVG, rendered by librsvg and read by zbar (both Debian packages installed by
// scripts/install-deps), gives back the otpauth URI an authenticator app would get.
TEST(QrCode, TheEnrolmentSvgDecodesWithZbar) {
  auto rsvg = FindProgram("rsvg-convert");
  auto zbar = FindProgram("zbarimg");
  ASSERT_TRUE(rsvg && zbar) << "rsvg-convert (librsvg2-bin) and zbarimg (zbar-tools) are needed: "
                               "run scripts/install-deps";
  auto uri = OtpauthUri("Example Hosting", "alice@example.com", NewTotpSecret(), TotpParams{});
  ASSERT_TRUE(uri);
  auto qr = EncodeQr(*uri);
  ASSERT_TRUE(qr);
  char dir_template[] = "/tmp/hpqr.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::filesystem::path dir(dir_template);
  std::ofstream(dir / "qr.svg") << ToSvg(*qr);
  PosixCommandRunner runner({*rsvg, *zbar});
  auto png = runner.Run(
      {.argv = {*rsvg, "-o", (dir / "qr.png").string(), "--", (dir / "qr.svg").string()}});
  ASSERT_TRUE(png && png->ok()) << (png ? png->err : png.error().message);
  auto read = runner.Run({.argv = {*zbar, "-q", "--raw", "--", (dir / "qr.png").string()}});
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(read && read->ok()) << (read ? read->err : read.error().message);
  EXPECT_EQ(read->out, *uri + "\n");
}

}  // namespace
}  // namespace hostplane::auth
