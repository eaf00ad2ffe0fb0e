// Where an FTP account goes (issue 23's chaos test found them sent to a web server without FTP,
// whose agent failed the task with "no driver for kind ftpuser.ensure").

#include <gtest/gtest.h>

#include "controller/services/fleet_fixture_for_test.h"

namespace hostplane::controller {
namespace {

class FtpPlacementTest : public FleetTest {
 protected:
  std::string FtpNode(const std::string& user) {
    auto r = store_->GetResource("ftpuser", user);
    return r && *r ? (*r)->node_name : "";
  }
};

TEST_F(FtpPlacementTest, AnFtpAccountGoesToTheServerOfTheCustomersSitesThatRunsFtp) {
  // Both agents have said hello: only "all" runs the FTP driver.
  AddNode("web", {"web"});
  AddNode("all", {"web", "ftp"});
  const int64_t now = store_.clock().NowMillis();
  Heard("web", now, {"nginx", "account"});
  Heard("all", now, {"nginx", "account", "ftp"});
  AddCustomer("acme");
  AddCustomer("bravo");
  AddCustomer("carol");
  // acme's first site is on the web-only server, its second on the one with FTP.
  auto first = service_->sites().Create(kFleetAdmin, {"one.acme.example", "acme", {}, {}});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(SiteNode("one.acme.example"), "web");
  auto second = service_->sites().Create(kFleetAdmin, {"two.acme.example", "acme", {}, {}});
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ(SiteNode("two.acme.example"), "all");
  auto acme = service_->ftp().Add(kFleetAdmin, {"acme_web", "acme", "Ftp-passw0rd-acme", ""});
  ASSERT_TRUE(acme) << acme.error().message;
  EXPECT_EQ(FtpNode("acme_web"), "all");

  // bravo's only site is on the server without FTP: refused, naming it, and nothing stored.
  ASSERT_TRUE(service_->sites().Create(kFleetAdmin, {"bravo.example", "bravo", {}, {}}));
  ASSERT_EQ(SiteNode("bravo.example"), "web");
  auto bravo = service_->ftp().Add(kFleetAdmin, {"bravo_web", "bravo", "Ftp-passw0rd-bravo", ""});
  ASSERT_FALSE(bravo);
  EXPECT_EQ(bravo.error().code, ErrorCode::kConflict);
  EXPECT_EQ(bravo.error().fields.at("user"), "ftp.no_node") << bravo.error().message;
  EXPECT_NE(bravo.error().message.find("'web'"), std::string::npos) << bravo.error().message;
  auto stored = store_->GetResource("ftpuser", "bravo_web");
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->has_value());

  // carol has no site: the FTP server, never the web-only one.
  auto carol = service_->ftp().Add(kFleetAdmin, {"carol_web", "carol", "Ftp-passw0rd-carol", ""});
  ASSERT_TRUE(carol) << carol.error().message;
  EXPECT_EQ(FtpNode("carol_web"), "all");
}

}  // namespace
}  // namespace hostplane::controller
