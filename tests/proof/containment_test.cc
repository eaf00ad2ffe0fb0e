// Containment (issue 23 item 3; P5, P13 of shared/SECURITY.md), against the real `hostplane up`
// (real nginx, PHP-FPM, Unix users) in a temporary prefix.
//
// The tenant acme plants, in its own home, every link an attacker would: its next site's folder
// -> bob's site, its logs -> a root-owned file, its docroot's .well-known -> a root-only folder
// outside every home, hard links to a root 0644 "passwd" and a root 0600 "shadow" of the prefix,
// a link to bob's docroot, its trash -> bob's docroot, archives with a link and with a name that
// climbs out of the extraction folder, and finally its docroot itself -> bob's docroot. Then every
// agent operation that touches the tree runs: site ensure, account ensure, the file manager (read,
// copy, move, archive, extract, mkdir, delete, chmod), site remove with its content, account remove
// with its home. After each one nothing outside acme's tree changed (bob's home and the outside
// folder are snapshotted: content hashes, modes, owners, link counts), bob's and root's content was
// neither served under acme's names (curl by Host header) nor copied into acme's tree.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/crypto.h"
#include "common/exec/command_runner.h"
#include "test_support.h"
#include "tree_snapshot.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBobSecret = "bob's private page 9f1c\n";
constexpr const char* kRootSecret = "root:only:shadow-like 77aa\n";
constexpr const char* kRootPasswd = "root:x:0:0:root-like passwd 31bd\n";

void Write(const std::string& path, const std::string& text, mode_t mode, uid_t uid) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
  ASSERT_EQ(::chown(path.c_str(), uid, uid), 0) << path;
}
void Symlink(const std::string& target, const std::string& link, uid_t owner) {
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0) << link;
  ASSERT_EQ(::lchown(link.c_str(), owner, owner), 0) << link;
}
uid_t OwnerOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_uid;
}

class Containment : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "these tests make Unix users and need root";
    ASSERT_OK(up_.Start());
    std::vector<int64_t> tasks;
    for (const char* login : {"acme", "bob"}) {
      auto c = up_.Api("POST", "/api/v1/customers",
                       {{"login", login}, {"email", std::string("ops@") + login + ".example"}});
      ASSERT_EQ(c.status, 201) << c.body;
      auto s = up_.Api("POST", "/api/v1/sites",
                       {{"domain", std::string(login) + ".example"}, {"customer", login}});
      ASSERT_EQ(s.status, 201) << s.body;
      for (int64_t id : UpInstance::TaskIds(s.json())) tasks.push_back(id);
    }
    for (const auto& t : WaitOrFail(up_, tasks)) ASSERT_EQ(t["state"], "applied") << t.dump();
    acme_home_ = up_.data_dir() + "/home/acme";
    bob_home_ = up_.data_dir() + "/home/bob";
    outside_ = up_.prefix() + "/outside";
    acme_ = OwnerOf(acme_home_);
    const uid_t bob = OwnerOf(bob_home_);
    Write(BobDocroot() + "/secret.html", kBobSecret, 0644, bob);
    std::filesystem::create_directories(outside_ + "/dir");
    ASSERT_EQ(::chmod(outside_.c_str(), 0755), 0);
    ASSERT_EQ(::chmod((outside_ + "/dir").c_str(), 0700), 0);
    Write(outside_ + "/passwd", kRootPasswd, 0644, 0);
    Write(outside_ + "/shadow", kRootSecret, 0600, 0);
    Write(outside_ + "/dir/secret.html", kRootSecret, 0644, 0);
    Write(outside_ + "/logfile", "root's log\n", 0640, 0);
    ASSERT_NO_FATAL_FAILURE(Plant());
  }

  std::string AcmeDocroot() const { return acme_home_ + "/sites/acme.example/public"; }
  std::string BobDocroot() const { return bob_home_ + "/sites/bob.example/public"; }

  // Every link acme could make in its own tree (what SFTP, cron or an archive would leave).
  void Plant() {
    std::filesystem::create_directories(acme_home_ + "/sites");
    Symlink(bob_home_ + "/sites/bob.example", acme_home_ + "/sites/evil.acme.example", acme_);
    std::filesystem::rename(acme_home_ + "/logs", acme_home_ + "/logs.real");
    Symlink(outside_ + "/logfile", acme_home_ + "/logs", acme_);
    Symlink(outside_ + "/dir", AcmeDocroot() + "/.well-known", acme_);
    Symlink(BobDocroot(), acme_home_ + "/bobsite", acme_);
    ASSERT_EQ(::link((outside_ + "/passwd").c_str(), (acme_home_ + "/passwd").c_str()), 0);
    ASSERT_EQ(::link((outside_ + "/shadow").c_str(), (acme_home_ + "/shadow").c_str()), 0);
  }

  // Nothing outside acme's tree changed since `since`; no foreign content in acme's tree. A hard
  // link's count may drop by acme's own name being removed (allow_unlinked).
  void ExpectContained(const std::string& op, bool allow_unlinked = false) {
    SCOPED_TRACE(op);
    ++checks_;
    for (const auto& d : DiffTrees(homes_before_, OtherHomes())) {
      ADD_FAILURE() << "outside acme's home, under home/: " << d;
      ++breaches_;
    }
    for (const auto& d : DiffTrees(outside_before_, SnapshotTree(outside_))) {
      if (allow_unlinked && d.find(": links 2 -> 1") != std::string::npos) continue;
      ADD_FAILURE() << "outside changed: " << d;
      ++breaches_;
    }
    const std::set<std::string> foreign = {Blake2bHex(kBobSecret), Blake2bHex(kRootSecret)};
    for (const auto& [rel, e] : SnapshotTree(acme_home_)) {
      if (e.type == 'f' && foreign.contains(e.hash) && rel != "shadow") {
        ADD_FAILURE() << "foreign content copied into acme's tree: " << rel;
        ++breaches_;
      }
    }
    for (const auto& [host, path] : std::vector<std::pair<std::string, std::string>>{
             {"acme.example", "/.well-known/secret.html"},
             {"acme.example", "/bobsite/secret.html"},
             {"acme.example", "/secret.html"},
             {"evil.acme.example", "/secret.html"}}) {
      auto r = up_.Curl(host, path);
      if (r.status == 200 && (r.body == kBobSecret || r.body == kRootSecret)) {
        ADD_FAILURE() << host << path << " served another tenant's or root's file";
        ++breaches_;
      }
    }
  }
  // Every home but acme's (bob's, and anything new beside them).
  TreeSnapshot OtherHomes() {
    return SnapshotTree(up_.data_dir() + "/home",
                        [](const std::string& rel) { return rel == "acme"; });
  }
  void Snapshot() {
    homes_before_ = OtherHomes();
    outside_before_ = SnapshotTree(outside_);
  }
  HttpResult Files(const std::string& method, const std::string& path, const Json& body = nullptr) {
    ++operations_;
    auto r = up_.Api(method, "/api/v1/customers/acme/files" + path, body);
    std::cout << "  " << method << " files" << path << " " << (body.is_null() ? "" : body.dump())
              << " -> " << r.status << " " << r.body.substr(0, 160) << "\n";
    return r;
  }
  void Wait(const HttpResult& r) {
    for (const auto& t : WaitOrFail(up_, UpInstance::TaskIds(r.json()))) {
      std::cout << "    task " << t.value("kind", "") << " " << t.value("state", "") << " "
                << (t["error"].is_string() ? t["error"].get<std::string>() : "") << "\n";
    }
  }
  // `hostplane files put --customer acme - PATH` with text on stdin.
  void Put(const std::string& path, const std::string& text) {
    ++operations_;
    auto r = CliOrFail(up_, {"files", "put", "--customer", "acme", "-", path}, text);
    std::cout << "  files put " << path << " -> exit " << r.exit_code << " " << r.err.substr(0, 140)
              << "\n";
  }
  // A tar an attacker would upload: a symbolic link to target, then a file below the link's name,
  // then a file whose name climbs out of the extraction folder (made with GNU tar itself).
  void MakeHostileTar(const std::string& tar, const std::string& target, bool with_link) {
    const std::string stage = up_.prefix() + "/stage-" + std::to_string(with_link);
    std::filesystem::create_directories(stage + "/one");
    std::filesystem::create_directories(stage + "/two/link");
    std::filesystem::create_symlink(target, stage + "/one/link");
    std::ofstream(stage + "/two/link/evil.html") << "planted through a link\n";
    std::ofstream(stage + "/two/escaped.html") << "planted above the folder\n";
    PosixCommandRunner runner({"/usr/bin/tar"});
    std::vector<std::vector<std::string>> steps;
    if (with_link) {
      steps.push_back({"/usr/bin/tar", "-cf", tar, "-C", stage + "/one", "link"});
      steps.push_back({"/usr/bin/tar", "-rf", tar, "-C", stage + "/two", "link/evil.html"});
    } else {
      steps.push_back({"/usr/bin/tar", "-cf", tar, "-C", stage + "/two", "--transform",
                       "s,^,../../,", "escaped.html"});
    }
    for (const auto& argv : steps) {
      Command cmd;
      cmd.argv = argv;
      auto out = runner.Run(cmd);
      ASSERT_TRUE(out && out->ok()) << argv[1] << (out ? out->err : out.error().message);
    }
    ASSERT_EQ(::chown(tar.c_str(), acme_, acme_), 0);
  }

  UpInstance up_;
  std::string acme_home_, bob_home_, outside_;
  uid_t acme_ = 0;
  TreeSnapshot homes_before_, outside_before_;
  int operations_ = 0, checks_ = 0, breaches_ = 0;
};

TEST_F(Containment, NoOperationFollowsATenantsLinksOutOfItsTree) {
  Snapshot();
  // Site ensure into a folder that is a link to bob's site.
  auto evil =
      up_.Api("POST", "/api/v1/sites", {{"domain", "evil.acme.example"}, {"customer", "acme"}});
  std::cout << "  POST sites evil.acme.example -> " << evil.status << "\n";
  for (const auto& t : WaitOrFail(up_, UpInstance::TaskIds(evil.json()))) {
    std::cout << "    task " << t.value("kind", "") << " " << t.value("state", "") << " "
              << (t["error"].is_string() ? t["error"].get<std::string>() : "") << "\n";
  }
  ExpectContained("site ensure through a linked site folder");

  // Account ensures (its PHP pool removed and made again) with logs -> a root-owned file, and
  // the docroot moved onto each link.
  for (const Json& patch :
       {Json{{"php", ""}}, Json{{"php", "8.2"}}, Json{{"docroot", "bobsite"}},
        Json{{"docroot", "sites/evil.acme.example/public"}}, Json{{"docroot", "logs"}},
        Json{{"docroot", "sites/acme.example/public"}}}) {
    ++operations_;
    auto r = up_.Api("PATCH", "/api/v1/sites/acme.example", patch);
    std::cout << "  PATCH sites/acme.example " << patch.dump() << " -> " << r.status << "\n";
    for (const auto& t : WaitOrFail(up_, UpInstance::TaskIds(r.json()))) {
      std::cout << "    task " << t.value("kind", "") << " " << t.value("state", "") << " "
                << (t["error"].is_string() ? t["error"].get<std::string>() : "") << "\n";
    }
    ExpectContained("site/account ensure with " + patch.dump());
  }

  // The file manager, as acme, on every planted link.
  Files("GET", "/content?path=shadow");
  Files("GET", "/content?path=passwd");
  Files("GET", "/content?path=bobsite/secret.html");
  Files("GET", "?path=bobsite");
  Files("POST", "/copy", {{"from", "shadow"}, {"to", "shadow-copy"}});
  Files("POST", "/copy", {{"from", "passwd"}, {"to", "passwd-copy"}});
  Files("POST", "/copy", {{"from", "bobsite"}, {"to", "bobsite-copy"}});
  Files("POST", "/copy", {{"from", "bobsite/secret.html"}, {"to", "stolen.html"}});
  Files("POST", "/copy",
        {{"from", "sites/acme.example/public/.well-known/secret.html"}, {"to", "stolen2.html"}});
  Wait(Files("POST", "/archive",
             {{"paths", {"shadow", "bobsite", "logs", "sites"}}, {"to", "all.tar.gz"}}));
  Wait(Files("POST", "/extract", {{"path", "all.tar.gz"}, {"to", "unpacked"}}));
  Wait(
      Files("POST", "/archive", {{"paths", {"bobsite", "logs", "sites"}}, {"to", "links.tar.gz"}}));
  Wait(Files("POST", "/extract", {{"path", "links.tar.gz"}, {"to", "unpacked"}}));
  ASSERT_NO_FATAL_FAILURE(MakeHostileTar(acme_home_ + "/hostile.tar", BobDocroot(), true));
  Wait(Files("POST", "/extract", {{"path", "hostile.tar"}, {"to", "x"}}));
  ASSERT_NO_FATAL_FAILURE(MakeHostileTar(acme_home_ + "/climbing.tar", BobDocroot(), false));
  Wait(Files("POST", "/extract", {{"path", "climbing.tar"}, {"to", "y"}}));
  // The trash is a link to bob's docroot: deleting to the trash and emptying it.
  Symlink(BobDocroot(), acme_home_ + "/.hp-trash", acme_);
  std::ofstream(acme_home_ + "/junk.html") << "junk\n";
  ASSERT_EQ(::chown((acme_home_ + "/junk.html").c_str(), acme_, acme_), 0);
  Files("DELETE", "?path=junk.html");
  Files("DELETE", "/trash");
  Put("bobsite/secret.html", "overwritten through a link\n");
  Put("bobsite/new.html", "planted through a link\n");
  Put("logs", "written through a link\n");
  Put("shadow", "written through a hard link\n");
  Put("passwd", "written through a hard link\n");
  Files("POST", "/folders", {{"path", "bobsite/planted"}});
  Files("POST", "/folders", {{"path", "logs/planted"}});
  Files("POST", "/move", {{"from", "bobsite/secret.html"}, {"to", "moved.html"}});
  Files("POST", "/move", {{"from", "passwd"}, {"to", "passwd-moved"}});
  Files("DELETE", "?path=bobsite/secret.html&at_once=true");
  Files("DELETE", "?path=bobsite&at_once=true");
  Files("DELETE", "?path=logs&at_once=true");
  ExpectContained("file manager operations");

  // The docroot itself becomes a link to bob's, then the site is removed with its content.
  Snapshot();
  std::filesystem::rename(AcmeDocroot(), AcmeDocroot() + ".real");
  Symlink(BobDocroot(), AcmeDocroot(), acme_);
  auto site = up_.Api("DELETE", "/api/v1/sites/acme.example?remove_content=true");
  std::cout << "  DELETE sites/acme.example -> " << site.status << " " << site.body << "\n";
  Wait(site);
  ExpectContained("site remove with its docroot linked to bob's");

  // The account removed with its home: every link is one name to unlink, never a way out.
  auto account = up_.Api("DELETE", "/api/v1/customers/acme?remove_content=true");
  std::cout << "  DELETE customers/acme -> " << account.status << "\n";
  Wait(account);
  ExpectContained("account remove with its home", /*allow_unlinked=*/true);
  EXPECT_EQ(up_.Curl("bob.example", "/secret.html").body, kBobSecret) << "bob is still served";
  operations_ += 3;  // the site ensure, the site remove and the account remove
  std::cout << "\ncontainment: " << operations_ << " operations on planted links, " << checks_
            << " snapshots compared, " << breaches_ << " breaches\n";
}

}  // namespace
}  // namespace hostplane::testing
