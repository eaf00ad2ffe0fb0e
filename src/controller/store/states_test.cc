#include "controller/store/states.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

namespace hostplane::controller {
namespace {

// Every value has a name of its own and comes back from it.
template <typename E>
void ExpectRoundTrip(const char* what, std::set<std::string> expected) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(kLastState<E>); ++i) {
    const E value = static_cast<E>(i);
    const std::string name(Name(value));
    EXPECT_FALSE(name.empty()) << what << " value " << i << " has no name";
    EXPECT_TRUE(names.insert(name).second) << what << ": '" << name << "' twice";
    auto back = Parse<E>(name);
    ASSERT_TRUE(back.has_value()) << what << " " << name;
    EXPECT_EQ(*back, value) << what << " " << name;
  }
  EXPECT_EQ(names, expected) << what << ": the names stored and shown must not change";
  EXPECT_FALSE(Parse<E>("").has_value()) << what;
  EXPECT_FALSE(Parse<E>("Active").has_value()) << what << ": names are exact";
}

TEST(States, EveryValueRoundTripsThroughItsName) {
  ExpectRoundTrip<CustomerStatus>("customer", {"active", "suspended", "deleting"});
  ExpectRoundTrip<SiteStatus>("site", {"active", "suspended", "removing"});
  ExpectRoundTrip<ResourceStatus>("resource",
                                  {"active", "suspended", "pending", "issued", "failed"});
  ExpectRoundTrip<NodeStatus>("node", {"active", "draining", "drained", "disabled", "lost"});
  ExpectRoundTrip<TaskState>("task",
                             {"pending", "applied", "failed", "retry", "running", "superseded"});
  ExpectRoundTrip<TransferState>("transfer", {"exporting", "importing", "done", "failed"});
  ExpectRoundTrip<ServiceStatus>("service", {"active", "suspended", "moving"});
}

TEST(States, FinalTasksAndOpenCopies) {
  std::set<TaskState> final_states;
  for (int i = 0; i <= static_cast<int>(kLastState<TaskState>); ++i) {
    if (IsFinal(static_cast<TaskState>(i))) final_states.insert(static_cast<TaskState>(i));
  }
  EXPECT_EQ(final_states,
            (std::set<TaskState>{TaskState::kApplied, TaskState::kFailed, TaskState::kSuperseded}));
  EXPECT_TRUE(IsOpen(TransferState::kExporting));
  EXPECT_TRUE(IsOpen(TransferState::kImporting));
  EXPECT_FALSE(IsOpen(TransferState::kDone));
  EXPECT_FALSE(IsOpen(TransferState::kFailed));
  std::ostringstream os;
  os << TaskState::kRetry;
  EXPECT_EQ(os.str(), "retry");
}

}  // namespace
}  // namespace hostplane::controller
