#pragma once

// The task specs of virtual FTP users (kinds ftpuser.ensure / ftpuser.remove, object
// "ftpuser:<user>", ftp nodes = web nodes) and the FTP user name grammar, shared by the API and
// the agent's FTP driver (agent/drivers/ftp).
//
// Decoding follows SiteSpecFromJson (messages.h): members nobody reads are ignored (field.unknown
// with UnknownMembers::kRefuse), a present member must have its type, and every violation is
// reported at once as kInvalid with fields {path: code}. Codes: field.missing, field.type, login.*
// and login.not_canonical (account, via CheckLoginGrammar: the account's own Unix user exists on
// the agent's machine by design), ftp.* and ftp.not_canonical (user), path.* and path.not_canonical
// (home), field.range (uid, gid), password_hash.invalid, status.invalid.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/account_spec.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

inline constexpr const char* kFtpUserEnsure = "ftpuser.ensure";
inline constexpr const char* kFtpUserRemove = "ftpuser.remove";

// The uids/gids an FTP user may map to: its account's, so the range of account ids
// (account_spec.h), checked with the same code (field.range). Below it are system users (and
// pure-ftpd runs with -u 1000, refusing them at login anyway). Issue 23's bus proof found the FTP
// decoder alone accepting ids up to 2^32-3, which no account can have.
inline constexpr int64_t kMinFtpId = kMinAccountId;
inline constexpr int64_t kMaxFtpId = kMaxAccountId;
// The longest suffix after "<account>_".
inline constexpr size_t kMaxFtpSuffix = 16;

// An FTP user name: "<account>_<suffix>", suffix ^[a-z0-9]{1,16}$. Letters are lowercased first
// (the canonical form). account must already be a valid login; it is not checked here.
// Codes: ftp.invalid (empty, or a character outside [a-z0-9_]), ftp.prefix (does not start with
// "<account>_"), ftp.too_long (suffix longer than 16).
Checked<std::string> CheckFtpUserName(std::string_view account, std::string_view input);

// Desired state of one virtual FTP user (kind ftpuser.ensure).
struct FtpUserSpec {
  std::string user;               // "<account>_<suffix>", canonical
  std::string account;            // the owning account's login
  int64_t uid = 0;                // the account's Unix uid/gid: files uploaded belong to them
  int64_t gid = 0;                // (both in [kMinFtpId, kMaxFtpId])
  std::string home;               // relative to the account home, normalised; "" = the home itself
  std::string password_hash;      // IsServicePasswordHash ("$y$..." yescrypt); never logged
  std::string status = "active";  // active | suspended (optional)
  bool operator==(const FtpUserSpec&) const = default;
};
Json ToJson(const FtpUserSpec& s);
[[nodiscard]] Result<FtpUserSpec> FtpUserSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// kind ftpuser.remove. The home and its files stay: they belong to the account.
struct FtpUserRemoval {
  std::string user;
  std::string account;
  bool operator==(const FtpUserRemoval&) const = default;
};
Json ToJson(const FtpUserRemoval& s);
[[nodiscard]] Result<FtpUserRemoval> FtpUserRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

}  // namespace hostplane::protocol
