// One tenant's files are not served through another tenant's site (issue 12, item 10): the real
// nginx of `hostplane up` follows a symbolic link below an account's home only when the link and
// its target have the same owner (disable_symlinks if_not_owner), and the web server's group may
// pass through a home but not list it. Checked with curl by Host header.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "test_support.h"

namespace hostplane::testing {
namespace {

// Writes a file and gives it to owner, as the tenant's own upload would.
void WriteOwned(const std::string& path, const std::string& text, uid_t owner) {
  {
    std::ofstream out(path);
    out << text;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0) << path;
  ASSERT_EQ(::chown(path.c_str(), owner, owner), 0) << path;
}

// A symbolic link made by `owner` (what SFTP, cron or an archive would leave in the tree).
void LinkOwned(const std::string& target, const std::string& link, uid_t owner) {
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0) << link;
  ASSERT_EQ(::lchown(link.c_str(), owner, owner), 0) << link;
}

uid_t OwnerOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_uid;
}

TEST(TenantIsolation, LinksToAnotherTenantsFilesAreNotServedButOwnLinksAre) {
  UpInstance up;
  ASSERT_OK(up.Start());
  std::vector<int64_t> tasks;
  for (const auto& [login, domain] :
       {std::pair{"acme", "shop.acme.example"}, std::pair{"bob", "bob.example"}}) {
    auto c = up.Api("POST", "/api/v1/customers",
                    {{"login", login}, {"email", std::string("ops@") + login + ".example"}});
    ASSERT_EQ(c.status, 201) << c.body;
    auto s = up.Api("POST", "/api/v1/sites", {{"domain", domain}, {"customer", login}});
    ASSERT_EQ(s.status, 201) << s.body;
    for (int64_t id : UpInstance::TaskIds(s.json())) tasks.push_back(id);
  }
  for (const auto& t : WaitOrFail(up, tasks)) ASSERT_EQ(t["state"], "applied") << t.dump();

  const std::string acme_home = up.data_dir() + "/home/acme";
  const std::string bob_home = up.data_dir() + "/home/bob";
  const std::string acme_root = acme_home + "/sites/shop.acme.example/public";
  const std::string bob_root = bob_home + "/sites/bob.example/public";
  const uid_t acme = OwnerOf(acme_root);
  const uid_t bob = OwnerOf(bob_root);
  ASSERT_NE(acme, bob);
  ASSERT_NE(acme, 0u);

  // Homes: the web server's group may pass through, not list.
  struct stat home {};
  ASSERT_EQ(::stat(acme_home.c_str(), &home), 0);
  EXPECT_EQ(home.st_mode & 07777, 0710u);

  WriteOwned(bob_root + "/secret.txt", "bob's secret\n", bob);
  WriteOwned(acme_root + "/own.txt", "acme's own page\n", acme);
  // Bob's file is served on bob's site, of course.
  EXPECT_EQ(up.Curl("bob.example", "/secret.txt").body, "bob's secret\n");

  // acme links to bob's file, to bob's whole docroot, and to its own file.
  LinkOwned(bob_root + "/secret.txt", acme_root + "/steal.txt", acme);
  LinkOwned(bob_root, acme_root + "/bobdir", acme);
  LinkOwned(acme_root + "/own.txt", acme_root + "/mine.txt", acme);
  // A link inside acme's tree that claims bob as its owner still points at acme's file: the
  // owners differ, so it is refused too (nginx compares the link's owner with the target's).
  LinkOwned(acme_root + "/own.txt", acme_root + "/odd.txt", bob);

  for (const char* path : {"/steal.txt", "/bobdir/secret.txt", "/odd.txt"}) {
    SCOPED_TRACE(path);
    auto r = up.Curl("shop.acme.example", path);
    // nginx refuses to open the link, so the vhost's try_files finds nothing there: 404.
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
  }
  auto mine = up.Curl("shop.acme.example", "/mine.txt");
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(mine.body, "acme's own page\n");
  EXPECT_EQ(up.Curl("shop.acme.example", "/own.txt").body, "acme's own page\n");
}

}  // namespace
}  // namespace hostplane::testing
