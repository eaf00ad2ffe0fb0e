#include "agent/drivers/ftp/ftp_passwd_line.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace hostplane::agent {
namespace {

constexpr const char* kJailMark = "/./";
// Fields after the home: bandwidths, ratios, sessions, quotas, IP lists, time restrictions.
constexpr const char* kTrailingFields = "::::::::::::";
constexpr const char* kDisabledHash = "!";

std::optional<int64_t> ParseId(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || s.front() == '-') {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string RenderPasswdLine(const FtpPasswdLine& line) {
  return fmt::format("{}:{}:{}:{}::{}{}{}\n", line.user,
                     line.suspended ? kDisabledHash : line.password_hash, line.uid, line.gid,
                     line.home, kJailMark, kTrailingFields);
}

std::optional<FtpPasswdLine> ParsePasswdLine(const std::string& text) {
  if (text.empty() || text.back() != '\n' || text.find('\n') != text.size() - 1) {
    return std::nullopt;
  }
  std::vector<std::string> f;
  size_t start = 0;
  std::string body = text.substr(0, text.size() - 1);
  while (true) {
    size_t colon = body.find(':', start);
    f.push_back(body.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (f.size() != 18 || !f[4].empty() || !f[5].ends_with(kJailMark)) return std::nullopt;
  FtpPasswdLine line;
  line.user = f[0];
  line.suspended = f[1] == kDisabledHash;
  line.password_hash = line.suspended ? "" : f[1];
  auto uid = ParseId(f[2]);
  auto gid = ParseId(f[3]);
  if (!uid || !gid) return std::nullopt;
  line.uid = *uid;
  line.gid = *gid;
  line.home = f[5].substr(0, f[5].size() - std::strlen(kJailMark));
  if (RenderPasswdLine(line) != text) return std::nullopt;
  return line;
}

}  // namespace hostplane::agent
