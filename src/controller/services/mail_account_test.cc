// Issue 16 / brief 3: every web account gets a way out for PHP's mail() — an app login on its
// mail node (mailaccount.ensure with the plan's sending limit and the account's mail domains as
// senders) and account.ensure's mail_submission on its web nodes, the password sealed to each
// web node — kept right when its mail domains change, its mail node is drained, its plan or
// status changes, and gone with the customer.

#include <gtest/gtest.h>

#include <map>

#include "common/passwd/service_password.h"
#include "common/sealed_box.h"
#include "controller/services/fleet_fixture_for_test.h"
#include "protocol/account_spec.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_submission_spec.h"

namespace hostplane::controller {
namespace {

constexpr const char* kPassword = "s3cret-Passw0rd";

class MailAccountTest : public FleetTest {
 protected:
  // What a hello does: the node's box key and, for a mail node, its submission endpoint.
  void Hello(const std::string& node, std::optional<protocol::SubmissionEndpoint> endpoint) {
    if (keys_.count(node) == 0) {
      auto key = BoxKey::Generate();
      ASSERT_TRUE(key.has_value());
      keys_.emplace(node, *key);
    }
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = tx.nodes().FindByName(node);
      if (!n || !*n) return Fail(Error::NotFound(node));
      Node u = **n;
      u.box_key = keys_.at(node).public_key().ToString();
      u.mail_submission = endpoint ? protocol::ToJson(*endpoint).dump() : "";
      HP_TRY(tx.nodes().Update(u));
      std::vector<TaskRecord> appended;
      return service_->node_key_hook()(tx, u, appended);
    }));
  }
  static protocol::SubmissionEndpoint Endpoint(const std::string& host = "") {
    return {host, 587, "starttls", "mx.hostplane.internal"};
  }
  std::vector<TaskRecord> All() {
    TaskFilter every;
    every.page = {0, 10000};
    auto all = store_->ListTasks(every);
    EXPECT_TRUE(all);
    return all ? *all : std::vector<TaskRecord>{};
  }
  const TaskRecord* Last(const std::string& kind, const std::string& node) {
    all_ = All();
    const TaskRecord* out = nullptr;
    for (const auto& t : all_) {
      if (t.kind == kind && t.node_name == node) out = &t;
    }
    return out;
  }
  size_t Count(const std::string& kind, const std::string& node) {
    size_t n = 0;
    for (const auto& t : All()) n += t.kind == kind && t.node_name == node ? 1 : 0;
    return n;
  }
  // The account.ensure on node: its mail_submission, the password opened with the node's key.
  std::optional<protocol::MailSubmissionSpec> Submission(const std::string& node,
                                                         std::string* password = nullptr) {
    const TaskRecord* t = Last("account.ensure", node);
    EXPECT_NE(t, nullptr);
    if (t == nullptr) return std::nullopt;
    auto spec = protocol::AccountSpecFromJson(t->spec);
    EXPECT_TRUE(spec.has_value()) << t->spec.dump();
    if (!spec || !spec->mail_submission) return std::nullopt;
    if (password != nullptr) {
      auto opened = keys_.at(node).Open(spec->mail_submission->password);
      EXPECT_TRUE(opened.has_value());
      *password = opened ? *opened : "";
    }
    return spec->mail_submission;
  }
  protocol::MailAccountSpec MailAccount(const std::string& node) {
    const TaskRecord* t = Last("mailaccount.ensure", node);
    EXPECT_NE(t, nullptr) << node;
    if (t == nullptr) return {};
    auto spec = protocol::MailAccountSpecFromJson(t->spec);
    EXPECT_TRUE(spec.has_value()) << t->spec.dump();
    return spec ? *spec : protocol::MailAccountSpec{};
  }
  void Prepare(std::optional<std::string> plan = std::nullopt) {
    AddNode("web1", {"web"}, 100, "", "", "192.0.2.80");
    AddNode("mx1", {"mail"}, 100, "", "", "192.0.2.10");
    Hello("web1", std::nullopt);
    Hello("mx1", Endpoint());
    AddCustomer("acme", std::move(plan));
    auto site = service_->sites().Create(kFleetAdmin, {"acme.example", "acme", {}, "8.2"});
    ASSERT_TRUE(site.has_value()) << site.error().message;
  }

  std::map<std::string, BoxKey> keys_;
  std::vector<TaskRecord> all_;
};

TEST_F(MailAccountTest, AnAccountWithoutAMailDomainHasNoWayOutAndNoAppLogin) {
  Prepare();
  EXPECT_FALSE(Submission("web1").has_value());
  EXPECT_EQ(Count("mailaccount.ensure", "mx1"), 0u);
}

TEST_F(MailAccountTest, ItsFirstMailDomainGivesPhpAnAppLoginOnItsMailNode) {
  PlanInput small{"small"};
  small.messages_per_hour = 40;
  ASSERT_TRUE(service_->plans().Create(kFleetAdmin, small).has_value());
  Prepare("small");
  auto box = service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", kPassword});
  ASSERT_TRUE(box.has_value()) << box.error().message;

  const protocol::MailAccountSpec account = MailAccount("mx1");
  EXPECT_EQ(account.account, "acme");
  EXPECT_EQ(account.messages_per_hour, 40);
  EXPECT_FALSE(account.unlimited_sending);
  EXPECT_EQ(account.sender_domains, std::vector<std::string>{"acme.example"});

  std::string password;
  auto submission = Submission("web1", &password);
  ASSERT_TRUE(submission.has_value());
  // The node announced no host: the mail node's address.
  EXPECT_EQ(submission->host, "192.0.2.10");
  EXPECT_EQ(submission->port, 587);
  EXPECT_EQ(submission->tls, "starttls");
  EXPECT_EQ(submission->tls_name, "mx.hostplane.internal");
  // Not info@: a mailbox's address is that mailbox's alone (the mail node's sender login map).
  EXPECT_EQ(submission->envelope_from, "noreply@acme.example");
  // The web node opens a password the mail node's hash accepts; nobody else reads it.
  EXPECT_TRUE(protocol::IsSubmissionPassword(password));
  EXPECT_TRUE(VerifyServicePassword(password, account.submission_password_hash));
  EXPECT_EQ(Last("account.ensure", "web1")->spec.dump().find(password), std::string::npos);
  EXPECT_FALSE(keys_.at("mx1").Open(submission->password).has_value());

  // A second mailbox changes nothing the nodes are told (the sealed password is not compared).
  const size_t ensures = Count("account.ensure", "web1");
  const size_t mail_ensures = Count("mailaccount.ensure", "mx1");
  ASSERT_TRUE(service_->mail().AddMailbox(kFleetAdmin, {"sales@acme.example", "acme", kPassword}));
  EXPECT_EQ(Count("account.ensure", "web1"), ensures);
  EXPECT_EQ(Count("mailaccount.ensure", "mx1"), mail_ensures);
}

TEST_F(MailAccountTest, TheLastMailDomainGoneTakesTheWayOutAndTheAppLoginWithIt) {
  Prepare();
  ASSERT_TRUE(service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", kPassword}));
  ASSERT_TRUE(Submission("web1").has_value());
  ASSERT_TRUE(service_->mail().RemoveMailbox(kFleetAdmin, "info@acme.example"));
  EXPECT_FALSE(Submission("web1").has_value());
  ASSERT_NE(Last("mailaccount.remove", "mx1"), nullptr);
}

TEST_F(MailAccountTest, PlanStatusAndDeletionReachTheMailNode) {
  Prepare();
  ASSERT_TRUE(service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", kPassword}));
  // The default plan's limit (the migration gives existing plans 100).
  EXPECT_EQ(MailAccount("mx1").messages_per_hour, 100);
  ASSERT_TRUE(service_->customers().Suspend(kFleetAdmin, "acme").has_value());
  EXPECT_EQ(MailAccount("mx1").status, "suspended");
  ASSERT_TRUE(service_->customers().Resume(kFleetAdmin, "acme").has_value());
  EXPECT_EQ(MailAccount("mx1").status, "active");
  ASSERT_TRUE(service_->customers().Delete(kFleetAdmin, "acme", true).has_value());
  ASSERT_NE(Last("mailaccount.remove", "mx1"), nullptr);
  auto left = store_->Read([&](StoreTxn& tx) -> Result<bool> {
    return service_->vault().Has(tx, "mail-submission/acme");
  });
  ASSERT_TRUE(left);
  EXPECT_FALSE(*left);
}

TEST_F(MailAccountTest, AMailNodeWithoutSubmissionGivesNoWayOutUntilItAnnouncesOne) {
  AddNode("web1", {"web"}, 100, "", "", "192.0.2.80");
  AddNode("mx1", {"mail"}, 100, "", "", "192.0.2.10");
  Hello("web1", std::nullopt);
  Hello("mx1", std::nullopt);
  AddCustomer("acme");
  ASSERT_TRUE(service_->sites().Create(kFleetAdmin, {"acme.example", "acme", {}, "8.2"}));
  ASSERT_TRUE(service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", kPassword}));
  EXPECT_FALSE(Submission("web1").has_value());
  // Its hello with an endpoint (its own address this time) gives the web node the way out.
  Hello("mx1", Endpoint("10.0.0.25"));
  auto submission = Submission("web1");
  ASSERT_TRUE(submission.has_value());
  EXPECT_EQ(submission->host, "10.0.0.25");
}

TEST_F(MailAccountTest, ANewWebNodeKeyReseals) {
  Prepare();
  ASSERT_TRUE(service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", kPassword}));
  keys_.erase("web1");
  Hello("web1", std::nullopt);  // a rebuilt web node: a new box key
  std::string password;
  ASSERT_TRUE(Submission("web1", &password).has_value());
  EXPECT_TRUE(protocol::IsSubmissionPassword(password));
}

TEST_F(MailAccountTest, ADrainedMailNodeMovesTheAppLoginAndTheWayOut) {
  Prepare();
  ASSERT_TRUE(service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", kPassword}));
  AddNode("mx2", {"mail"}, 100, "", "", "192.0.2.11");
  Hello("mx2", Endpoint());
  auto step = service_->drains().Drain(kFleetAdmin, "mx1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  CompleteCopy(step->tasks);
  EXPECT_EQ(MailAccount("mx2").sender_domains, std::vector<std::string>{"acme.example"});
  ASSERT_NE(Last("mailaccount.remove", "mx1"), nullptr);
  auto submission = Submission("web1");
  ASSERT_TRUE(submission.has_value());
  EXPECT_EQ(submission->host, "192.0.2.11");
}

TEST_F(MailAccountTest, APlanLimitOutOfRangeIsRefused) {
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{1'000'001}}) {
    PlanInput p{"bad"};
    p.messages_per_hour = bad;
    auto created = service_->plans().Create(kFleetAdmin, p);
    ASSERT_FALSE(created.has_value()) << bad;
    EXPECT_EQ(created.error().fields.at("limits.messages_per_hour"), "number.out_of_range");
  }
}

}  // namespace
}  // namespace hostplane::controller
