#pragma once

// A whole controller in one test process, for the API tests: a fresh SQLite store in a temp
// directory, the in-process bus, a real TaskEngine and HostingService, an ApiServer on a free
// loopback port, an admin token, and a fake agent (ReportResult) that answers for a node over
// the bus exactly as a real agent's report would. Header-only: only *_test.cc files include it.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/testing/source_path.h"
#include "controller/api/api_server.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"
#include "protocol/messages.h"

namespace hostplane::controller::testing {

// The repository root.
inline std::filesystem::path RepoRoot() { return hostplane::testing::SourceTree(); }

inline std::filesystem::path OpenApiPath() { return RepoRoot() / "api" / "openapi.json"; }

class ApiEnv {
 public:
  // With a panel, the server serves it beside the API (ApiOptions::panel). `options` are the
  // server's (its OpenAPI path and panel are set here).
  explicit ApiEnv(const PanelFiles* panel = nullptr, ApiOptions options = {}) {
    std::string tmpl = ::testing::TempDir() + "/hp-api-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    EXPECT_TRUE(InitCrypto());
    auto store = OpenSqliteStore(dir_ + "/store.db");
    EXPECT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, clock_, *SigningKey::Generate());
    EXPECT_TRUE(engine_->Start());
    service_ = std::make_unique<Hosting>(*store_, *engine_, clock_);
    token_ = NewApiToken();
    EXPECT_TRUE(store_->Write([&](StoreTxn& txn) -> Status {
      auto t = txn.tokens().Insert("admin", HashApiToken(token_), "admin");
      if (!t) return Fail(t.error());
      return Ok();
    }));
    options.openapi_path = OpenApiPath().string();
    options.panel = panel;
    server_ = std::make_unique<ApiServer>(*service_, *engine_, *store_, clock_, options);
    auto started = server_->Start();
    EXPECT_TRUE(started) << started.error().message;
  }

  ~ApiEnv() {
    server_->Stop();
    engine_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A client that sends the admin token (or none, or another one).
  std::unique_ptr<httplib::Client> Client(std::optional<std::string> token = std::nullopt) const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(std::chrono::seconds(70));
    std::string t = token.value_or(token_);
    if (!t.empty()) c->set_default_headers({{"Authorization", "Bearer " + t}});
    return c;
  }

  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  const std::string& token() const { return token_; }
  Store& store() { return *store_; }

  // What an agent on node would report for one task; returns the controller's ack.
  Status ReportResult(const std::string& node, int64_t task, int64_t revision,
                      protocol::TaskOutcome outcome, const std::string& detail = "",
                      int64_t duration_ms = 84) {
    protocol::Report report;
    report.node = node;
    report.results.push_back({task, revision, outcome, detail, duration_ms});
    report.applied_revision = revision;
    auto reply = bus_->Request(protocol::ReportSubject(node), protocol::Encode(report),
                               std::chrono::seconds(5));
    if (!reply) return Fail(reply.error());
    auto ack = protocol::DecodeAck(*reply);
    if (!ack) return Fail(ack.error());
    if (!ack->ok) return Fail(Error::Internal(ack->error));
    return Ok();
  }

 private:
  std::string dir_;
  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> service_;
  std::unique_ptr<ApiServer> server_;
  std::string token_;
};

}  // namespace hostplane::controller::testing
