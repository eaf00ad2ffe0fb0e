// Dovecot's user database (mail_user_db.h): the passwd-file lines this node writes parsed into
// rows, the SQLite table replaced in one transaction, and Dovecot's own queries run against it
// (with %Lu filled in as Dovecot does) so the schema and the queries cannot drift apart.

#include "agent/drivers/mail/mail_user_db.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "agent/testing/temp_root.h"
#include "common/sqlite/database.h"
#include "common/testing/source_path.h"

namespace hostplane::agent {
namespace {

std::string Testdata(const std::string& name) {
  std::ifstream in(hostplane::testing::SourceTree() / "src/agent/drivers/mail/testdata" / name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs one of Dovecot's queries as its sql driver would for the login `user`.
std::vector<std::vector<std::optional<std::string>>> Query(const std::string& db_path,
                                                           std::string query,
                                                           const std::string& user = "") {
  if (auto at = query.find("%Lu"); at != std::string::npos) query.replace(at, 3, user);
  auto db = sqlite::Database::Open(db_path, false);
  EXPECT_TRUE(db) << db.error().message;
  auto st = db->Prepare(query);
  EXPECT_TRUE(st) << st.error().message;
  std::vector<std::vector<std::optional<std::string>>> rows;
  while (true) {
    auto more = st->Step();
    EXPECT_TRUE(more);
    if (!more || !*more) break;
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < st->ColumnCount(); ++c) row.push_back(st->OptText(c));
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(MailUserDbTest, ParsesTheLinesThisNodeWrites) {
  auto rows = ParseMailPasswdFile(Testdata("acme.users"), "acme.users");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  const MailUserRow& info = (*rows)[0];
  EXPECT_EQ(info.user, "info@acme.example");
  EXPECT_EQ(info.password,
            "{CRYPT}$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a");
  EXPECT_FALSE(info.nologin);
  EXPECT_EQ(info.uid, 5000);
  EXPECT_EQ(info.gid, 5000);
  EXPECT_EQ(info.home, "/var/vmail/acme.example/info");
  EXPECT_EQ(info.quota_rule, "*:storage=1024M");
  EXPECT_EQ((*rows)[1].quota_rule, "*:storage=1M");

  auto suspended = ParseMailPasswdFile(Testdata("acme.suspended.users"), "x");
  ASSERT_TRUE(suspended);
  EXPECT_TRUE((*suspended)[0].nologin);
  EXPECT_EQ((*suspended)[0].quota_rule, "*:storage=1024M");

  // An account's app login: a passdb row only.
  auto app = ParseMailPasswdFile(Testdata("shop.account.passwd"), "accounts");
  ASSERT_TRUE(app);
  ASSERT_EQ(app->size(), 1u);
  EXPECT_EQ((*app)[0].user, "shop");
  EXPECT_EQ((*app)[0].uid, std::nullopt);
  EXPECT_EQ((*app)[0].home, std::nullopt);
  EXPECT_EQ((*app)[0].quota_rule, std::nullopt);
}

TEST(MailUserDbTest, RefusesLinesThisNodeDoesNotWrite) {
  for (const char* line : {
           "info@a.example:{CRYPT}$y$x:5000:5000::/h:\n",             // 7 fields
           "info@a.example:$y$x:5000:5000::/h::\n",                   // no scheme
           "info@a.example:{CRYPT}:5000:5000::/h::\n",                // no hash
           "info@a.example:{CRYPT}$y$x:50a0:5000::/h::\n",            // uid
           "info@a.example:{CRYPT}$y$x:5000:5000::/h::allow_nets\n",  // a field we never write
           ":{CRYPT}$y$x:5000:5000::/h::\n",                          // no user
       }) {
    auto rows = ParseMailPasswdFile(std::string("# header\n") + line, "users/a.example");
    ASSERT_FALSE(rows) << line;
    EXPECT_EQ(rows.error().code, ErrorCode::kInvalid);
    EXPECT_NE(rows.error().message.find("users/a.example line 2"), std::string::npos)
        << rows.error().message;
  }
}

TEST(MailUserDbTest, ReplacesTheTableAndAnswersDovecotsQueries) {
  testing::TempRoot root;
  const std::string db = root.path() + "/users.sqlite";
  auto acme = ParseMailPasswdFile(Testdata("acme.users"), "acme");
  auto app = ParseMailPasswdFile(Testdata("shop.account.passwd"), "accounts");
  ASSERT_TRUE(acme && app);
  std::vector<MailUserRow> rows = *acme;
  rows.push_back((*app)[0]);
  ASSERT_TRUE(WriteMailUserDb(db, rows, std::nullopt));

  struct stat st {};
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u) << "password hashes: not world-readable";

  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(Query(db, kMailUserPasswordQuery, "info@acme.example"),
            (std::vector<Row>{{"info@acme.example", rows[0].password, std::nullopt}}));
  EXPECT_EQ(
      Query(db, kMailUserUserQuery, "info@acme.example"),
      (std::vector<Row>{{"/var/vmail/acme.example/info", "5000", "5000", "*:storage=1024M"}}));
  // The app login authenticates (submission) but has no mailbox (no IMAP, no delivery).
  EXPECT_EQ(Query(db, kMailUserPasswordQuery, "shop").size(), 1u);
  EXPECT_TRUE(Query(db, kMailUserUserQuery, "shop").empty());
  EXPECT_EQ(Query(db, kMailUserIterateQuery),
            (std::vector<Row>{{"info@acme.example"}, {"office.team@acme.example"}}));

  // Replaced, not merged: a suspended domain without office.team.
  auto suspended = ParseMailPasswdFile(Testdata("acme.suspended.users"), "acme");
  ASSERT_TRUE(suspended);
  ASSERT_TRUE(WriteMailUserDb(db, {(*suspended)[0]}, std::nullopt));
  EXPECT_EQ(Query(db, kMailUserPasswordQuery, "info@acme.example"),
            (std::vector<Row>{{"info@acme.example", rows[0].password, "Y"}}));
  EXPECT_TRUE(Query(db, kMailUserPasswordQuery, "office.team@acme.example").empty());
  EXPECT_TRUE(Query(db, kMailUserPasswordQuery, "shop").empty());
  // A quote in the login cannot leave the string (Dovecot escapes %Lu; nothing matches).
  EXPECT_TRUE(Query(db, kMailUserPasswordQuery, "x'' OR ''1''=''1").empty());
}

}  // namespace
}  // namespace hostplane::agent
