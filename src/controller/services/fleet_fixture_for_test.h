#pragma once

// The fixture of the fleet services' tests (NodeService, placement, DrainService, content copies):
// a store in a temporary directory, an in-process bus and task engine, and the services, with
// helpers that add nodes and customers, mark nodes as heard from, and play the agents' results.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/states_for_test.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {

inline const Actor kFleetAdmin{"token:admin", Role::kAdmin};

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    auto key = SigningKey::Generate();
    ASSERT_TRUE(key.has_value());
    key_text_ = key->public_key().ToString();
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *key);
    HostingOptions options;
    options.controller_key = key_text_;
    service_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock(), options);
  }

  Node AddNode(const std::string& name, std::vector<std::string> roles, int64_t capacity = 100,
               const std::string& site = "", const std::string& group = "",
               const std::string& ipv4 = "") {
    NodeInput in{name, std::move(roles), capacity, ipv4, "", site, group};
    auto n = service_->nodes().Create(kFleetAdmin, in);
    EXPECT_TRUE(n.has_value()) << n.error().message;
    return n ? n->object : Node{};
  }
  void AddCustomer(const std::string& login, std::optional<std::string> plan = std::nullopt) {
    auto c = service_->customers().Create(
        kFleetAdmin, {login, "", "ops@" + login + ".example", std::nullopt, std::move(plan)});
    ASSERT_TRUE(c.has_value()) << c.error().message;
  }
  std::string SiteNode(const std::string& domain) {
    auto s = store_->GetSite(domain);
    return s && *s ? (*s)->node_name : "";
  }
  // Marks a node as heard from at `at` with these drivers (what a hello does).
  void Heard(const std::string& name, int64_t at, std::vector<std::string> drivers) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = tx.nodes().FindByName(name);
      if (!n || !*n) return Fail(Error::NotFound(name));
      Node u = **n;
      u.last_seen = at;
      u.drivers = std::move(drivers);
      return tx.nodes().Update(u);
    }));
  }
  static std::vector<std::string> Kinds(const std::vector<TaskRecord>& tasks,
                                        const std::string& node) {
    std::vector<std::string> out;
    for (const auto& t : tasks) {
      if (t.node_name == node) out.push_back(t.kind + " " + t.object_key);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // What the engine does with an agent's result: records it and runs the result hook in the
  // same transaction. Returns the tasks the hook appended.
  std::vector<TaskRecord> Report(const TaskRecord& task, const std::string& state,
                                 const std::string& error = "") {
    std::vector<TaskRecord> appended;
    EXPECT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      appended.clear();
      const TaskState result = Parse<TaskState>(state).value_or(TaskState::kPending);
      auto r = tx.tasks().RecordResult(task.node_name, task.id, {result, error, 5, std::nullopt});
      if (!r) return Fail(r.error());
      return service_->result_hook()(tx, task, result, error, appended);
    }));
    return appended;
  }
  // What the content spool records when the source seals its archive.
  void Seal(int64_t transfer) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto t = tx.transfers().Find(transfer);
      if (!t || !*t) return Fail(Error::NotFound("transfer"));
      Transfer u = **t;
      u.chunks = 1;
      u.bytes = 10240;
      u.digest = Blake2bHex("archive");
      return tx.transfers().Update(u);
    }));
  }
  static const TaskRecord* Find(const std::vector<TaskRecord>& tasks, const std::string& kind) {
    for (const auto& t : tasks) {
      if (t.kind == kind) return &t;
    }
    return nullptr;
  }
  // web1 holds acme's site; web2 is added; the first drain step of web1 starts copying the home.
  Result<DrainStep> DrainWeb1WithAHomeToCopy() {
    AddNode("web1", {"web"});
    AddCustomer("acme");
    auto site = service_->sites().Create(kFleetAdmin, {"acme.example", "acme", {}, std::nullopt});
    if (!site) return Fail(site.error());
    AddNode("web2", {"web"});
    return service_->drains().Drain(kFleetAdmin, "web1", 10, false);
  }
  // Exports, then imports, the copy whose export is among tasks; returns what the hook sent.
  std::vector<TaskRecord> CompleteCopy(const std::vector<TaskRecord>& tasks) {
    const TaskRecord* exported = Find(tasks, "content.export");
    EXPECT_NE(exported, nullptr);
    if (exported == nullptr) return {};
    Seal(exported->spec["transfer"].get<int64_t>());
    auto import = Report(*exported, "applied");
    const TaskRecord* imported = Find(import, "content.import");
    EXPECT_NE(imported, nullptr);
    if (imported == nullptr) return {};
    return Report(*imported, "applied");
  }

  TempStore store_;
  std::string key_text_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> service_;
};

}  // namespace hostplane::controller
