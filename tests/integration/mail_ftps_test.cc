// FTPS (label mail, with the other TLS-everywhere tests of issue 16): pure-ftpd with AUTH TLS and
// a certificate from a private CA; lftp uploads over TLS, verifying the certificate against that
// CA (its commands, password included, on stdin); a login without TLS is refused where TLS is
// required, and curl --ssl-reqd logs in.

#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "agent/batch_applier.h"
#include "agent/drivers/ftp/ftp_driver.h"
#include "agent/drivers/ftp/ftp_instance.h"
#include "agent/private_ca.h"
#include "agent/testing/driver_test_support.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"
#include "protocol/ftp_spec.h"

namespace hostplane::agent {
namespace {

constexpr const char* kPassword = "correct-horse-battery-staple";

class FtpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin :
         {"/usr/sbin/pure-ftpd", "/usr/bin/pure-pw", "/usr/bin/lftp", testing::kCurl}) {
      ASSERT_EQ(::access(bin, X_OK), 0) << bin << " is not installed (scripts/install-deps)";
    }
    ASSERT_EQ(::geteuid(), 0u) << "pure-ftpd must run as root to chroot and change uid";
    auto ca = PrivateCa::LoadOrCreate(fs_, "ca", "hostplane test");
    ASSERT_TRUE(ca) << ca.error().message;
    ASSERT_TRUE(
        ca->EnsureLeaf({"ftp.hpt-node.example"}, {"127.0.0.1"}, "tls/ftp.pem", "tls/ftp.key"));
    layout_.home_root = "home";
    layout_.users_dir = "ftp/users";
    layout_.passwd_file = "ftp/pureftpd.passwd";
    layout_.pdb_file = "ftp/pureftpd.pdb";
    layout_.pid_file = "ftp/pure-ftpd.pid";
    layout_.log_dir = "ftp/log";
    layout_.listen_address = "127.0.0.1";
    layout_.port = FreeLoopbackPort().value();
    layout_.passive_port_min = std::min(FreeLoopbackPort().value(), 65535 - 49);
    layout_.passive_port_max = layout_.passive_port_min + 49;
    layout_.tls_cert = "tls/ftp.pem";
    layout_.tls_key = "tls/ftp.key";
    layout_.tls_required = true;
    driver_ = std::make_unique<FtpDriver>(layout_, fs_, runner_);
    instance_ = std::make_unique<FtpInstance>(layout_, fs_);
    auto started = instance_->Start();
    ASSERT_TRUE(started) << started.error().message;
    std::random_device rd;
    uid_ = 62000 + static_cast<int64_t>(rd() % 3000);
    protocol::FtpUserSpec user;
    user.user = "acme_web";
    user.account = "acme";
    user.uid = uid_;
    user.gid = uid_;
    user.home = "web";
    user.password_hash = HashServicePassword(kPassword).value();
    auto out =
        applier_.Apply(*driver_, {testing::MakeTask(1, "ftpuser:acme_web", protocol::kFtpUserEnsure,
                                                    protocol::ToJson(user))});
    ASSERT_EQ(out.results[0].outcome, protocol::TaskOutcome::kApplied) << out.results[0].detail;
  }

  CommandOutput Run(Command cmd) {
    cmd.timeout = std::chrono::seconds(60);
    auto out = runner_.Run(cmd);
    EXPECT_TRUE(out) << out.error().message;
    return out ? *out : CommandOutput{};
  }

  testing::TempRoot root_;
  PosixFilesystem fs_{root_.path()};
  FtpLayout layout_;
  PosixCommandRunner runner_{{"/usr/bin/pure-pw", "/usr/bin/lftp", testing::kCurl}};
  BatchApplier applier_{fs_, "agent"};
  std::unique_ptr<FtpDriver> driver_;
  std::unique_ptr<FtpInstance> instance_;
  int64_t uid_ = 0;
};

TEST_F(FtpsTest, UploadsOverVerifiedTlsAndRefusesPlaintextLogins) {
  ASSERT_TRUE(fs_.WriteFileAtomic("upload.txt", "over ftps\n", 0644));
  const std::string url = "ftp://127.0.0.1:" + std::to_string(layout_.port);
  Command lftp;
  lftp.argv = {"/usr/bin/lftp"};
  lftp.stdin_data =
      "set ftp:ssl-force true\n"
      "set ftp:ssl-protect-data true\n"
      "set ssl:verify-certificate true\n"
      "set ssl:ca-file " +
      fs_.HostPath("ca/ca.pem") +
      "\n"
      "set net:max-retries 1\n"
      "set net:timeout 15\n"
      "open -u acme_web," +
      std::string(kPassword) + " " + url +
      "\n"
      "put " +
      fs_.HostPath("upload.txt") +
      " -o upload.txt\n"
      "bye\n";
  CommandOutput up = Run(lftp);
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  auto stored = fs_.ReadFile("home/acme/web/upload.txt");
  ASSERT_TRUE(stored && stored->has_value()) << up.out << up.err;
  EXPECT_EQ(**stored, "over ftps\n");

  // Against another CA lftp refuses the server, and nothing more is stored.
  ASSERT_TRUE(PrivateCa::LoadOrCreate(fs_, "other-ca", "other"));
  Command foreign = lftp;
  foreign.stdin_data.replace(foreign.stdin_data.find(fs_.HostPath("ca/ca.pem")),
                             fs_.HostPath("ca/ca.pem").size(), fs_.HostPath("other-ca/ca.pem"));
  foreign.stdin_data.replace(foreign.stdin_data.find("-o upload.txt"), 13, "-o second.txt");
  CommandOutput refused = Run(foreign);
  EXPECT_NE(refused.exit_code, 0) << refused.out << refused.err;
  EXPECT_FALSE(fs_.Exists("home/acme/web/second.txt"));

  // curl: without TLS the login is refused; with --ssl-reqd and the CA it lists the upload.
  ASSERT_TRUE(testing::WriteNetrc(fs_, "netrc", "acme_web", kPassword));
  Command plain;
  plain.argv = {testing::kCurl,        "-sS",         "--max-time", "20", "--netrc-file",
                fs_.HostPath("netrc"), "--list-only", url + "/"};
  CommandOutput no_tls = Run(plain);
  EXPECT_NE(no_tls.exit_code, 0) << no_tls.out;
  EXPECT_EQ(no_tls.out.find("upload.txt"), std::string::npos);
  Command tls = plain;
  tls.argv.insert(tls.argv.begin() + 1, {"--ssl-reqd", "--cacert", fs_.HostPath("ca/ca.pem")});
  CommandOutput listed = Run(tls);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("upload.txt"), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace hostplane::agent
