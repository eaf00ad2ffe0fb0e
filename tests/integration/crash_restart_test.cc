// `hostplane up` killed at a named step (HOSTPLANE_FAILPOINTS="<point>=crash": SIGKILL to itself
// at exactly that place, common/failpoint.h), then started again without it: every committed
// change converges, a change that did not commit is not there at all, and nothing is left
// half-made (P3, P8-P10 of shared/SECURITY.md). Checked with curl by Host header, the REST API,
// the passwd and group databases and the files of the prefix.

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFailpoints = "HOSTPLANE_FAILPOINTS";

class CrashRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    // The account driver makes Unix users: without root there is no account step to crash in.
    ASSERT_EQ(::geteuid(), 0u) << "these tests make Unix users and need root";
  }

  // Starts up with the point set to crash.
  void StartCrashingAt(const std::string& point) {
    up_.SetEnv(kFailpoints, point + "=crash");
    ASSERT_OK(up_.Start());
  }
  // Waits until up has killed itself at its failpoint (and nginx, its child, has gone), then
  // starts it again on the same data directory without failpoints. With work_left (a change
  // committed before the crash and not yet applied), waits until the agent has applied it.
  void ExpectCrashThenRestart(bool work_left = true) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (up_.Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_FALSE(up_.Running()) << "hostplane up did not stop at its failpoint\n" << up_.log();
    up_.Kill9();  // reaps it, and waits until nginx has let the port go
    up_.SetEnv(kFailpoints, "");
    ASSERT_OK(up_.Start());
    if (work_left) ASSERT_TRUE(WaitConverged(up_)) << up_.log();
  }

  void CreateCustomer(const std::string& login) {
    auto r = up_.Api("POST", "/api/v1/customers",
                     {{"login", login}, {"email", "ops@" + login + ".example"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  HttpResult CreateSite(const std::string& domain, const std::string& customer) {
    return up_.Api("POST", "/api/v1/sites", {{"domain", domain}, {"customer", customer}});
  }
  // The customer acme with its site acme.example, applied.
  void CreateAppliedSite() {
    CreateCustomer("acme");
    auto site = CreateSite("acme.example", "acme");
    ASSERT_EQ(site.status, 201) << site.body;
    ASSERT_FALSE(WaitOrFail(up_, UpInstance::TaskIds(site.json())).empty());
  }
  bool UnixUserExists(const std::string& login) {
    return ::getpwnam(up_.UnixUser(login).c_str()) != nullptr;
  }
  bool UnixGroupExists(const std::string& login) {
    return ::getgrnam(up_.UnixUser(login).c_str()) != nullptr;
  }
  std::string Home(const std::string& login) { return up_.data_dir() + "/home/" + login; }
  // Every task of the node, final and applied: none failed, none waiting.
  void ExpectNoTaskLeft() {
    for (const char* state : {"pending", "retry", "failed", "running"}) {
      auto r = up_.Api("GET", std::string("/api/v1/tasks?state=") + state);
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_TRUE(r.json()["tasks"].empty()) << state << ": " << r.body;
    }
  }
  void ExpectNoTempFiles(const std::string& dir) {
    for (const auto& name : ListDir(dir)) {
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << "debris in " << dir << ": " << name;
    }
  }

  UpInstance up_;
};

// The site's row and tasks committed; the controller died before it rang the node's doorbell and
// before it answered. After the restart the agent fetches them (P9) and the site serves.
TEST_F(CrashRestart, AfterTheCommitTheSiteStillArrives) {
  StartCrashingAt("site.create.after_commit");
  CreateCustomer("acme");
  EXPECT_EQ(CreateSite("acme.example", "acme").status, 0) << "answered although it crashed";
  ExpectCrashThenRestart();
  EXPECT_EQ(up_.Api("GET", "/api/v1/sites/acme.example").status, 200);
  EXPECT_EQ(up_.Curl("acme.example").status, 200) << up_.log();
  ExpectNoTaskLeft();
}

// The agent died with the account's Unix user made and its home not: the restart finishes the
// account (home, pool) and then the site.
TEST_F(CrashRestart, AnAccountHalfMadeIsFinished) {
  StartCrashingAt("account.ensure.after_user");
  CreateCustomer("acme");
  EXPECT_EQ(CreateSite("acme.example", "acme").status, 201);
  ExpectCrashThenRestart();
  EXPECT_TRUE(UnixUserExists("acme"));
  EXPECT_TRUE(std::filesystem::is_directory(Home("acme")));
  EXPECT_EQ(up_.Curl("acme.example").status, 200) << up_.log();
  ExpectNoTaskLeft();
}

// The agent died in the middle of renaming a batch of vhosts into place: after the restart every
// file is whole, no temporary file is left, and every site serves (P3).
TEST_F(CrashRestart, ABatchCutAfterARenameIsWholeAfterTheRestart) {
  ASSERT_OK(up_.Start());
  CreateAppliedSite();
  up_.Stop();
  StartCrashingAt("fs.apply_files.after_rename");
  std::vector<std::string> domains;
  for (int i = 0; i < 5; ++i) domains.push_back("s" + std::to_string(i) + ".acme.example");
  for (const auto& d : domains) {
    auto r = CreateSite(d, "acme");
    if (r.status == 0) break;  // the batch of the earlier ones already crashed it
    EXPECT_EQ(r.status, 201) << r.body;
  }
  ExpectCrashThenRestart();
  const std::string sites = up_.data_dir() + "/nginx/sites";
  ExpectNoTempFiles(sites);
  for (const auto& name : ListDir(sites)) {
    if (name[0] == '.' || name[0] == '_') continue;  // the marker
    std::string content = ReadFile(sites + "/" + name);
    ASSERT_FALSE(content.empty()) << name;
    EXPECT_EQ(content[content.find_last_not_of('\n')], '}') << name << " is torn";
  }
  EXPECT_EQ(up_.Curl("acme.example").status, 200);
  for (const auto& d : domains) {
    if (up_.Api("GET", "/api/v1/sites/" + d).status == 200) {
      EXPECT_EQ(up_.Curl(d).status, 200) << d << "\n" << up_.log();
    }
  }
  ExpectNoTaskLeft();
}

// The controller died inside the delete's transaction (its sites' removals queued, its accounts'
// not yet): nothing of it committed, the customer is whole and still served; deleting again
// converges and leaves no Unix user, group or home behind (P10).
TEST_F(CrashRestart, ADeleteCutBeforeItsCommitIsNotThereAndTheNextOneFinishes) {
  StartCrashingAt("customer.delete.before_accounts");
  CreateAppliedSite();
  EXPECT_EQ(up_.Api("DELETE", "/api/v1/customers/acme?remove_content=true").status, 0);
  ExpectCrashThenRestart(/*work_left=*/false);
  EXPECT_EQ(up_.Api("GET", "/api/v1/customers/acme").status, 200);
  EXPECT_EQ(up_.Api("GET", "/api/v1/sites/acme.example").status, 200);
  EXPECT_EQ(up_.Curl("acme.example").status, 200);
  EXPECT_TRUE(UnixUserExists("acme"));

  auto deleted = up_.Api("DELETE", "/api/v1/customers/acme?remove_content=true");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  ASSERT_FALSE(WaitOrFail(up_, UpInstance::TaskIds(deleted.json())).empty());
  EXPECT_EQ(up_.Api("GET", "/api/v1/customers/acme").status, 404);
  EXPECT_NE(up_.Curl("acme.example").status, 200);
  EXPECT_FALSE(UnixUserExists("acme"));
  EXPECT_FALSE(UnixGroupExists("acme"));
  EXPECT_FALSE(std::filesystem::exists(Home("acme")));
}

// The agent died with the account's Unix user deleted and its group and home not yet: the
// restart applies the removal again and nothing of the account is left (P10).
TEST_F(CrashRestart, AnAccountHalfRemovedIsFinished) {
  StartCrashingAt("account.remove.after_user");
  CreateAppliedSite();
  EXPECT_EQ(up_.Api("DELETE", "/api/v1/customers/acme?remove_content=true").status, 202);
  ExpectCrashThenRestart();
  EXPECT_EQ(up_.Api("GET", "/api/v1/customers/acme").status, 404);
  EXPECT_FALSE(UnixUserExists("acme"));
  EXPECT_FALSE(UnixGroupExists("acme"));
  EXPECT_FALSE(std::filesystem::exists(Home("acme")));
  ExpectNoTaskLeft();
}

}  // namespace
}  // namespace hostplane::testing
