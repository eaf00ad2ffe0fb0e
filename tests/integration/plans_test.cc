// End to end: a plan made with the CLI limits what a customer may build. Two sites of a plan of
// two go live in a real nginx (checked with curl and a Host header); the third is refused before
// anything is stored or queued, so no vhost for it ever reaches the node.

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

TEST(Plans, APlanOfTwoSitesServesTwoAndRefusesTheThird) {
  UpInstance up;
  ASSERT_OK(up.Start());
  auto c = CliOrFail(up, {"plan", "create", "duo", "--sites", "2", "--disk-mb", "unlimited"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  c = CliOrFail(up, {"customer", "create", "acme", "--email", "ops@acme.example", "--plan", "duo"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;

  const std::vector<std::string> served = {"one.acme.example", "two.acme.example"};
  for (const auto& d : served) {
    c = CliOrFail(up, {"site", "add", d, "--customer", "acme", "--wait"});
    ASSERT_EQ(c.exit_code, 0) << d << ": " << c.out << c.err;
  }
  for (const auto& d : served) {
    auto page = up.Curl(d);
    EXPECT_EQ(page.status, 200) << d;
    EXPECT_NE(page.body.find(d), std::string::npos) << "page of " << d << " is: " << page.body;
  }

  c = CliOrFail(up, {"site", "add", "three.acme.example", "--customer", "acme", "--wait"});
  EXPECT_EQ(c.exit_code, 5) << c.out << c.err;
  EXPECT_NE(c.err.find("plan.sites_limit"), std::string::npos) << c.err;
  EXPECT_EQ(up.Api("GET", "/api/v1/sites/three.acme.example").status, 404);
  auto tasks = up.Api("GET", "/api/v1/tasks?object=site:three.acme.example").json();
  EXPECT_EQ(tasks["tasks"].size(), 0u) << tasks.dump();
  EXPECT_FALSE(std::filesystem::exists(up.data_dir() + "/nginx/sites/three.acme.example.conf"));
  EXPECT_TRUE(std::filesystem::exists(up.data_dir() + "/nginx/sites/one.acme.example.conf"));
  EXPECT_NE(up.Curl("three.acme.example").status, 200);
  // The two live sites are untouched by the refusal.
  for (const auto& d : served) EXPECT_EQ(up.Curl(d).status, 200) << d;
}

}  // namespace
}  // namespace hostplane::testing
