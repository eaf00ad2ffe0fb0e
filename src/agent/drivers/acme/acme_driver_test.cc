#include "agent/drivers/acme/acme_driver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include "agent/batch_applier.h"
#include "agent/drivers/acme/certificate.h"
#include "agent/testing/driver_test_support.h"
#include "common/clock.h"

namespace hostplane::agent {
namespace {

using std::chrono::hours;

// Stands in for lego: records each argv and, unless told to fail, writes a self-signed pair for
// the --domains it was given where lego would (<path>/certificates/<first domain>.{crt,key}).
class FakeLego final : public CommandRunner {
 public:
  explicit FakeLego(Filesystem& fs) : fs_(fs) {}

  Result<CommandOutput> Run(const Command& command) override {
    calls.push_back(command);
    if (fail) return fail_output;
    std::string path;
    std::vector<std::string> domains;
    for (const auto& a : command.argv) {
      if (a.starts_with("--path=")) path = a.substr(7);
      if (a.starts_with("--domains=")) domains.push_back(a.substr(10));
    }
    auto pair = MakeSelfSignedCertificate("leaf", domains, {}, validity);
    if (!pair) return Fail(pair.error());
    // --path is a host path; the fake writes through the Filesystem under the test root.
    std::string rel = path.substr(fs_.HostPath("").size());
    while (rel.starts_with("/")) rel.erase(0, 1);
    HP_TRY(fs_.WriteFileAtomic(rel + "/certificates/" + domains[0] + ".crt", pair->cert_pem));
    HP_TRY(fs_.WriteFileAtomic(rel + "/certificates/" + domains[0] + ".key", pair->key_pem, 0600));
    return CommandOutput{0, "", ""};
  }

  std::vector<Command> calls;
  bool fail = false;
  CommandOutput fail_output;
  hours validity{24 * 90};

 private:
  Filesystem& fs_;
};

AcmeLayout TestAcmeLayout() {
  AcmeLayout l;
  l.lego_binary = "/usr/bin/lego";
  l.state_dir = "agent/lego";
  l.certs_dir = "certs";
  l.acme_webroot = "acme";
  l.ca_bundle = "ca/bundle.pem";
  return l;
}

protocol::CertSpec Spec(std::vector<std::string> aliases = {"www.shop.example"}) {
  protocol::CertSpec s;
  s.domain = "shop.example";
  s.aliases = std::move(aliases);
  s.account = "alice";
  s.directory_url = "https://127.0.0.1:14000/dir";
  s.email = "hostmaster@shop.example";
  s.renew_before_days = 30;
  return s;
}

protocol::Task EnsureTask(int64_t revision, const protocol::CertSpec& s) {
  return testing::MakeTask(revision, "cert:" + s.domain, protocol::kCertEnsure,
                           protocol::ToJson(s));
}

class AcmeDriverTest : public ::testing::Test {
 protected:
  AcmeDriverTest() : clock_(RealNow()) {
    AcmeDriverOptions o;
    o.after_install = [this]() -> Status {
      ++hook_calls_;
      if (hook_fails_) return Fail(Error::Unavailable("nginx is down"));
      return Ok();
    };
    driver_ = std::make_unique<AcmeDriver>(TestAcmeLayout(), fs_, lego_, clock_, o);
  }
  static int64_t RealNow() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::string Read(const std::string& rel) { return testing::ReadFileOr(fs_, rel); }
  std::vector<std::string> InstalledNames() {
    auto info = InspectCertificate(Read(driver_->ChainPath("shop.example")));
    return info ? info->dns_names : std::vector<std::string>{};
  }

  testing::TempRoot root_;
  PosixFilesystem fs_{root_.path()};
  FakeLego lego_{fs_};
  ManualClock clock_;
  int hook_calls_ = 0;
  bool hook_fails_ = false;
  std::unique_ptr<AcmeDriver> driver_;
};

TEST_F(AcmeDriverTest, IssuesInstallsAndThenDoesNothing) {
  ASSERT_TRUE(driver_->Ensure(Spec()));
  ASSERT_EQ(lego_.calls.size(), 1u);
  const Command& c = lego_.calls[0];
  const std::vector<std::string> want = {"/usr/bin/lego",
                                         "--accept-tos",
                                         "--email=hostmaster@shop.example",
                                         "--server=https://127.0.0.1:14000/dir",
                                         "--path=" + fs_.HostPath("agent/lego"),
                                         "--key-type=ec256",
                                         "--http",
                                         "--http.webroot=" + fs_.HostPath("acme"),
                                         "--domains=shop.example",
                                         "--domains=www.shop.example",
                                         "run"};
  EXPECT_EQ(c.argv, want);
  EXPECT_EQ(c.env.at("LEGO_CA_CERTIFICATES"), fs_.HostPath("ca/bundle.pem"));
  EXPECT_GE(c.timeout, std::chrono::milliseconds(60'000));
  EXPECT_EQ(InstalledNames(), (std::vector<std::string>{"shop.example", "www.shop.example"}));
  EXPECT_TRUE(CheckKeyMatchesCertificate(Read("certs/shop.example/fullchain.pem"),
                                         Read("certs/shop.example/privkey.pem")));
  struct stat st {};
  ASSERT_EQ(::stat(fs_.HostPath("certs/shop.example/privkey.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(hook_calls_, 1);

  ASSERT_TRUE(driver_->Ensure(Spec()));
  EXPECT_EQ(lego_.calls.size(), 1u);
  EXPECT_EQ(hook_calls_, 1);
  EXPECT_EQ(driver_->lego_runs(), 1);
}

TEST_F(AcmeDriverTest, ThroughTheBatchApplierRendersNothingAndWorksInFinish) {
  BatchApplier applier(fs_, "agent");
  auto out = applier.Apply(*driver_, {EnsureTask(1, Spec())});
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].outcome, protocol::TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_TRUE(out.files[0].empty());
  EXPECT_EQ(out.reloads, 0);
  EXPECT_EQ(lego_.calls.size(), 1u);

  protocol::Task bad = EnsureTask(2, Spec());
  bad.spec["directory_url"] = "http://x";
  auto refused = applier.Apply(*driver_, {bad});
  EXPECT_EQ(refused.results[0].outcome, protocol::TaskOutcome::kFailed);
  EXPECT_EQ(lego_.calls.size(), 1u);
}

TEST_F(AcmeDriverTest, NewNamesAreIssuedAgainWithRun) {
  ASSERT_TRUE(driver_->Ensure(Spec()));
  ASSERT_TRUE(driver_->Ensure(Spec({"a.shop.example", "www.shop.example"})));
  ASSERT_EQ(lego_.calls.size(), 2u);
  EXPECT_EQ(lego_.calls[1].argv.back(), "run");
  EXPECT_EQ(InstalledNames(),
            (std::vector<std::string>{"a.shop.example", "shop.example", "www.shop.example"}));
  EXPECT_EQ(hook_calls_, 2);
}

TEST_F(AcmeDriverTest, RenewsWhenDueWithRenewDays) {
  ASSERT_TRUE(driver_->Ensure(Spec()));
  std::string first = Read("certs/shop.example/fullchain.pem");
  clock_.Advance(hours(24 * 59));  // 31 days left: not due yet
  ASSERT_TRUE(driver_->Ensure(Spec()));
  EXPECT_EQ(lego_.calls.size(), 1u);
  clock_.Advance(hours(24 * 2));  // 29 days left
  lego_.validity = hours(24 * 150);
  ASSERT_TRUE(driver_->Ensure(Spec()));
  ASSERT_EQ(lego_.calls.size(), 2u);
  const auto& argv = lego_.calls[1].argv;
  EXPECT_EQ(std::vector<std::string>(argv.end() - 3, argv.end()),
            (std::vector<std::string>{"renew", "--days=30", "--no-random-sleep"}));
  EXPECT_NE(Read("certs/shop.example/fullchain.pem"), first);
  EXPECT_EQ(hook_calls_, 2);
}

TEST_F(AcmeDriverTest, LostOrTornInstalledFilesAreRepairedFromLegosCopyWithoutTheCa) {
  ASSERT_TRUE(driver_->Ensure(Spec()));
  ASSERT_TRUE(fs_.RemoveFile("certs/shop.example/fullchain.pem"));
  ASSERT_TRUE(driver_->Ensure(Spec()));
  auto other = MakeSelfSignedCertificate("x", {"shop.example"}, {}, hours(24 * 90));
  ASSERT_TRUE(other);
  ASSERT_TRUE(fs_.WriteFileAtomic("certs/shop.example/privkey.pem", other->key_pem, 0600));
  ASSERT_TRUE(driver_->Ensure(Spec()));
  EXPECT_EQ(lego_.calls.size(), 1u);
  EXPECT_TRUE(CheckKeyMatchesCertificate(Read("certs/shop.example/fullchain.pem"),
                                         Read("certs/shop.example/privkey.pem")));
  EXPECT_EQ(hook_calls_, 3);
}

TEST_F(AcmeDriverTest, RefusedIssuanceFailsWithLegosReasonAndKeepsTheInstalledPair) {
  ASSERT_TRUE(driver_->Ensure(Spec()));
  std::string chain = Read("certs/shop.example/fullchain.pem");
  lego_.fail = true;
  lego_.fail_output = {
      1, "",
      "2026/11/24 21:18:57 [INFO] [shop.example] acme: Obtaining bundled SAN certificate\n"
      "2026/11/24 21:19:03 Could not obtain certificates:\n"
      "\terror: one or more domains had a problem:\n"
      "[new.shop.example] acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem: "
      "NXDOMAIN looking up A for new.shop.example\x1b[0m\n"};
  auto s = driver_->Ensure(Spec({"new.shop.example"}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kValidation);
  EXPECT_NE(s.error().message.find("urn:ietf:params:acme:error:dns"), std::string::npos)
      << s.error().message;
  EXPECT_EQ(s.error().message.find('\x1b'), std::string::npos);
  EXPECT_EQ(Read("certs/shop.example/fullchain.pem"), chain);
}

TEST_F(AcmeDriverTest, UnreachableCaIsRetryable) {
  lego_.fail = true;
  lego_.fail_output = {1, "",
                       "2026/11/24 21:18:57 Could not create client: get directory at "
                       "'https://127.0.0.1:1/dir': Get \"https://127.0.0.1:1/dir\": dial tcp "
                       "127.0.0.1:1: connect: connection refused\n"};
  auto s = driver_->Ensure(Spec());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(s.error().retryable());
  EXPECT_FALSE(fs_.Exists("certs/shop.example/fullchain.pem"));
}

TEST_F(AcmeDriverTest, AFailedHookIsCalledAgainOnTheNextEnsure) {
  hook_fails_ = true;
  auto s = driver_->Ensure(Spec());
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().retryable());
  EXPECT_TRUE(fs_.Exists("certs/shop.example/fullchain.pem"));
  hook_fails_ = false;
  ASSERT_TRUE(driver_->Ensure(Spec()));
  EXPECT_EQ(hook_calls_, 2);
  ASSERT_TRUE(driver_->Ensure(Spec()));
  EXPECT_EQ(hook_calls_, 2);
  EXPECT_EQ(lego_.calls.size(), 1u);
}

TEST_F(AcmeDriverTest, RemoveDeletesTheInstalledPairAndLegosCopy) {
  ASSERT_TRUE(driver_->Ensure(Spec()));
  ASSERT_TRUE(driver_->Remove({"shop.example", "alice"}));
  EXPECT_FALSE(fs_.Exists("certs/shop.example"));
  EXPECT_FALSE(fs_.Exists("agent/lego/certificates/shop.example.crt"));
  EXPECT_FALSE(fs_.Exists("agent/lego/certificates/shop.example.key"));
  EXPECT_TRUE(driver_->Remove({"shop.example", "alice"}));  // idempotent
}

TEST(LegoFailureTest, PicksTheMeaningfulLine) {
  const struct {
    std::string err;
    std::string reason;
    ErrorCode code;
  } cases[] = {
      {"2026/11/24 21:18:57 [INFO] x\n2026/11/24 21:18:58 [INFO] y\n", "lego exited with status 1",
       ErrorCode::kValidation},
      {"2026/11/24 21:18:58 Could not obtain certificates:\n\terror: one or more domains had a "
       "problem:\n[a.example] acme: error: 403 :: urn:ietf:params:acme:error:unauthorized :: "
       "wrong token\n",
       "[a.example] acme: error: 403 :: urn:ietf:params:acme:error:unauthorized :: wrong token",
       ErrorCode::kValidation},
      {"2026/11/24 21:18:58 Could not create client: get directory: x509: certificate signed by "
       "unknown authority\n",
       "Could not create client: get directory: x509: certificate signed by unknown authority",
       ErrorCode::kValidation},
      {"something failed\n", "something failed", ErrorCode::kValidation},
      {"dial tcp 127.0.0.1:9: connect: connection refused\n",
       "dial tcp 127.0.0.1:9: connect: connection refused", ErrorCode::kUnavailable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.err);
    CommandOutput out{1, "", c.err};
    EXPECT_EQ(LegoFailureReason(out), c.reason);
    EXPECT_EQ(LegoFailure(out).code, c.code);
  }
  EXPECT_EQ(LegoFailureReason({3, "", ""}), "lego exited with status 3");
  std::string long_line(2000, 'e');
  EXPECT_LE(LegoFailureReason({1, "", long_line}).size(), 410u);
}

}  // namespace
}  // namespace hostplane::agent
