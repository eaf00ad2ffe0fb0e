// The acme driver against real daemons: Debian's pebble (with pebble-challtestsrv as its DNS),
// lego and nginx, all in a /tmp prefix on 127.0.0.1 (shared/service-lab.md section 7).

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "agent/batch_applier.h"
#include "agent/drivers/acme/acme_driver.h"
#include "agent/drivers/acme/certificate.h"
#include "agent/drivers/acme/pebble_instance.h"
#include "agent/testing/driver_test_support.h"
#include "agent/testing/nginx_fixture.h"
#include "common/clock.h"
#include "common/net/loopback.h"

namespace hostplane::agent {
namespace {

using protocol::TaskOutcome;
using testing::kCurl;

constexpr const char* kLego = "/usr/bin/lego";

// Counts the lego runs, to show that an ensure of a certificate in place runs nothing.
class CountingRunner final : public CommandRunner {
 public:
  Result<CommandOutput> Run(const Command& command) override {
    if (!command.argv.empty() && command.argv[0] == kLego) ++lego_runs;
    return real_.Run(command);
  }
  std::atomic<int> lego_runs{0};

 private:
  PosixCommandRunner real_{{kLego}};
};

protocol::Task Task(int64_t revision, const char* kind, const protocol::Json& spec,
                    const std::string& domain) {
  return testing::MakeTask(revision, "cert:" + domain, kind, spec);
}

class AcmeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin :
         {"/usr/bin/pebble", "/usr/bin/pebble-challtestsrv", kLego, "/usr/sbin/nginx", kCurl}) {
      if (::access(bin, X_OK) != 0) GTEST_SKIP() << bin << " is not installed";
    }
    ASSERT_TRUE(nginx_.Start());
    auto tls = FreeLoopbackPort();
    ASSERT_TRUE(tls);
    tls_port_ = *tls;
    PebbleOptions po;
    po.dir = "pebble";
    po.http_port = nginx_.layout().nginx.http_port;
    pebble_ = std::make_unique<PebbleInstance>(fs(), po);
    auto started = pebble_->Start();
    ASSERT_TRUE(started) << started.error().message;
    auto root = pebble_->FetchRoot();
    ASSERT_TRUE(root) << root.error().message;
    ASSERT_TRUE(fs().WriteFileAtomic("pebble/root.pem", *root, 0644));
    ASSERT_TRUE(pebble_->AddHost("shop.hpt.test"));
    ASSERT_TRUE(pebble_->AddHost("www.shop.hpt.test"));

    // One HTTP vhost for every name, serving the challenges from the ACME webroot, as the nginx
    // driver's vhosts do.
    ASSERT_TRUE(fs().WriteFileAtomic("www/index.html", "hello\n", 0644));
    ASSERT_TRUE(fs().MakeDirs("acme", 0755));
    ASSERT_TRUE(fs().WriteFileAtomic(
        "nginx/sites/shop.conf",
        fmt::format("server {{\n"
                    "    listen 127.0.0.1:{port};\n"
                    "    server_name shop.hpt.test www.shop.hpt.test nodns.hpt.test;\n"
                    "    root {www};\n"
                    "    location ^~ /.well-known/acme-challenge/ {{\n"
                    "        root {acme};\n"
                    "        default_type text/plain;\n"
                    "    }}\n"
                    "}}\n",
                    fmt::arg("port", nginx_.layout().nginx.http_port),
                    fmt::arg("www", fs().HostPath("www")), fmt::arg("acme", fs().HostPath("acme"))),
        0644));
    ASSERT_TRUE(ReloadNginx());
    ASSERT_EQ(nginx_.Get("shop.hpt.test").status, 200);

    AcmeLayout layout;
    layout.state_dir = "agent/lego";
    layout.certs_dir = "certs";
    layout.acme_webroot = "acme";
    layout.ca_bundle = pebble_->listener_ca();
    AcmeDriverOptions options;
    options.after_install = [this]() -> Status {
      ++hook_calls_;
      return ReloadNginx();
    };
    driver_ = std::make_unique<AcmeDriver>(layout, fs(), runner_, clock_, options);
  }

  PosixFilesystem& fs() { return nginx_.fs(); }

  // SIGHUP to the master, then a pause for the new workers (the tests below poll what they need).
  Status ReloadNginx() {
    if (::kill(nginx_.nginx().pid(), SIGHUP) != 0) {
      return Fail(Error::FromErrno("signalling nginx", errno));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return Ok();
  }

  protocol::CertSpec Spec(const std::string& domain, std::vector<std::string> aliases) {
    protocol::CertSpec s;
    s.domain = domain;
    s.aliases = std::move(aliases);
    s.account = "alice";
    s.directory_url = pebble_->directory_url();
    s.email = "hostmaster@hpt.test";
    s.renew_before_days = 30;
    return s;
  }

  // curl --cacert <pebble root> --resolve name:port:127.0.0.1 https://name:port/
  Result<CommandOutput> Curl(const std::string& name) {
    std::string port = std::to_string(tls_port_);
    return curl_.Run(
        {{kCurl, "-sS", "--max-time", "5", "--cacert", fs().HostPath("pebble/root.pem"),
          "--resolve", name + ":" + port + ":127.0.0.1", "https://" + name + ":" + port + "/"}});
  }

  testing::NginxFixture nginx_;
  int tls_port_ = 0;
  std::unique_ptr<PebbleInstance> pebble_;
  CountingRunner runner_;
  PosixCommandRunner curl_{{kCurl}};
  SystemClock clock_;
  int hook_calls_ = 0;
  std::unique_ptr<AcmeDriver> driver_;
};

TEST_F(AcmeIntegrationTest, IssuesServesOverHttpsIsIdempotentAndRemoves) {
  BatchApplier applier(fs(), "agent");
  auto spec = protocol::ToJson(Spec("shop.hpt.test", {"www.shop.hpt.test"}));
  auto out = applier.Apply(*driver_, {Task(1, protocol::kCertEnsure, spec, "shop.hpt.test")});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_EQ(runner_.lego_runs, 1);
  EXPECT_EQ(hook_calls_, 1);

  auto chain = fs().ReadFile("certs/shop.hpt.test/fullchain.pem");
  ASSERT_TRUE(chain && *chain);
  auto info = InspectCertificate(**chain);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"shop.hpt.test", "www.shop.hpt.test"}));
  EXPECT_GE(info->chain_length, 2);  // leaf + pebble's intermediate

  ASSERT_TRUE(fs().WriteFileAtomic(
      "nginx/sites/shop-tls.conf",
      fmt::format("server {{\n"
                  "    listen 127.0.0.1:{port} ssl;\n"
                  "    server_name shop.hpt.test www.shop.hpt.test;\n"
                  "    ssl_certificate {certs}/shop.hpt.test/fullchain.pem;\n"
                  "    ssl_certificate_key {certs}/shop.hpt.test/privkey.pem;\n"
                  "    root {www};\n"
                  "}}\n",
                  fmt::arg("port", tls_port_), fmt::arg("certs", fs().HostPath("certs")),
                  fmt::arg("www", fs().HostPath("www"))),
      0644));
  ASSERT_TRUE(ReloadNginx());
  Result<CommandOutput> served = Fail(Error::Internal("not run"));
  testing::WaitFor(
      [&] {
        served = Curl("www.shop.hpt.test");
        return served && served->ok();
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->exit_code, 0) << served->err;
  EXPECT_EQ(served->out, "hello\n");

  // The same revision again, and a newer one with the same spec: nothing runs.
  out = applier.Apply(*driver_, {Task(2, protocol::kCertEnsure, spec, "shop.hpt.test")});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_EQ(runner_.lego_runs, 1);
  EXPECT_EQ(hook_calls_, 1);

  auto removal = protocol::ToJson(protocol::CertRemoval{"shop.hpt.test", "alice"});
  out = applier.Apply(*driver_, {Task(3, protocol::kCertRemove, removal, "shop.hpt.test")});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_FALSE(fs().Exists("certs/shop.hpt.test/fullchain.pem"));
  EXPECT_FALSE(fs().Exists("certs/shop.hpt.test/privkey.pem"));
  EXPECT_FALSE(fs().Exists("agent/lego/certificates/shop.hpt.test.crt"));
  EXPECT_FALSE(fs().Exists("agent/lego/certificates/shop.hpt.test.key"));
}

TEST_F(AcmeIntegrationTest, NameTheCaCannotValidateFailsWithLegosReasonAndHttpKeepsServing) {
  // nodns.hpt.test has an HTTP vhost, but pebble's DNS does not know it: the CA cannot fetch
  // the challenge, as when a customer's domain does not point at this server.
  BatchApplier applier(fs(), "agent");
  auto spec = protocol::ToJson(Spec("nodns.hpt.test", {}));
  auto out = applier.Apply(*driver_, {Task(1, protocol::kCertEnsure, spec, "nodns.hpt.test")});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_NE(out.results[0].detail.find("urn:ietf:params:acme:error"), std::string::npos)
      << out.results[0].detail;
  EXPECT_EQ(runner_.lego_runs, 1);
  EXPECT_EQ(hook_calls_, 0);
  EXPECT_FALSE(fs().Exists("certs/nodns.hpt.test/fullchain.pem"));
  EXPECT_FALSE(fs().Exists("certs/nodns.hpt.test/privkey.pem"));
  auto page = nginx_.Get("nodns.hpt.test");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "hello\n");
}

}  // namespace
}  // namespace hostplane::agent
