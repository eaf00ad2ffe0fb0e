#include "cmd/join.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/crypto.h"
#include "common/fs/filesystem.h"
#include "common/signing_key.h"

namespace hostplane::cmd {
namespace {

using nlohmann::json;

// A controller's join endpoint that answers what the test says.
class FakeController {
 public:
  FakeController() {
    server_.Post("/api/v1/join", [this](const httplib::Request& req, httplib::Response& res) {
      last_body = req.body;
      res.status = status;
      res.set_content(answer.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeController() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  int status = 200;
  json answer;
  std::string last_body;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

json Grant(const std::string& key) {
  return {{"node", "web7"},
          {"roles", {"web"}},
          {"site", "lon"},
          {"controller_key", key},
          {"nats", {{"servers", {"nats://leaf:4222"}}, {"user", "web7"}, {"password", "pw-123"}}}};
}

class JoinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    key_ = SigningKey::Generate()->public_key().ToString();
    other_ = SigningKey::Generate()->public_key().ToString();
    token_ = "hpjoin.c2VjcmV0LXNlY3JldC1zZWNyZXQ." + KeyFingerprint(key_);
  }
  std::string key_, other_, token_;
};

TEST_F(JoinTest, TheKeyIsTakenOnlyWhenTheTokensFingerprintNamesIt) {
  FakeController ctl;
  ctl.answer = Grant(key_);
  auto e = JoinController(ctl.url(), token_);
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_EQ(json::parse(ctl.last_body), json({{"token", token_}}));
  EXPECT_EQ(e->node, "web7");
  EXPECT_EQ(e->controller_key, key_);
  EXPECT_EQ(e->nats_user, "web7");
  EXPECT_EQ(e->nats_password, "pw-123");
  EXPECT_EQ(e->nats_servers, std::vector<std::string>{"nats://leaf:4222"});

  // Another controller (or a man in the middle) hands over its own key: refused.
  ctl.answer = Grant(other_);
  auto forged = JoinController(ctl.url(), token_);
  ASSERT_FALSE(forged.has_value());
  EXPECT_EQ(forged.error().code, ErrorCode::kForbidden);
}

TEST_F(JoinTest, RefusalsAndBadAnswersAreErrorsNamingTheCause) {
  FakeController ctl;
  struct Row {
    const char* name;
    int status;
    json answer;
    std::string token;
    ErrorCode want;
  };
  json no_password = Grant(key_);
  no_password["nats"].erase("password");
  json bad_node = Grant(key_);
  bad_node["node"] = "Web 7";
  const std::vector<Row> rows = {
      {"refused",
       401,
       {{"error", {{"message", "the join token is unknown"}}}},
       token_,
       ErrorCode::kUnauthorized},
      {"no password", 200, no_password, token_, ErrorCode::kInvalid},
      {"bad node name", 200, bad_node, token_, ErrorCode::kInvalid},
      {"not a token", 200, Grant(key_), "hp_admintoken", ErrorCode::kInvalid},
      {"no fingerprint", 200, Grant(key_), "hpjoin.secret", ErrorCode::kInvalid},
  };
  for (const Row& row : rows) {
    ctl.status = row.status;
    ctl.answer = row.answer;
    auto e = JoinController(ctl.url(), row.token);
    ASSERT_FALSE(e.has_value()) << row.name;
    EXPECT_EQ(e.error().code, row.want) << row.name << ": " << e.error().message;
  }
  auto unreachable = JoinController("http://127.0.0.1:1", token_);
  ASSERT_FALSE(unreachable.has_value());
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);
}

TEST_F(JoinTest, TheEnrolmentIsSavedPrivatelyAndReadBack) {
  std::string dir = (std::filesystem::temp_directory_path() / "hp-join-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  PosixFilesystem files(dir);
  auto none = LoadEnrolment(files, "state");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  Enrolment e{"web7", key_, {"nats://leaf:4222"}, "web7", "pw-123"};
  ASSERT_TRUE(SaveEnrolment(files, "state", e));
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/state/enrolment.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = LoadEnrolment(files, "state");
  ASSERT_TRUE(back.has_value() && back->has_value());
  EXPECT_EQ((*back)->node, e.node);
  EXPECT_EQ((*back)->controller_key, e.controller_key);
  EXPECT_EQ((*back)->nats_password, e.nats_password);
  EXPECT_EQ((*back)->nats_servers, e.nats_servers);

  ASSERT_TRUE(files.WriteFileAtomic("state/enrolment.json", "{\"node\": 5}", 0600));
  auto damaged = LoadEnrolment(files, "state");
  ASSERT_FALSE(damaged.has_value());
  EXPECT_EQ(damaged.error().code, ErrorCode::kInvalid);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hostplane::cmd
