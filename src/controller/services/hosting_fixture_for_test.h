#pragma once

// For unit tests of the business layer: the whole Hosting over a TempStore (the backend the
// process runs the store contract on) with a task engine on an in-process bus, and what those
// tests ask of it: an actor for a customer's own login, and how many tasks and audit entries
// exist (to show a refused change wrote nothing). SetUp builds it; a test's own SetUp calls
// HostingFixture::SetUp() first.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {

class HostingFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *SigningKey::Generate());
    hosting_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock());
  }

  // The customer's own login as an actor.
  Actor CustomerActor(const std::string& login) {
    auto c = store_->GetCustomer(login);
    EXPECT_TRUE(c && *c) << login;
    Actor a("user:" + login, Role::kCustomer);
    a.customer_id = (*c)->id;
    a.reseller_id = (*c)->reseller_id;
    return a;
  }

  // Every task and audit entry so far.
  std::pair<size_t, size_t> TasksAndAudit() {
    TaskFilter all;
    all.page = {0, 10'000};
    return {store_->ListTasks(all)->size(), store_->ListAudit({0, 10'000}, std::nullopt)->size()};
  }

  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> hosting_;
};

}  // namespace hostplane::controller
