#pragma once

// The task specs of one hosting account on a web node (shared/contract: account.ensure and
// account.remove, object "account:<login>"). The controller computes every value (uid, gid, the
// PHP versions the account's sites use); the agent decodes them here and re-validates every field
// before it creates a Unix user or renders a PHP-FPM pool (SECURITY rule 3).
//
// Decoding follows SiteSpecFromJson (messages.h): the spec must be a JSON object, members nobody
// reads are ignored (refused as field.unknown with UnknownMembers::kRefuse), optional members take
// the default shown, and every violation is reported at once as kInvalid with fields {path: code}.
// Codes:
//   field.missing, field.type          a required member is absent / a member has the wrong type
//   field.range                        uid or gid outside [kMinAccountId, kMaxAccountId]
//   login.* , login.not_canonical      the login grammar (CheckLoginGrammar: the account's own
//                                      Unix user exists on this node by design)
//   php.invalid                        a PHP version not matching ^[0-9]\.[0-9]{1,2}$
//   php.duplicate                      a PHP version listed twice
//   status.invalid                     a status other than active | suspended
//   mail_submission.*                  see mail_submission_spec.h (optional member)

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/mail_submission_spec.h"
#include "protocol/messages.h"

namespace hostplane::protocol {

inline constexpr const char* kAccountEnsure = "account.ensure";
inline constexpr const char* kAccountRemove = "account.remove";

// Unix ids the controller may hand to an account: never root, never a system id.
inline constexpr int64_t kMinAccountId = 1000;
inline constexpr int64_t kMaxAccountId = 2147483647;  // 2^31 - 1

// kind account.ensure: {"login":"acme","uid":20001,"gid":20001,"status":"active","php":["8.2"]}
struct AccountSpec {
  std::string login;              // CheckLoginGrammar, canonical
  int64_t uid = 0;                // [kMinAccountId, kMaxAccountId]
  int64_t gid = 0;                // [kMinAccountId, kMaxAccountId]
  std::string status = "active";  // active | suspended (optional)
  std::vector<std::string> php;   // PHP versions ("8.2"), sorted, unique (optional, default [])
  // PHP's mail() through msmtp (optional; absent = no sendmail_path).
  std::optional<MailSubmissionSpec> mail_submission;
  bool operator==(const AccountSpec&) const = default;
};
Json ToJson(const AccountSpec& s);
[[nodiscard]] Result<AccountSpec> AccountSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// kind account.remove: {"login":"acme","uid":20001,"gid":20001,"remove_home":true}
struct AccountRemoval {
  std::string login;
  int64_t uid = 0;
  int64_t gid = 0;
  bool remove_home = false;  // optional
  bool operator==(const AccountRemoval&) const = default;
};
Json ToJson(const AccountRemoval& r);
[[nodiscard]] Result<AccountRemoval> AccountRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// The PHP version grammar ^[0-9]\.[0-9]{1,2}$ (also used by SiteSpec's "php").
bool IsPhpVersion(const std::string& v);

}  // namespace hostplane::protocol
