#include "agent/drivers/nginx/nginx_driver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/batch_applier.h"
#include "agent/drivers/nginx/mail_client_config.h"
#include "agent/testing/driver_test_support.h"
#include "agent/testing/nginx_fixture.h"
#include "protocol/mail_client_spec.h"

namespace hostplane::agent {
namespace {

using protocol::TaskOutcome;
using testing::ExpectGolden;

VhostParams ShopParams() {
  VhostParams p;
  p.domain = "shop.example";
  p.aliases = {"shop.example.net", "www.shop.example"};
  p.listen_address = "0.0.0.0";
  p.http_port = 80;
  p.home = "/srv/hostplane/home/alice";
  p.root = "/srv/hostplane/home/alice/web/shop";
  p.access_log = "/var/log/nginx/hostplane/shop.example.access.log";
  p.error_log = "/var/log/nginx/hostplane/shop.example.error.log";
  p.acme_root = "/var/lib/hostplane/acme";
  p.suspended_page = "/etc/nginx/hostplane/pages/suspended.html";
  return p;
}

TEST(NginxRenderTest, Golden) {
  struct Case {
    std::string golden;
    VhostParams params;
  };
  VhostParams suspended = ShopParams();
  suspended.suspended = true;
  VhostParams broken = ShopParams();
  broken.aliases.clear();
  broken.test_break = true;
  VhostParams php = ShopParams();
  php.php_socket = "/run/hostplane/php/alice-8.2.sock";
  VhostParams https = php;
  https.https = true;
  https.https_port = 443;
  https.ssl_certificate = "/etc/hostplane/certs/shop.example/fullchain.pem";
  https.ssl_certificate_key = "/etc/hostplane/certs/shop.example/privkey.pem";
  VhostParams https_suspended = https;
  https_suspended.suspended = true;
  // Issue 15: the PHP front controller with every PHP value, HSTS; a custom fallback served
  // over HTTPS without the redirect.
  protocol::SiteSettings front_site;
  front_site.profile = protocol::AppProfile::kPhp;
  front_site.upload_max_mb = 8;
  front_site.hsts = true;
  VhostParams php_front = https;
  ASSERT_TRUE(ApplySettings(front_site, php_front));
  protocol::SiteSettings custom_site;
  custom_site.profile = protocol::AppProfile::kCustom;
  custom_site.fallback = "$uri $uri/";
  custom_site.https_redirect = false;
  VhostParams custom = ShopParams();
  custom.https = true;
  custom.https_port = 8443;
  custom.ssl_certificate = https.ssl_certificate;
  custom.ssl_certificate_key = https.ssl_certificate_key;
  ASSERT_TRUE(ApplySettings(custom_site, custom));
  for (const auto& c : std::vector<Case>{{"active.conf", ShopParams()},
                                         {"suspended.conf", suspended},
                                         {"test_break.conf", broken},
                                         {"php.conf", php},
                                         {"https.conf", https},
                                         {"https_suspended.conf", https_suspended},
                                         {"php_front.conf", php_front},
                                         {"custom_fallback.conf", custom}}) {
    SCOPED_TRACE(c.golden);
    ExpectGolden(c.golden, RenderVhost(c.params));
  }
  ExpectGolden("marker.conf", RenderMarker("1700000000000.7", 8080));
  ExpectGolden("index.html", RenderDefaultIndex("shop.example"));
  ExpectGolden("suspended.html", RenderSuspendedPage());
}

MailClientServers AcmeServers() {
  MailClientServers s;
  s.domain = "acme.example";
  s.host = "mx1.hosting.example";
  s.imap_port = 10143;  // a non-standard port is announced as it is
  s.pop3_port = 0;      // a listener that is off is not announced
  return s;
}

// Mail client set-up (issue 16): the vhost and both documents, byte for byte.
TEST(NginxRenderTest, MailClientGolden) {
  MailClientVhostParams p;
  p.domain = "acme.example";
  p.listen_address = "0.0.0.0";
  p.acme_root = "/var/lib/hostplane/acme";
  p.autoconfig_file = "/etc/nginx/hostplane/mail-clients/acme.example.config-v1.1.xml";
  p.autodiscover_file = "/etc/nginx/hostplane/mail-clients/acme.example.autodiscover.xml";
  ExpectGolden("mailclient.conf", RenderMailClientVhost(p));
  auto config = RenderThunderbirdAutoconfig(AcmeServers());
  ASSERT_TRUE(config) << config.error().message;
  ExpectGolden("config-v1.1.xml", *config);
  auto discover = RenderOutlookAutodiscover(AcmeServers());
  ASSERT_TRUE(discover) << discover.error().message;
  ExpectGolden("autodiscover.xml", *discover);
}

TEST(NginxRenderTest, MailClientNamesAreCheckedAndTheRestEscaped) {
  MailLayout m;
  m.hostname = "mx1.hosting.example";
  auto ok = MailClientServersOf("acme.example", m);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->host, "mx1.hosting.example");
  EXPECT_EQ(ok->submission_port, 587);
  auto bad_domain = MailClientServersOf("acme.example</domain><x>", m);
  ASSERT_FALSE(bad_domain);
  EXPECT_EQ(bad_domain.error().fields.count("domain"), 1u);
  EXPECT_EQ(MailClientServersOf("ACME.example", m).error().fields.at("domain"),
            "domain.not_canonical");
  m.hostname = "mx.hostplane.internal";  // the all-in-one's, a name customers may not have
  EXPECT_TRUE(MailClientServersOf("acme.example", m).has_value());
  m.hostname = "mx1\n.example";
  auto bad_host = MailClientServersOf("acme.example", m);
  ASSERT_FALSE(bad_host);
  EXPECT_EQ(bad_host.error().fields.count("mail.hostname"), 1u);
  // The encoder itself escapes whatever it is given (here past the checks on purpose).
  MailClientServers hostile = AcmeServers();
  hostile.host = "a<b>&\"c";
  auto xml = RenderThunderbirdAutoconfig(hostile);
  ASSERT_TRUE(xml);
  EXPECT_NE(xml->find("<hostname>a&lt;b&gt;&amp;&quot;c</hostname>"), std::string::npos) << *xml;
  EXPECT_EQ(xml->find("<b>"), std::string::npos);
}

TEST(NginxRenderTest, DefaultIndexEscapesDomain) {
  std::string page = RenderDefaultIndex("<b>&x");
  EXPECT_NE(page.find("&lt;b&gt;&amp;x is hosted by hostplane"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
}

TEST(NginxRenderTest, BlamedFile) {
  struct Case {
    std::string message;
    std::optional<std::string> file;
  };
  for (const auto& c : std::vector<Case>{
           {"[emerg] unknown directive \"x\" in /tmp/hpt.1/nginx/sites/a.example.conf:7",
            "/tmp/hpt.1/nginx/sites/a.example.conf"},
           {"[emerg] unexpected \"}\" in /p/sites/b.conf:12; configuration file /p/nginx.conf",
            "/p/sites/b.conf"},
           {"[emerg] bind() to 127.0.0.1:80 failed (98: Address already in use)", std::nullopt},
           {"", std::nullopt},
       }) {
    SCOPED_TRACE(c.message);
    EXPECT_EQ(BlamedFile(c.message), c.file);
  }
}

protocol::SiteSpec Site(const std::string& domain, const std::string& account = "alice") {
  protocol::SiteSpec s;
  s.domain = domain;
  s.account = account;
  s.docroot = "web/" + domain;
  return s;
}

protocol::Task Ensure(int64_t revision, const protocol::SiteSpec& s) {
  return testing::SiteEnsureTask(revision, s);
}

protocol::Task Remove(int64_t revision, const protocol::SiteSpec& s, bool content) {
  return testing::SiteRemoveTask(revision, {s.domain, s.account, s.docroot, content});
}

class NginxDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(::access("/usr/sbin/nginx", X_OK) == 0) << "nginx is not installed";
    auto s = env_.Start();
    ASSERT_TRUE(s) << s.error().message;
    MakeDriver({});
  }
  void MakeDriver(std::vector<std::string> break_domains) {
    NginxDriverOptions o;
    o.break_domains = std::move(break_domains);
    o.content_owner = FileOwner{::geteuid(), ::getegid()};
    driver_ = std::make_unique<NginxDriver>(env_.layout(), env_.fs(), runner_, clock_, o);
  }
  BatchOutcome Apply(const std::vector<protocol::Task>& tasks) {
    return applier_.Apply(*driver_, tasks);
  }
  static std::vector<TaskOutcome> Outcomes(const BatchOutcome& o) {
    std::vector<TaskOutcome> out;
    for (const auto& r : o.results) out.push_back(r.outcome);
    return out;
  }
  std::string Vhost(const std::string& domain) {
    return testing::ReadFileOr(env_.fs(), driver_->VhostPath(domain));
  }

  testing::NginxFixture env_;
  testing::CountingRunner runner_{{"/usr/sbin/nginx"}};
  SystemClock clock_;
  BatchApplier applier_{env_.fs(), env_.layout().state_dir};
  std::unique_ptr<NginxDriver> driver_;
};

const std::vector<TaskOutcome> kAllApplied3 = {TaskOutcome::kApplied, TaskOutcome::kApplied,
                                               TaskOutcome::kApplied};

TEST_F(NginxDriverTest, ThreeSitesServedByHostHeader) {
  auto out = Apply({Ensure(1, Site("a.example")), Ensure(2, Site("b.example")),
                    Ensure(3, Site("c.example", "bob"))});
  EXPECT_EQ(Outcomes(out), kAllApplied3) << out.results[0].detail;
  EXPECT_EQ(out.reloads, 1);
  EXPECT_EQ(out.changed_files, 3);
  for (const std::string d : {"a.example", "b.example", "c.example"}) {
    auto a = env_.Get(d);
    EXPECT_EQ(a.status, 200) << d;
    EXPECT_NE(a.body.find(d + " is hosted by hostplane"), std::string::npos) << a.body;
  }
  EXPECT_EQ(env_.Get("unknown.example").status, 0);  // the default server closes
  EXPECT_FALSE(env_.fs().Exists(applier_.RecordPath(*driver_)));
  EXPECT_EQ(env_.Get("_hostplane-gen", "/_hostplane/gen").body, driver_->generation());
}

// Issue 16: a mail domain's client set-up is served by Host header (autodiscover to POST too),
// from this node's own listeners, and goes with mailclient.remove; a node without mail refuses it.
TEST_F(NginxDriverTest, MailClientSetUpIsServedByHostHeaderAndRemoved) {
  auto task = [](int64_t revision, const char* kind) {
    protocol::Task t;
    t.revision = revision;
    t.kind = kind;
    t.object_key = "mailclient:acme.example";
    t.spec = protocol::ToJson(protocol::MailClientSpec{"acme.example", "acme"});
    return t;
  };
  // No mail on this node: refused, nothing written.
  auto refused = Apply({task(1, protocol::kMailClientEnsure)});
  ASSERT_EQ(Outcomes(refused), std::vector<TaskOutcome>{TaskOutcome::kFailed});
  EXPECT_NE(refused.results[0].detail.find("serves no mail"), std::string::npos)
      << refused.results[0].detail;
  EXPECT_FALSE(env_.fs().Exists(driver_->MailClientVhostPath("acme.example")));

  HostLayout layout = env_.layout();
  layout.mail = MailLayout{};
  layout.mail->hostname = "mx1.hosting.example";
  layout.mail->submission_port = 10587;
  NginxDriverOptions o;
  o.content_owner = FileOwner{::geteuid(), ::getegid()};
  driver_ = std::make_unique<NginxDriver>(layout, env_.fs(), runner_, clock_, o);
  auto out = Apply({task(2, protocol::kMailClientEnsure)});
  ASSERT_EQ(Outcomes(out), std::vector<TaskOutcome>{TaskOutcome::kApplied})
      << out.results[0].detail;
  auto config = env_.Get("autoconfig.acme.example", "/mail/config-v1.1.xml");
  EXPECT_EQ(config.status, 200);
  EXPECT_NE(config.body.find("<hostname>mx1.hosting.example</hostname>"), std::string::npos)
      << config.body;
  EXPECT_NE(config.body.find("<port>10587</port>"), std::string::npos) << config.body;
  EXPECT_EQ(env_.Get("autoconfig.acme.example", "/").status, 404);
  httplib::Client client("127.0.0.1", layout.nginx.http_port);
  auto posted = client.Post("/autodiscover/autodiscover.xml",
                            httplib::Headers{{"Host", "autodiscover.acme.example"}},
                            "<Autodiscover/>", "text/xml");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200);
  EXPECT_EQ(posted->get_header_value("Content-Type"), "application/xml; charset=utf-8");
  EXPECT_NE(posted->body.find("<Server>mx1.hosting.example</Server>"), std::string::npos)
      << posted->body;

  auto gone = Apply({task(3, protocol::kMailClientRemove)});
  ASSERT_EQ(Outcomes(gone), std::vector<TaskOutcome>{TaskOutcome::kApplied})
      << gone.results[0].detail;
  EXPECT_EQ(env_.Get("autoconfig.acme.example", "/mail/config-v1.1.xml").status, 0);
  EXPECT_FALSE(env_.fs().Exists(driver_->MailClientVhostPath("acme.example")));
  EXPECT_FALSE(env_.fs().Exists(driver_->MailClientDir() + "/acme.example.config-v1.1.xml"));
}

// Issue 15: every kind of accepted setting passes `nginx -t` and is served as it says.
TEST_F(NginxDriverTest, SettingsPassNginxTestAndHiddenPathsAreDenied) {
  // The spec carries the settings beside SiteSpec's members, as the controller sends them.
  auto with = [](int64_t revision, const protocol::SiteSpec& site,
                 const protocol::SiteSettings& settings) {
    protocol::Task t = Ensure(revision, site);
    t.spec["settings"] = protocol::ToJson(settings);
    return t;
  };
  auto front = Site("front.example");
  front.php = "8.2";
  protocol::SiteSettings front_settings;
  front_settings.profile = protocol::AppProfile::kPhp;
  front_settings.upload_max_mb = protocol::kMaxUploadMb;
  front_settings.php_memory_limit_mb = 1024;
  front_settings.php_display_errors = true;
  front_settings.php_error_reporting = protocol::ErrorReporting::kAll;
  front_settings.php_timezone = "Etc/GMT+5";
  front_settings.php_short_open_tag = true;
  auto custom = Site("custom.example");
  protocol::SiteSettings custom_settings;
  custom_settings.profile = protocol::AppProfile::kCustom;
  custom_settings.fallback = "$uri $uri/ /fallback.html";
  auto query = Site("query.example");
  query.php = "8.2";
  protocol::SiteSettings query_settings;
  query_settings.profile = protocol::AppProfile::kCustom;
  query_settings.fallback = "$uri /app/start.php?route=$uri&$args";
  query_settings.upload_max_mb = 1;
  auto out = Apply({with(1, front, front_settings), with(2, custom, custom_settings),
                    with(3, query, query_settings)});
  ASSERT_EQ(Outcomes(out), kAllApplied3)
      << out.results[0].detail << out.results[1].detail << out.results[2].detail;
  EXPECT_NE(Vhost("front.example").find("try_files $uri $uri/ /index.php?$args;"),
            std::string::npos);
  EXPECT_NE(Vhost("query.example").find("client_max_body_size 1m;"), std::string::npos);

  const std::string docroot = env_.layout().home_root + "/alice/web/custom.example";
  ASSERT_TRUE(env_.fs().WriteFileAtomic(docroot + "/fallback.html", "fallback page\n", 0644));
  for (const std::string hidden :
       {".env", ".user.ini", ".htpasswd", ".git/config", "sub/.env", ".well-known/.env"}) {
    if (size_t slash = hidden.rfind('/'); slash != std::string::npos) {
      ASSERT_TRUE(env_.fs().MakeDirs(docroot + "/" + hidden.substr(0, slash), 0755));
    }
    ASSERT_TRUE(env_.fs().WriteFileAtomic(docroot + "/" + hidden, "SECRET\n", 0644));
  }
  ASSERT_TRUE(env_.fs().MakeDirs(docroot + "/.well-known", 0755));
  ASSERT_TRUE(
      env_.fs().WriteFileAtomic(docroot + "/.well-known/security.txt", "Contact: x\n", 0644));
  auto missing = env_.Get("custom.example", "/no/such/page");
  EXPECT_EQ(missing.status, 200);
  EXPECT_EQ(missing.body, "fallback page\n");
  for (const std::string hidden :
       {".env", ".user.ini", ".htpasswd", ".git/config", "sub/.env", ".well-known/.env"}) {
    auto a = env_.Get("custom.example", "/" + hidden);
    EXPECT_TRUE(a.status == 403 || a.status == 404) << hidden << " answered " << a.status;
    EXPECT_EQ(a.body.find("SECRET"), std::string::npos) << hidden;
  }
  EXPECT_EQ(env_.Get("custom.example", "/.well-known/security.txt").body, "Contact: x\n");
}

TEST_F(NginxDriverTest, SameBatchTwiceWritesNothingRunsNothing) {
  std::vector<protocol::Task> batch = {Ensure(1, Site("a.example")), Ensure(2, Site("b.example"))};
  ASSERT_EQ(Apply(batch).reloads, 1);
  struct stat before {};
  ASSERT_EQ(::stat(env_.fs().HostPath(driver_->VhostPath("a.example")).c_str(), &before), 0);
  std::string generation = driver_->generation();
  int runs = runner_.runs;

  auto again = Apply(batch);
  EXPECT_EQ(again.results[0].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(again.results[1].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(again.changed_files, 0);
  EXPECT_EQ(again.reloads, 0);
  EXPECT_EQ(again.validations, 0);
  EXPECT_EQ(runner_.runs, runs);
  EXPECT_EQ(driver_->generation(), generation);
  struct stat after {};
  ASSERT_EQ(::stat(env_.fs().HostPath(driver_->VhostPath("a.example")).c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not even rewritten with the same content
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

TEST_F(NginxDriverTest, BrokenVhostFailsAloneOthersApplyAndKeepServing) {
  ASSERT_EQ(Outcomes(Apply({Ensure(1, Site("a.example")), Ensure(2, Site("b.example")),
                            Ensure(3, Site("c.example"))})),
            kAllApplied3);
  std::string b_before = Vhost("b.example");

  MakeDriver({"b.example"});
  auto a2 = Site("a.example");
  a2.aliases = {"www.a.example"};
  auto c2 = Site("c.example");
  c2.status = "suspended";
  auto out = Apply({Ensure(4, a2), Ensure(5, Site("b.example")), Ensure(6, c2)});

  EXPECT_EQ(Outcomes(out), (std::vector<TaskOutcome>{TaskOutcome::kApplied, TaskOutcome::kFailed,
                                                     TaskOutcome::kApplied}));
  EXPECT_NE(out.results[1].detail.find("unknown directive \"hostplane_test_invalid_directive\""),
            std::string::npos)
      << out.results[1].detail;
  EXPECT_EQ(out.validations, 2);  // nginx named the file: no bisection
  EXPECT_EQ(out.reloads, 1);
  EXPECT_EQ(Vhost("b.example"), b_before);  // the previous version is back
  EXPECT_EQ(env_.Get("www.a.example").status, 200);
  EXPECT_EQ(env_.Get("b.example").status, 200);
  auto c = env_.Get("c.example");
  EXPECT_EQ(c.status, 503);
  EXPECT_NE(c.body.find("suspended"), std::string::npos);
}

TEST_F(NginxDriverTest, NewBrokenSiteLeavesNoFile) {
  MakeDriver({"bad.example"});
  auto out = Apply({Ensure(1, Site("good.example")), Ensure(2, Site("bad.example"))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kFailed);
  EXPECT_FALSE(env_.fs().Exists(driver_->VhostPath("bad.example")));
  EXPECT_EQ(env_.Get("good.example").status, 200);
}

TEST_F(NginxDriverTest, RemovalKeepsOrDeletesContent) {
  auto keep = Site("keep.example");
  auto drop = Site("drop.example");
  ASSERT_EQ(Outcomes(Apply({Ensure(1, keep), Ensure(2, drop)})).size(), 2u);
  ASSERT_EQ(env_.Get("keep.example").status, 200);
  std::string keep_root = "home/alice/" + keep.docroot;
  std::string drop_root = "home/alice/" + drop.docroot;
  ASSERT_TRUE(env_.fs().Exists(keep_root + "/index.html"));

  auto out = Apply({Remove(3, keep, false), Remove(4, drop, true)});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kApplied) << out.results[1].detail;
  EXPECT_EQ(out.reloads, 1);
  EXPECT_FALSE(env_.fs().Exists(driver_->VhostPath("keep.example")));
  EXPECT_FALSE(env_.fs().Exists(driver_->VhostPath("drop.example")));
  EXPECT_TRUE(env_.fs().Exists(keep_root + "/index.html"));
  EXPECT_FALSE(env_.fs().Exists(drop_root));
  EXPECT_TRUE(env_.fs().Exists("home/alice"));
  EXPECT_EQ(env_.Get("keep.example").status, 0);
  // Removing again changes nothing.
  auto again = Apply({Remove(3, keep, false), Remove(4, drop, true)});
  EXPECT_EQ(again.reloads, 0);
  EXPECT_EQ(again.results[1].outcome, TaskOutcome::kApplied);
}

TEST_F(NginxDriverTest, ExistingContentIsNotReplaced) {
  auto s = Site("own.example");
  ASSERT_TRUE(env_.fs().MakeDirs("home/alice/" + s.docroot, 0755));
  ASSERT_TRUE(env_.fs().WriteFileAtomic("home/alice/" + s.docroot + "/index.html", "mine\n", 0644));
  ASSERT_EQ(Apply({Ensure(1, s)}).results[0].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(env_.Get("own.example").body, "mine\n");
}

TEST_F(NginxDriverTest, SymlinkedDocrootIsRefusedAndOutsideUntouched) {
  ASSERT_TRUE(env_.fs().MakeDirs("outside", 0755));
  ASSERT_TRUE(env_.fs().MakeDirs("home/alice", 0755));
  ASSERT_EQ(::symlink(env_.fs().HostPath("outside").c_str(),
                      env_.fs().HostPath("home/alice/web").c_str()),
            0);
  auto out = Apply({Ensure(1, Site("evil.example")), Ensure(2, Site("fine.example", "bob"))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kApplied);
  auto names = env_.fs().ListDir("outside");
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->empty());
  EXPECT_FALSE(env_.fs().Exists(driver_->VhostPath("evil.example")));
}

TEST_F(NginxDriverTest, InvalidSpecFailsBeforeAnythingIsWritten) {
  struct Case {
    std::string name;
    protocol::Json spec;
  };
  auto good = protocol::ToJson(Site("x.example"));
  auto with = [&](const std::string& field, protocol::Json v) {
    auto j = good;
    j[field] = std::move(v);
    return j;
  };
  for (const auto& c : std::vector<Case>{
           {"newline in domain", with("domain", "x.example;\n}")},
           {"dotdot docroot", with("docroot", "../../etc")},
           {"absolute docroot", with("docroot", "/etc")},
           {"quote in alias", with("aliases", protocol::Json::array({"a\".example"}))},
           {"bad account", with("account", "0day")},
           {"bad status", with("status", "pwned")},
       }) {
    SCOPED_TRACE(c.name);
    auto out = Apply({testing::MakeTask(1, "site:x.example", protocol::kSiteEnsure, c.spec)});
    EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
    EXPECT_EQ(out.changed_files, 0);
  }
  auto names = env_.fs().ListDir(env_.layout().nginx.sites_dir);
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->empty());
}

TEST_F(NginxDriverTest, ReloadWithoutNginxIsRetryAndRestores) {
  ASSERT_EQ(Apply({Ensure(1, Site("a.example"))}).reloads, 1);
  std::string before = Vhost("a.example");
  env_.nginx().Stop(SIGTERM, std::chrono::milliseconds(3000));
  auto s = Site("a.example");
  s.status = "suspended";
  auto out = Apply({Ensure(2, s)});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kRetry);
  EXPECT_EQ(Vhost("a.example"), before);
  EXPECT_FALSE(env_.fs().Exists(applier_.RecordPath(*driver_)));
}

TEST_F(NginxDriverTest, SuspendedSiteAnswers503WithThePageAndStillServesAcme) {
  auto s = Site("held.example");
  s.status = "suspended";
  ASSERT_EQ(Apply({Ensure(1, s)}).results[0].outcome, TaskOutcome::kApplied);
  const auto& n = env_.layout().nginx;
  EXPECT_EQ(*env_.fs().ReadFile(n.pages_dir + "/suspended.html"), RenderSuspendedPage());
  for (const std::string path : {"/", "/index.html", "/x.php"}) {
    auto a = env_.Get("held.example", path);
    EXPECT_EQ(a.status, 503) << path;
    EXPECT_EQ(a.body, RenderSuspendedPage()) << path;
  }
  ASSERT_TRUE(env_.fs().WriteFileAtomic(n.acme_webroot + "/.well-known/acme-challenge/tok-1",
                                        "tok-1.thumb", 0644));
  auto acme = env_.Get("held.example", "/.well-known/acme-challenge/tok-1");
  EXPECT_EQ(acme.status, 200);
  EXPECT_EQ(acme.body, "tok-1.thumb");
  EXPECT_EQ(env_.Get("held.example", "/.well-known/acme-challenge/none").status, 404);
}

TEST_F(NginxDriverTest, AcmeChallengeIsServedForActiveSitesOutsideTheDocroot) {
  ASSERT_EQ(Apply({Ensure(1, Site("live.example"))}).results[0].outcome, TaskOutcome::kApplied);
  const auto& n = env_.layout().nginx;
  ASSERT_TRUE(
      env_.fs().WriteFileAtomic(n.acme_webroot + "/.well-known/acme-challenge/t2", "v2", 0644));
  EXPECT_EQ(env_.Get("live.example", "/.well-known/acme-challenge/t2").body, "v2");
  EXPECT_EQ(env_.Get("live.example").status, 200);
}

TEST_F(NginxDriverTest, HttpsWithoutACertificateFailsAloneAndLeavesNoFile) {
  auto tls = Site("tls.example");
  tls.https = true;
  auto out = Apply({Ensure(1, tls), Ensure(2, Site("plain.example"))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_NE(out.results[0].detail.find("fullchain.pem"), std::string::npos)
      << out.results[0].detail;
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kApplied) << out.results[1].detail;
  EXPECT_FALSE(env_.fs().Exists(driver_->VhostPath("tls.example")));
  EXPECT_EQ(env_.Get("plain.example").status, 200);
}

TEST_F(NginxDriverTest, PhpSiteWithoutAPoolAnswers502AndServesStaticFiles) {
  auto s = Site("php.example");
  s.php = "8.2";
  ASSERT_EQ(Apply({Ensure(1, s)}).results[0].outcome, TaskOutcome::kApplied);
  std::string vhost = Vhost("php.example");
  EXPECT_NE(vhost.find("fastcgi_pass \"unix:" + env_.fs().HostPath("run/hostplane/php") +
                       "/alice-8.2.sock\";"),
            std::string::npos)
      << vhost;
  ASSERT_TRUE(env_.fs().WriteFileAtomic("home/alice/" + s.docroot + "/i.php", "<?php\n", 0644));
  EXPECT_EQ(env_.Get("php.example", "/i.php").status, 502);        // no PHP-FPM socket
  EXPECT_EQ(env_.Get("php.example", "/missing.php").status, 404);  // try_files first
  EXPECT_EQ(env_.Get("php.example", "/").status, 200);             // index.html
}

}  // namespace
}  // namespace hostplane::agent
