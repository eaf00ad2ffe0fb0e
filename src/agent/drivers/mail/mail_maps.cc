#include "agent/drivers/mail/mail_maps.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/passwd/service_password.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

// A host value written into a passwd-file field or a map value: no field separator, no
// whitespace, nothing a parser could take for the end of the line or a comment.
bool SafeFieldValue(const std::string& s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == ':' || c == '#' || c == '\\' || c == '"' || c == '$' ||
           c == ';' || c == '{' || c == '}' || c == ',';
  });
}

}  // namespace

std::string RenderMailboxMap(const protocol::MailDomainSpec& spec) {
  std::string out;
  for (const auto& m : spec.mailboxes) {
    out += fmt::format("{0}@{1} {1}/{0}/Maildir/\n", m.local, spec.domain);
  }
  return out;
}

std::string RenderAliasMap(const protocol::MailDomainSpec& spec) {
  std::string out;
  for (const auto& f : spec.forwarders) {
    std::string targets;
    for (const auto& t : f.targets) targets += (targets.empty() ? "" : ", ") + t;
    out += fmt::format("{}@{} {}\n", f.local, spec.domain, targets);
  }
  if (!spec.catch_all.empty()) {
    // Postfix looks up "user@domain" before "@domain": without an identity entry a catch-all
    // alias would take the mail of every mailbox too.
    for (const auto& m : spec.mailboxes) {
      out += fmt::format("{0}@{1} {0}@{1}\n", m.local, spec.domain);
    }
    out += fmt::format("@{} {}\n", spec.domain, spec.catch_all);
  }
  return out;
}

std::string RenderAccessMap(const protocol::MailDomainSpec& spec) {
  if (spec.status == "moving") {
    return fmt::format(
        "{} 451 4.2.1 This domain's mailboxes are being moved to another server; try again "
        "later\n",
        spec.domain);
  }
  return spec.domain + " DUNNO\n";
}

Result<std::string> RenderPasswdFile(const protocol::MailDomainSpec& spec,
                                     const PasswdParams& params) {
  if (params.uid == 0 || params.gid == 0 || params.uid == static_cast<uid_t>(-1) ||
      params.gid == static_cast<gid_t>(-1)) {
    return Fail(Error::Invalid("the vmail uid/gid must be set and must not be root"));
  }
  if (!SafeFieldValue(params.vmail_root) || params.vmail_root.front() != '/') {
    return Fail(Error::Invalid("vmail root " + protocol::QuoteForMessage(params.vmail_root) +
                               " cannot be written into a passwd-file"));
  }
  std::string out =
      fmt::format("# managed by hostplane: mail domain {}; edits are overwritten\n", spec.domain);
  const bool suspended = spec.status == "suspended" || spec.status == "moving";
  for (const auto& m : spec.mailboxes) {
    // The decoder already refused anything else; checked again because this line is where a
    // ':' or a newline would become a second account.
    if (!IsServicePasswordHash(m.password_hash)) {
      return Fail(Error::InvalidField("password_hash", "password_hash.invalid",
                                      "a password hash is not a crypt hash"));
    }
    out += fmt::format(
        "{0}@{1}:{{CRYPT}}{2}:{3}:{4}::{5}/{1}/{0}::{6}userdb_quota_rule=*:storage={7}M\n", m.local,
        spec.domain, m.password_hash, params.uid, params.gid, params.vmail_root,
        suspended ? "nologin " : "", m.quota_mb);
  }
  return out;
}

std::string AssembleMapText(const std::vector<std::string>& fragments) {
  std::string out = kMapHeader;
  for (const auto& f : fragments) {
    out += f;
    if (!f.empty() && f.back() != '\n') out += '\n';
  }
  return out;
}

}  // namespace hostplane::agent
