#include "agent/drivers/mail/mail_user_db.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/sqlite/database.h"

namespace hostplane::agent {
namespace {

constexpr std::string_view kCrypt = "{CRYPT}";
constexpr std::string_view kQuotaRule = "userdb_quota_rule=";

std::optional<int64_t> ParseId(std::string_view s, bool* ok) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || v > 0xffffffffLL) {
      *ok = false;
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

// The file and its journal: readable by Dovecot's group, by nobody else. Through a descriptor
// opened without following links (the file is root's and its directory too).
Status Restrict(const std::string& path, std::optional<gid_t> group) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Fail(Error::FromErrno("opening " + path, errno));
  int rc = group ? ::fchown(fd, static_cast<uid_t>(-1), *group) : 0;
  if (rc == 0) rc = ::fchmod(fd, 0640);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(Error::FromErrno("setting the owner and mode of " + path, err));
  return Ok();
}

}  // namespace

Result<std::vector<MailUserRow>> ParseMailPasswdFile(std::string_view text,
                                                     std::string_view where) {
  std::vector<MailUserRow> rows;
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string_view why) {
      return Fail(Error::Invalid(fmt::format("{} line {}: {}", where, number, why)));
    };
    // user:password:uid:gid:gecos:home:shell:extra — the extra fields may hold ':' themselves.
    std::string_view f[8];
    std::string_view rest = line;
    for (int i = 0; i < 7; ++i) {
      size_t colon = rest.find(':');
      if (colon == std::string_view::npos) return bad("not a passwd-file line of 8 fields");
      f[i] = rest.substr(0, colon);
      rest.remove_prefix(colon + 1);
    }
    f[7] = rest;
    MailUserRow row;
    row.user = std::string(f[0]);
    if (row.user.empty()) return bad("no user name");
    if (f[1].substr(0, kCrypt.size()) != kCrypt || f[1].size() == kCrypt.size()) {
      return bad("the password is not a {CRYPT} hash");
    }
    row.password = std::string(f[1]);
    bool ok = true;
    row.uid = ParseId(f[2], &ok);
    row.gid = ParseId(f[3], &ok);
    if (!ok) return bad("uid or gid is not a number");
    if (!f[5].empty()) row.home = std::string(f[5]);
    while (!f[7].empty()) {
      size_t space = f[7].find(' ');
      std::string_view field = f[7].substr(0, space);
      f[7].remove_prefix(space == std::string_view::npos ? f[7].size() : space + 1);
      if (field.empty()) continue;
      if (field == "nologin") {
        row.nologin = true;
      } else if (field.substr(0, kQuotaRule.size()) == kQuotaRule) {
        row.quota_rule = std::string(field.substr(kQuotaRule.size()));
      } else {
        return bad(fmt::format("unknown extra field {}", field.substr(0, 40)));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string MailUserDbPath(const MailLayout& layout) {
  return layout.dovecot_users_dir + ".sqlite";
}

Status WriteMailUserDb(const std::string& host_path, const std::vector<MailUserRow>& rows,
                       std::optional<gid_t> group) {
  {
    // Created before SQLite opens it, so it never exists with SQLite's default mode (0644).
    int fd = ::open(host_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(Error::FromErrno("creating " + host_path, errno));
    ::close(fd);
  }
  HP_TRY(Restrict(host_path, group));
  HP_ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(host_path, /*durable=*/false));
  HP_TRY(db.Exec(
      "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS users(user TEXT PRIMARY KEY NOT NULL, password TEXT NOT NULL,"
      " nologin TEXT, uid INTEGER, gid INTEGER, home TEXT, quota_rule TEXT);"));
  return db.Transaction([&]() -> Status {
    HP_TRY(db.Exec("DELETE FROM users"));
    for (const auto& r : rows) {
      HP_ASSIGN_OR_RETURN(auto insert,
                          db.Prepare("INSERT INTO users(user, password, nologin, uid, gid, home,"
                                     " quota_rule) VALUES (?, ?, ?, ?, ?, ?, ?)"));
      insert.Bind(1, r.user).Bind(2, r.password);
      if (r.nologin) {
        insert.Bind(3, "Y");
      } else {
        insert.BindNull(3);
      }
      insert.Bind(4, r.uid).Bind(5, r.gid).Bind(6, r.home).Bind(7, r.quota_rule);
      HP_TRY(insert.Run());
    }
    return Ok();
  });
}

}  // namespace hostplane::agent
