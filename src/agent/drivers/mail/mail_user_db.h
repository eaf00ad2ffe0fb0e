#pragma once

// The SQLite file Dovecot's passdb and userdb read (Dovecot's sql driver, sqlite; it only reads):
// every login of this mail node — the mailboxes, the accounts' app logins, Dovecot's own relay
// login — as one table, rebuilt in one SQLite transaction from the passwd-files of
// <dovecot_users_dir>. Those files stay what the batches write and journal (BatchApplier rolls them
// back); this file is derived from them by MailDriver::Assemble, like the Postfix maps.
//
// Why: Dovecot stats a passwd-file at most once a second and compares its mtime in whole seconds,
// so a new mailbox could log in only a second after its batch. Dovecot queries the SQLite file at
// every login (no auth cache is configured), and a committed transaction is what the next query
// reads: a new mailbox logs in as soon as its batch returns (docs/benchmarks.md).
//
// The file is 0640 root:<dovecot group> (Dovecot's auth processes read it; SQLite gives its
// rollback journal the same owner and mode), in rollback-journal mode (DELETE, not WAL: a reader
// of a WAL file needs to write its -shm file), synchronous=FULL: kill -9 at any moment leaves the
// old or the new table, and Assemble rebuilds it after a crash anyway.
//
// Owned by the MailDriver; called from the agent's apply thread (and MailInstance at start).
// Errors: kInvalid (a passwd-file line this node did not write), kIo (SQLite, chown/chmod).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/drivers/mail/mail_layout.h"
#include "common/result.h"

namespace hostplane::agent {

// One login: its passdb half (user, password, nologin) and, for a mailbox, its userdb half.
struct MailUserRow {
  std::string user;      // lowercase login: local@domain, or an account's app login
  std::string password;  // "{CRYPT}<crypt hash>"
  bool nologin = false;  // suspended or moving: the password is checked, the login refused
  std::optional<int64_t> uid, gid;
  std::optional<std::string> home;        // set for a mailbox (it has a userdb entry)
  std::optional<std::string> quota_rule;  // "*:storage=<MB>M"

  bool operator==(const MailUserRow&) const = default;
};

// The rows of one passwd-file as MailDriver, RenderAccountPasswd and MailInstance write them
// ("user:{CRYPT}hash:uid:gid::home::[nologin] [userdb_quota_rule=...]"). Comment and blank lines
// are skipped. kInvalid (naming `where` and the line number) for anything else.
[[nodiscard]] Result<std::vector<MailUserRow>> ParseMailPasswdFile(std::string_view text,
                                                                   std::string_view where);

// <dovecot_users_dir>.sqlite: beside the users directory (not in it, where every name is a
// domain's passwd-file).
std::string MailUserDbPath(const MailLayout& layout);

// Replaces the whole table of the file at host_path (created when missing) with rows, in one
// transaction. group: the group that may read it (Dovecot's), or nullopt to leave the group.
[[nodiscard]] Status WriteMailUserDb(const std::string& host_path,
                                     const std::vector<MailUserRow>& rows,
                                     std::optional<gid_t> group);

// The queries of Dovecot's sql passdb and userdb over that table (MailConfig writes them).
inline constexpr const char* kMailUserPasswordQuery =
    "SELECT user, password, nologin FROM users WHERE user = '%Lu'";
inline constexpr const char* kMailUserUserQuery =
    "SELECT home, uid, gid, quota_rule FROM users WHERE user = '%Lu' AND home IS NOT NULL";
inline constexpr const char* kMailUserIterateQuery =
    "SELECT user AS username FROM users WHERE home IS NOT NULL";

}  // namespace hostplane::agent
