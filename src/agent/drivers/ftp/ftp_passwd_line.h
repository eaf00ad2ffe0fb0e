#pragma once

// The one encoder of pure-ftpd's passwd format (shared/SECURITY.md rule 3) and its reader, pure
// functions: FtpDriver writes one line per user, and reads its own lines back to see what is
// applied. Fuzzed with a round trip (fuzz/ftp_passwd_fuzz.cc).

#include <cstdint>
#include <optional>
#include <string>

namespace hostplane::agent {

// The validated values of one puredb passwd line.
struct FtpPasswdLine {
  std::string user;           // passed CheckFtpUserName
  std::string password_hash;  // passed IsServicePasswordHash (ignored when suspended)
  int64_t uid = 0;
  int64_t gid = 0;
  std::string home;  // absolute host path of the jail (the user's home), without "/./"
  bool suspended = false;
  bool operator==(const FtpPasswdLine&) const = default;
};

// The encoder of a user's line: "user:hash:uid:gid::<home>/./::::::::::::\n" (18 fields; "/./"
// makes pure-ftpd chroot at <home>; the hash is "!" when suspended).
std::string RenderPasswdLine(const FtpPasswdLine& line);
// Reads back a line RenderPasswdLine wrote (hash "!" reads as suspended with an empty hash).
// nullopt for anything else.
std::optional<FtpPasswdLine> ParsePasswdLine(const std::string& text);

}  // namespace hostplane::agent
