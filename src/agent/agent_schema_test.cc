// A bundle of a schema newer than this agent's (protocol/messages.h kBundleSchema) is refused
// with a clear error in the task report and nothing applied: its tasks are reported "retry" (the
// controller tries again, and once the agent is upgraded they apply), the journal's revision
// stays. docs/upgrading.md: agents are upgraded before controllers.

#include <gtest/gtest.h>

#include "agent/agent.h"
#include "agent/testing/agent_fixture.h"
#include "agent/testing/fake_driver.h"
#include "protocol/messages.h"

namespace hostplane::agent {
namespace {

using namespace std::chrono_literals;
using protocol::TaskOutcome;
using testing::AgentTest;
using testing::Eventually;
using testing::FakeSet;

class AgentSchemaTest : public AgentTest {};

TEST_F(AgentSchemaTest, RefusesABundleOfANewerSchemaAndReportsWhy) {
  controller_.set_tamper([this](protocol::Bundle& b) {
    b.schema = protocol::kBundleSchema + 1;  // signed by the real key: genuine, but too new
    protocol::SignBundle(b, controller_.key());
  });
  controller_.Add(FakeSet(1, "a", "from the future"), false);
  AgentOptions o;
  o.resync = 100ms;
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.Result(1).has_value(); }));
  auto result = *controller_.Result(1);
  EXPECT_EQ(result.outcome, TaskOutcome::kRetry);
  EXPECT_NE(result.detail.find("schema " + std::to_string(protocol::kBundleSchema + 1)),
            std::string::npos)
      << result.detail;
  EXPECT_NE(result.detail.find("upgrade the agent"), std::string::npos) << result.detail;
  EXPECT_EQ(Content("a"), "<absent>");
  EXPECT_EQ(agent->AppliedRevision(), 0);
  const auto reports = controller_.reports();
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().applied_revision, 0);

  // The controller is rolled back (or the agent upgraded): the same task applies.
  controller_.set_tamper(nullptr);
  ASSERT_TRUE(Eventually([&] {
    auto r = controller_.Result(1);
    return r && r->outcome == TaskOutcome::kApplied;
  }));
  EXPECT_EQ(Content("a"), "from the future");
  EXPECT_EQ(agent->AppliedRevision(), 1);
  agent->Stop();
}

TEST_F(AgentSchemaTest, AppliesABundleOfThisSchemaAndALegacyOne) {
  controller_.set_tamper([this](protocol::Bundle& b) {
    b.schema = protocol::kLegacyBundleSchema;  // a controller older than schema versions
    protocol::SignBundle(b, controller_.key());
  });
  controller_.Add(FakeSet(1, "a", "legacy"), false);
  AgentOptions o;
  o.resync = 100ms;
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == 1; }));
  EXPECT_EQ(Content("a"), "legacy");
  controller_.set_tamper(nullptr);
  controller_.Add(FakeSet(2, "a", "current"));
  ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == 2; }));
  EXPECT_EQ(Content("a"), "current");
  agent->Stop();
}

}  // namespace
}  // namespace hostplane::agent
