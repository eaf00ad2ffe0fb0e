// The file manager end to end (issue 20), with real daemons (`hostplane up`: the controller, the
// agent, nginx and PHP-FPM): a PHP file put through the CLI is served by the site over nginx,
// comes back byte-exact, is edited with the mtime check and the change is served; links planted
// in the home (to another tenant's file, to a file of root's, to an /etc inside the test prefix)
// are neither followed nor served nor listed as their targets; '..' and absolute paths are
// refused in every field with a code. The agent's refusals of forged, replayed, expired and
// foreign-node requests are shown in src/agent/files/file_request_server_test.cc (label files).
// Archives: a zip uploaded through the CLI is extracted by the agent and its page served by
// nginx; a zip that climbs into another tenant's home is refused and nothing is written; copy,
// archive and the trash through the CLI, each in the audit log.
// CTest label: files.

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/exec/command_runner.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSite = "shop.acme.example";
const std::string kPublic = std::string("sites/") + kSite + "/public";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(up_.Start());
    CliOk({"customer", "create", "acme", "--email", "ops@acme.example"});
    CliOk({"site", "add", kSite, "--customer", "acme", "--php", "8.2", "--wait"});
  }
  void CliOk(const std::vector<std::string>& args, const std::string& in = "") {
    auto c = CliOrFail(up_, args, in);
    ASSERT_EQ(c.exit_code, 0) << c.out << c.err << up_.log();
  }
  std::string Home(const std::string& login) { return up_.data_dir() + "/home/" + login; }
  // Polls the site until the page is `want` (PHP-FPM's opcache may serve the old script for a
  // moment after an edit).
  bool Serves(const std::string& path, const std::string& want) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
      auto c = up_.Curl(kSite, path);
      if (c.status == 200 && c.body == want) return true;
    }
    return false;
  }
  Json Entry(const std::string& folder, const std::string& name) {
    auto r = up_.Api("GET", "/api/v1/customers/acme/files?path=" + folder);
    EXPECT_EQ(r.status, 200) << r.body;
    const Json list = r.json();
    for (const auto& e : list["entries"]) {
      if (e["name"] == name) return e;
    }
    return nullptr;
  }

  UpInstance up_;
};

TEST_F(Files, APhpFilePutThroughTheCliIsServedComesBackByteExactAndEditsAreChecked) {
  const std::string php = "<?php echo 'v1:', 6 * 7;";
  CliOk({"files", "put", "--customer", "acme", "-", kPublic + "/hello.php"}, php);
  EXPECT_TRUE(Serves("/hello.php", "v1:42")) << up_.Curl(kSite, "/hello.php").body;
  auto got = CliOrFail(up_, {"files", "get", "--customer", "acme", kPublic + "/hello.php", "-"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, php);
  struct stat st {};
  ASSERT_EQ(::stat((Home("acme") + "/" + kPublic + "/hello.php").c_str(), &st), 0);
  struct passwd* pw = ::getpwnam(up_.UnixUser("acme").c_str());
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(st.st_uid, pw->pw_uid) << "written as the account's user";

  // Bytes of every value, over several 256 KiB chunks and two CLI parts of 8 MiB.
  std::string blob;
  blob.reserve(9u << 20);
  for (uint32_t i = 0; i < (9u << 20); ++i) blob += static_cast<char>((i * 7919u) >> 3);
  CliOk({"files", "put", "--customer", "acme", "-", "blob.bin"}, blob);
  auto back = CliOrFail(up_, {"files", "get", "--customer", "acme", "blob.bin", "-"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_TRUE(back.out == blob) << "sizes " << back.out.size() << " / " << blob.size();

  // An edit with the mtime it read: served; the same, now stale, mtime: refused, nothing changed.
  Json entry = Entry(kPublic, "hello.php");
  ASSERT_TRUE(entry.is_object());
  const std::string mtime = std::to_string(entry["mtime_ns"].get<int64_t>());
  CliOk({"files", "put", "--customer", "acme", "--if-mtime-ns", mtime, "-", kPublic + "/hello.php"},
        "<?php echo 'v2';");
  EXPECT_TRUE(Serves("/hello.php", "v2")) << up_.Curl(kSite, "/hello.php").body;
  auto stale = CliOrFail(
      up_,
      {"files", "put", "--customer", "acme", "--if-mtime-ns", mtime, "-", kPublic + "/hello.php"},
      "<?php echo 'lost update';");
  EXPECT_EQ(stale.exit_code, 5) << stale.out << stale.err;
  EXPECT_NE(stale.err.find("file.changed"), std::string::npos) << stale.err;
  EXPECT_EQ(Slurp(Home("acme") + "/" + kPublic + "/hello.php"), "<?php echo 'v2';");

  // mkdir, mv, rm (to the trash), each in the audit log.
  CliOk({"files", "mkdir", "--customer", "acme", kPublic + "/old"});
  CliOk({"files", "mv", "--customer", "acme", kPublic + "/hello.php", kPublic + "/old/hello.php"});
  EXPECT_NE(up_.Curl(kSite, "/hello.php").status, 200);
  CliOk({"files", "rm", "--customer", "acme", kPublic + "/old"});
  EXPECT_FALSE(std::filesystem::exists(Home("acme") + "/" + kPublic + "/old"));
  auto ls = CliOrFail(up_, {"files", "ls", "--customer", "acme", ".hp-trash"});
  EXPECT_NE(ls.out.find("-old"), std::string::npos) << ls.out << ls.err;
  const std::string audit = up_.Api("GET", "/api/v1/audit?limit=1000").body;
  for (const char* action : {"file.write", "file.mkdir", "file.move", "file.delete"}) {
    EXPECT_NE(audit.find(action), std::string::npos) << action;
  }
  EXPECT_EQ(audit.find("file.list"), std::string::npos) << "reads are not audited";
}

TEST_F(Files, LinksPlantedInTheHomeAreNeitherFollowedNorServedNorListedAsTheirTargets) {
  CliOk({"customer", "create", "bravo", "--email", "ops@bravo.example"});
  CliOk({"site", "add", "bravo.example", "--customer", "bravo", "--wait"});
  const std::string bravo_secret = Home("bravo") + "/secret.txt";
  std::ofstream(bravo_secret) << "bravo's secret";
  struct passwd* bravo = ::getpwnam(up_.UnixUser("bravo").c_str());
  ASSERT_NE(bravo, nullptr);
  ASSERT_EQ(::chown(bravo_secret.c_str(), bravo->pw_uid, bravo->pw_gid), 0);
  const std::string etc = up_.prefix() + "/etc";
  std::filesystem::create_directories(etc);
  std::ofstream(etc + "/passwd") << "root:x:0:0:root:/root:/bin/bash\n";
  std::ofstream(up_.prefix() + "/root-secret") << "root's secret";
  ::chmod((up_.prefix() + "/root-secret").c_str(), 0644);

  const std::string pub = Home("acme") + "/" + kPublic;
  std::filesystem::create_directories(pub);
  ASSERT_EQ(::symlink(bravo_secret.c_str(), (pub + "/bravo.txt").c_str()), 0);
  ASSERT_EQ(::symlink(etc.c_str(), (pub + "/etc").c_str()), 0);
  ASSERT_EQ(::link((up_.prefix() + "/root-secret").c_str(), (pub + "/root.txt").c_str()), 0);
  struct passwd* acme = ::getpwnam(up_.UnixUser("acme").c_str());
  ASSERT_NE(acme, nullptr);
  for (const char* l : {"/bravo.txt", "/etc"}) {
    ASSERT_EQ(::lchown((pub + l).c_str(), acme->pw_uid, acme->pw_gid), 0);
  }

  struct Want {
    std::string path, code;
  };
  for (const Want& w :
       {Want{kPublic + "/bravo.txt", "path.symlink"}, Want{kPublic + "/etc/passwd", "path.symlink"},
        Want{kPublic + "/root.txt", "file.foreign_link"}}) {
    auto r = CliOrFail(up_, {"files", "get", "--customer", "acme", w.path, "-"});
    EXPECT_NE(r.exit_code, 0) << w.path;
    EXPECT_NE(r.err.find(w.code), std::string::npos) << w.path << ": " << r.err;
    EXPECT_EQ(r.out.find("secret"), std::string::npos) << w.path;
    EXPECT_EQ(r.out.find("root:x"), std::string::npos) << w.path;
  }
  auto put =
      CliOrFail(up_, {"files", "put", "--customer", "acme", "-", kPublic + "/etc/passwd"}, "owned");
  EXPECT_NE(put.exit_code, 0);
  EXPECT_NE(put.err.find("path.symlink"), std::string::npos) << put.err;
  auto over =
      CliOrFail(up_, {"files", "put", "--customer", "acme", "-", kPublic + "/root.txt"}, "owned");
  EXPECT_NE(over.exit_code, 0);

  Json b = Entry(kPublic, "bravo.txt"), e = Entry(kPublic, "etc"), r = Entry(kPublic, "root.txt");
  ASSERT_TRUE(b.is_object() && e.is_object() && r.is_object())
      << up_.Api("GET", "/api/v1/customers/acme/files?path=" + kPublic).body;
  EXPECT_EQ(b.value("type", ""), "symlink") << b.dump();
  EXPECT_EQ(e.value("type", ""), "symlink") << e.dump();
  EXPECT_EQ(r.value("type", ""), "foreign") << r.dump();
  EXPECT_FALSE(r.contains("size")) << "the size of root's file leaked";
  EXPECT_NE(b.value("size", int64_t{-1}), 14) << "the size of bravo's file leaked";
  auto into = up_.Api("GET", "/api/v1/customers/acme/files?path=" + kPublic + "/etc");
  EXPECT_EQ(into.status, 403) << into.body;

  // nginx does not serve them either (disable_symlinks if_not_owner; the hard link is root's).
  for (const char* p : {"/bravo.txt", "/etc/passwd"}) {
    auto c = up_.Curl(kSite, p);
    EXPECT_NE(c.status, 200) << p << ": " << c.body;
    EXPECT_EQ(c.body.find("secret"), std::string::npos) << p;
  }
  EXPECT_EQ(Slurp(bravo_secret), "bravo's secret");
  EXPECT_EQ(Slurp(etc + "/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  EXPECT_EQ(Slurp(up_.prefix() + "/root-secret"), "root's secret");
}

TEST_F(Files, DotDotAndAbsolutePathsAreRefusedInEveryFieldAndNothingIsSent) {
  struct Case {
    std::string method, path;
    Json body;
    std::string field, code;
  };
  const std::string base = "/api/v1/customers/acme/files";
  const std::vector<Case> cases = {
      {"GET", base + "?path=../bravo", nullptr, "path", "path.dotdot"},
      {"GET", base + "?path=/etc", nullptr, "path", "path.absolute"},
      {"GET", base + "/content?path=../../etc/passwd", nullptr, "path", "path.dotdot"},
      {"GET", base + "/content?path=%2Fetc%2Fpasswd", nullptr, "path", "path.absolute"},
      {"DELETE", base + "?path=sites/../../bravo", nullptr, "path", "path.dotdot"},
      {"POST", base + "/folders", {{"path", "/tmp/x"}}, "path", "path.absolute"},
      {"POST", base + "/folders", {{"path", "a/../../x"}}, "path", "path.dotdot"},
      {"POST", base + "/move", {{"from", "../bravo"}, {"to", "x"}}, "from", "path.dotdot"},
      {"POST", base + "/move", {{"from", "sites"}, {"to", "/etc/x"}}, "to", "path.absolute"},
      {"POST", base + "/move", {{"from", "sites"}, {"to", "a\\b"}}, "to", "path.backslash"},
  };
  for (const auto& c : cases) {
    auto r = up_.Api(c.method, c.path, c.body);
    EXPECT_EQ(r.status, 422) << c.method << " " << c.path << ": " << r.body;
    EXPECT_EQ(r.json()["error"]["fields"].value(c.field, ""), c.code)
        << c.method << " " << c.path << ": " << r.body;
  }
  auto put = CliOrFail(up_, {"files", "put", "--customer", "acme", "-", "../x.php"}, "x");
  EXPECT_EQ(put.exit_code, 4) << put.err;
  EXPECT_NE(put.err.find("path.dotdot"), std::string::npos) << put.err;
  EXPECT_FALSE(std::filesystem::exists(up_.data_dir() + "/home/x.php"));
  // Nothing reached a node: no write in the audit log.
  EXPECT_EQ(up_.Api("GET", "/api/v1/audit?limit=1000").body.find("file."), std::string::npos);
  // An unknown customer is not found, as one the actor may not see.
  EXPECT_EQ(up_.Api("GET", "/api/v1/customers/nobody/files").status, 404);
}

// A zip written by python3's zipfile (argv: the file, then name=content pairs).
std::string Zip(const std::string& dir, const std::vector<std::string>& entries) {
  static PosixCommandRunner runner({"/usr/bin/python3"});
  const std::string path = dir + "/upload.zip";
  Command cmd;
  cmd.argv = {"/usr/bin/python3", "-c",
              "import sys, zipfile\n"
              "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
              "    for e in sys.argv[2:]:\n"
              "        name, data = e.split('=', 1)\n"
              "        z.writestr(name, data)\n",
              path};
  cmd.argv.insert(cmd.argv.end(), entries.begin(), entries.end());
  cmd.timeout = std::chrono::seconds(30);
  auto r = runner.Run(cmd);
  EXPECT_TRUE(r && r->ok()) << (r ? r->err : r.error().message);
  return Slurp(path);
}

TEST_F(Files, AnUploadedZipIsExtractedAndServedAndNeverReachesAnotherTenant) {
  CliOk({"customer", "create", "bravo", "--email", "ops@bravo.example"});
  CliOk({"site", "add", "bravo.example", "--customer", "bravo", "--wait"});
  const std::string bravo_index = Home("bravo") + "/sites/bravo.example/public/index.html";
  std::filesystem::create_directories(std::filesystem::path(bravo_index).parent_path());
  std::ofstream(bravo_index) << "bravo's page";

  const std::string zip =
      Zip(up_.prefix(), {"app/index.php=<?php echo 'from the zip';", "app/css/site.css=body{}"});
  ASSERT_FALSE(zip.empty());
  CliOk({"files", "put", "--customer", "acme", "-", "upload.zip"}, zip);
  CliOk({"files", "extract", "--customer", "acme", "upload.zip", kPublic + "/shop"});
  EXPECT_TRUE(Serves("/shop/app/index.php", "from the zip"))
      << up_.Curl(kSite, "/shop/app/index.php").body;
  struct stat st {};
  ASSERT_EQ(::stat((Home("acme") + "/" + kPublic + "/shop/app/css/site.css").c_str(), &st), 0);
  struct passwd* pw = ::getpwnam(up_.UnixUser("acme").c_str());
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(st.st_uid, pw->pw_uid) << "extracted as the account's user";

  // A zip that climbs out into bravo's site: refused before anything is written.
  const std::string evil =
      Zip(up_.prefix(), {"ok.txt=fine", "../../bravo/sites/bravo.example/public/index.html=owned"});
  CliOk({"files", "put", "--customer", "acme", "-", "evil.zip"}, evil);
  auto refused =
      CliOrFail(up_, {"files", "extract", "--customer", "acme", "evil.zip", kPublic + "/evil"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("archive.path_refused"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(Home("acme") + "/" + kPublic + "/evil"));
  EXPECT_EQ(Slurp(bravo_index), "bravo's page");
  // Nor through a path field: bravo's files are out of reach of every archive operation.
  for (const Json& body :
       {Json{{"path", "../bravo/sites/bravo.example/public/index.html"}, {"to", "x"}},
        Json{{"path", "upload.zip"}, {"to", "../bravo/x"}}}) {
    auto r = up_.Api("POST", "/api/v1/customers/acme/files/extract", body);
    EXPECT_EQ(r.status, 422) << r.body;
  }
  auto pack = up_.Api("POST", "/api/v1/customers/acme/files/archive",
                      Json{{"paths", Json::array({"../bravo"})}, {"to", "b.zip"}});
  EXPECT_EQ(pack.status, 422) << pack.body;
  EXPECT_EQ(pack.json()["error"]["fields"].value("paths", ""), "path.dotdot") << pack.body;

  // Copy, archive and the trash through the CLI.
  CliOk({"files", "cp", "--customer", "acme", kPublic + "/shop", kPublic + "/shop2"});
  EXPECT_TRUE(Serves("/shop2/app/index.php", "from the zip"));
  auto again =
      CliOrFail(up_, {"files", "cp", "--customer", "acme", kPublic + "/shop", kPublic + "/shop2"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("file.exists"), std::string::npos) << again.err;
  CliOk({"files", "archive", "--customer", "acme", "backup.tar.gz", kPublic + "/shop"});
  CliOk({"files", "extract", "--customer", "acme", "backup.tar.gz", "restored"});
  EXPECT_EQ(Slurp(Home("acme") + "/restored/shop/app/index.php"), "<?php echo 'from the zip';");
  CliOk({"files", "rm", "--customer", "acme", "restored"});
  auto emptied = CliOrFail(up_, {"files", "empty-trash", "--customer", "acme"});
  ASSERT_EQ(emptied.exit_code, 0) << emptied.err;
  EXPECT_NE(emptied.out.find("removed 1 entries"), std::string::npos) << emptied.out;
  const std::string audit = up_.Api("GET", "/api/v1/audit?limit=1000").body;
  for (const char* action : {"file.extract", "file.copy", "file.archive", "file.empty_trash"}) {
    EXPECT_NE(audit.find(action), std::string::npos) << action;
  }
}

}  // namespace
}  // namespace hostplane::testing
