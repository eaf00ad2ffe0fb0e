// TaskService::Retry: a failed task is queued again as a new attempt with its spec; asking twice
// queues nothing more; a task that is not failed, an empty or too long list, or one task the
// actor may not see refuses the whole request with nothing written; an object changed since its
// task failed keeps its newer task.

#include <gtest/gtest.h>

#include "controller/services/hosting_fixture_for_test.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin{"token:admin", Role::kAdmin};

class TaskRetryTest : public HostingFixture {
 protected:
  void SetUp() override {
    HostingFixture::SetUp();
    ASSERT_TRUE(hosting_->nodes().Create(kAdmin, {"web1", {"web"}, 100}));
    for (const char* login : {"acme", "bravo"}) {
      auto c = hosting_->customers().Create(
          kAdmin,
          {login, "", std::string("ops@") + login + ".example", std::nullopt, std::nullopt});
      ASSERT_TRUE(c) << c.error().message;
    }
  }

  // The site's site.ensure task.
  TaskRecord SiteTask(const std::string& domain, const std::string& customer) {
    auto site = hosting_->sites().Create(kAdmin, {domain, customer, {}, std::nullopt});
    EXPECT_TRUE(site) << site.error().message;
    for (const auto& t : site->tasks) {
      if (t.object_key == "site:" + domain) return t;
    }
    ADD_FAILURE() << "no task for " << domain;
    return {};
  }

  void Fail(const TaskRecord& t, const std::string& error) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(bool recorded,
                          tx.tasks().RecordResult("web1", t.id, {TaskState::kFailed, error}));
      if (!recorded) return ::hostplane::Fail(Error::Internal("not recorded"));
      return Ok();
    }));
  }
};

TEST_F(TaskRetryTest, AFailedTaskIsQueuedAgainOnceWithItsSpec) {
  const TaskRecord failed = SiteTask("acme.example", "acme");
  Fail(failed, "nginx: [emerg] bad");

  auto retried = hosting_->tasks().Retry(kAdmin, failed.id);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_TRUE(retried->object.queued);
  EXPECT_EQ(retried->object.retry_of, failed.id);
  const TaskRecord& attempt = retried->object.task;
  EXPECT_GT(attempt.id, failed.id);
  EXPECT_GT(attempt.revision, failed.revision);
  EXPECT_EQ(attempt.state, TaskState::kPending);
  EXPECT_EQ(attempt.node_id, failed.node_id);
  EXPECT_EQ(attempt.object_key, failed.object_key);
  EXPECT_EQ(attempt.kind, failed.kind);
  EXPECT_EQ(attempt.spec, failed.spec);
  EXPECT_EQ(attempt.customer_id, failed.customer_id);
  ASSERT_EQ(retried->tasks.size(), 1u);
  EXPECT_EQ(attempt.change_id, retried->change_id);
  auto audit = store_->ListAudit({0, 100}, "task:" + std::to_string(failed.id));
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().action, "task.retry");
  EXPECT_EQ(audit->front().before.value("error", ""), "nginx: [emerg] bad");

  // Again: the object's newest task is that attempt; nothing more is queued or audited.
  const auto before = TasksAndAudit();
  auto again = hosting_->tasks().Retry(kAdmin, failed.id);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->object.queued);
  EXPECT_EQ(again->object.task.id, attempt.id);
  EXPECT_TRUE(again->tasks.empty());
  EXPECT_EQ(TasksAndAudit(), before);
}

TEST_F(TaskRetryTest, TasksThatAreNotFailedAreRefusedAndNothingIsQueued) {
  const TaskRecord failed = SiteTask("acme.example", "acme");
  Fail(failed, "boom");
  const TaskRecord pending = SiteTask("acme.net", "acme");
  const auto before = TasksAndAudit();

  auto one = hosting_->tasks().Retry(kAdmin, pending.id);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().code, ErrorCode::kConflict);
  EXPECT_EQ(one.error().fields.at("id"), "task.not_failed");

  auto both = hosting_->tasks().Retry(kAdmin, std::vector<int64_t>{failed.id, pending.id});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, ErrorCode::kConflict);
  EXPECT_EQ(both.error().fields.at("ids[1]"), "task.not_failed");
  EXPECT_EQ(both.error().fields.count("ids[0]"), 0u);

  auto empty = hosting_->tasks().Retry(kAdmin, std::vector<int64_t>{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().fields.at("ids"), "ids.empty");
  auto many = hosting_->tasks().Retry(
      kAdmin, std::vector<int64_t>(TaskService::kMaxRetryIds + 1, failed.id));
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().fields.at("ids"), "ids.too_many");

  auto missing = hosting_->tasks().Retry(kAdmin, std::vector<int64_t>{failed.id, 999999});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(TasksAndAudit(), before);
}

TEST_F(TaskRetryTest, ManyInOneChangeAndOnlyTheActorsOwn) {
  const TaskRecord a1 = SiteTask("acme.example", "acme");
  const TaskRecord a2 = SiteTask("acme.net", "acme");
  const TaskRecord b1 = SiteTask("bravo.example", "bravo");
  for (const auto* t : {&a1, &a2, &b1}) Fail(*t, "boom");
  const Actor acme = CustomerActor("acme");
  const auto before = TasksAndAudit();

  // bravo's task among them: "not found" for all, nothing queued.
  auto mixed = hosting_->tasks().Retry(acme, std::vector<int64_t>{a1.id, b1.id});
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(TasksAndAudit(), before);

  auto own = hosting_->tasks().Retry(acme, std::vector<int64_t>{a1.id, a2.id});
  ASSERT_TRUE(own) << own.error().message;
  ASSERT_EQ(own->object.size(), 2u);
  EXPECT_TRUE(own->object[0].queued && own->object[1].queued);
  EXPECT_EQ(own->tasks.size(), 2u);
  EXPECT_EQ(own->tasks[0].change_id, own->tasks[1].change_id);
}

TEST_F(TaskRetryTest, AnObjectChangedSinceItsTaskFailedKeepsItsNewerTask) {
  const TaskRecord failed = SiteTask("acme.example", "acme");
  Fail(failed, "boom");
  SitePatch patch;
  patch.aliases = std::vector<std::string>{"www.acme.example"};
  auto changed = hosting_->sites().Update(kAdmin, "acme.example", patch);
  ASSERT_TRUE(changed) << changed.error().message;
  const auto before = TasksAndAudit();

  auto retried = hosting_->tasks().Retry(kAdmin, failed.id);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_FALSE(retried->object.queued);
  int64_t newer = 0;
  for (const auto& t : changed->tasks) {
    if (t.object_key == failed.object_key) newer = t.id;
  }
  EXPECT_EQ(retried->object.task.id, newer);
  EXPECT_EQ(TasksAndAudit(), before);
}

}  // namespace
}  // namespace hostplane::controller
