// The operations the panel lacked (issue 19), through the REST API with each actor's own token:
// retrying a failed task (POST /tasks/{id}/retry, /tasks/retry), a mailbox's password and quota
// (PATCH /mailboxes/{address}) and an FTP user's password (PATCH /ftp-users/{user}). Reseller A
// and its customer reach their own objects; reseller B and its customer get "not found" for them;
// malformed requests are refused per field; a refusal stores nothing and queues no task.

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "controller/api/api_test_env.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;
using testing::ApiEnv;

struct Answer {
  int status = 0;
  json body;
};

class OperationsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Call(admin_, "POST", "/api/v1/nodes",
                   {{"name", "web1"}, {"roles", {"web", "mail"}}, {"capacity", 1000}})
                  .status,
              201);
    ra_ = Reseller("rsla");
    rb_ = Reseller("rslb");
    acme_ = CustomerOf(ra_, "acme");
    bolt_ = CustomerOf(rb_, "bolt");
  }

  Answer Call(const std::string& token, const std::string& method, const std::string& path,
              const json& body = nullptr) {
    auto client = env_.Client(token);
    const std::string text = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "POST"    ? client->Post(path, text, "application/json")
                        : method == "PATCH" ? client->Patch(path, text, "application/json")
                                            : client->Get(path);
    Answer a;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no answer";
      return a;
    }
    a.status = r->status;
    a.body = json::parse(r->body, nullptr, false);
    return a;
  }

  // A token of login, bought with its password at the login door, as the panel and CLI do.
  std::string TokenOf(const std::string& login) {
    Answer a = Call("", "POST", "/api/v1/login/token",
                    {{"login", login}, {"password", "the long secret of " + login}});
    EXPECT_EQ(a.status, 201) << a.body.dump();
    return a.body.value("token", "");
  }

  std::string Reseller(const std::string& login) {
    Answer a = Call(admin_, "POST", "/api/v1/resellers",
                    {{"login", login},
                     {"email", login + "@resell.example"},
                     {"password", "the long secret of " + login},
                     {"limits", {{"customers", 5}, {"sites", {{"unlimited", true}}}}}});
    EXPECT_EQ(a.status, 201) << a.body.dump();
    json limits = json::object();
    for (const char* l :
         {"sites", "mailboxes", "forwarders", "ftp_users", "dns_zones", "databases", "disk_mb"}) {
      limits[l] = json{{"unlimited", true}};
    }
    limits["mailbox_quota_mb"] = 500;
    const std::string token = TokenOf(login);
    EXPECT_EQ(Call(token, "POST", "/api/v1/plans", {{"name", login + "-plan"}, {"limits", limits}})
                  .status,
              201);
    return token;
  }

  // A customer of the reseller with a site, a mailbox and an FTP user.
  std::string CustomerOf(const std::string& reseller, const std::string& login) {
    Answer c = Call(reseller, "POST", "/api/v1/customers",
                    {{"login", login},
                     {"email", "ops@" + login + ".example"},
                     {"plan", reseller == ra_ ? "rsla-plan" : "rslb-plan"},
                     {"password", "the long secret of " + login}});
    EXPECT_EQ(c.status, 201) << c.body.dump();
    const std::string domain = login + ".example";
    Answer site =
        Call(reseller, "POST", "/api/v1/sites", {{"domain", domain}, {"customer", login}});
    EXPECT_EQ(site.status, 201) << site.body.dump();
    site_tasks_[login] = site.body["tasks"];
    EXPECT_EQ(Call(reseller, "POST", "/api/v1/mailboxes",
                   {{"address", "info@" + domain},
                    {"customer", login},
                    {"password", "an old mailbox secret"}})
                  .status,
              201);
    Answer ftp =
        Call(reseller, "POST", "/api/v1/ftp-users",
             {{"user", login + "_web"}, {"customer", login}, {"password", "an old ftp secret"}});
    EXPECT_EQ(ftp.status, 201) << ftp.body.dump();
    ftp_task_[login] = ftp.body["tasks"].back()["id"];
    return TokenOf(login);
  }

  // The customer's site.ensure task, reported failed by the node as an agent would.
  int64_t FailedSiteTask(const std::string& login) {
    for (const auto& t : site_tasks_[login]) {
      if (t.value("object_key", "") != "site:" + login + ".example") continue;
      EXPECT_TRUE(env_.ReportResult("web1", t["id"], t["revision"], protocol::TaskOutcome::kFailed,
                                    "nginx: [emerg] forced"));
      return t["id"];
    }
    ADD_FAILURE() << "no site task of " << login;
    return 0;
  }

  size_t AuditEntries() {
    return Call(admin_, "GET", "/api/v1/audit?limit=1000").body["audit"].size();
  }
  size_t Tasks() { return Call(admin_, "GET", "/api/v1/tasks?limit=1000").body["tasks"].size(); }

  ApiEnv env_;
  std::string admin_ = env_.token();
  std::string ra_, rb_, acme_, bolt_;
  std::map<std::string, json> site_tasks_;
  std::map<std::string, int64_t> ftp_task_;  // the FTP user's ftpuser.ensure: pending
};

std::string FieldCode(const Answer& a, const std::string& field) {
  if (!a.body.is_object() || !a.body.contains("error")) return "";
  return a.body["error"]["fields"].value(field, "");
}

TEST_F(OperationsApi, AFailedTaskIsRetriedByItsOwnersAndNobodyElse) {
  const int64_t task = FailedSiteTask("acme");
  const std::string path = "/api/v1/tasks/" + std::to_string(task) + "/retry";
  const size_t audit = AuditEntries(), tasks = Tasks();
  for (const std::string* other : {&rb_, &bolt_}) {
    EXPECT_EQ(Call(*other, "POST", path).status, 404);
    EXPECT_EQ(Call(*other, "POST", "/api/v1/tasks/retry", {{"ids", {task}}}).status, 404);
  }
  EXPECT_EQ(AuditEntries(), audit);
  EXPECT_EQ(Tasks(), tasks);

  // The customer retries its own; its reseller and the admin then find the attempt queued.
  Answer mine = Call(acme_, "POST", path);
  ASSERT_EQ(mine.status, 202) << mine.body.dump();
  EXPECT_EQ(mine.body["retry_of"], task);
  EXPECT_TRUE(mine.body["queued"].get<bool>());
  EXPECT_EQ(mine.body["task"]["state"], "pending");
  ASSERT_EQ(mine.body["tasks"].size(), 1u);
  for (const std::string* again : {&ra_, &admin_}) {
    Answer a = Call(*again, "POST", path);
    EXPECT_EQ(a.status, 200) << a.body.dump();
    EXPECT_FALSE(a.body["queued"].get<bool>());
    EXPECT_EQ(a.body["task"]["id"], mine.body["task"]["id"]);
  }
  EXPECT_EQ(Tasks(), tasks + 1);

  // Bulk, by the reseller: bolt's task among its customer's is "not found" for all.
  const int64_t bolt_task = FailedSiteTask("bolt");
  EXPECT_EQ(Call(ra_, "POST", "/api/v1/tasks/retry", {{"ids", {task, bolt_task}}}).status, 404);
  Answer bulk = Call(rb_, "POST", "/api/v1/tasks/retry", {{"ids", {bolt_task}}});
  ASSERT_EQ(bulk.status, 202) << bulk.body.dump();
  EXPECT_EQ(bulk.body["retries"][0]["retry_of"], bolt_task);
}

TEST_F(OperationsApi, MalformedRetriesAreRefusedPerField) {
  const int64_t task = FailedSiteTask("acme");
  const size_t audit = AuditEntries(), tasks = Tasks();
  EXPECT_EQ(FieldCode(Call(acme_, "POST", "/api/v1/tasks/0/retry"), "id"), "number.out_of_range");
  EXPECT_EQ(FieldCode(Call(acme_, "POST", "/api/v1/tasks/retry", {{"ids", {task, "7"}}}), "ids[1]"),
            "field.type");
  EXPECT_EQ(FieldCode(Call(acme_, "POST", "/api/v1/tasks/retry", {{"ids", json::array()}}), "ids"),
            "ids.empty");
  EXPECT_EQ(FieldCode(Call(acme_, "POST", "/api/v1/tasks/retry", json::object()), "ids"),
            "field.required");
  EXPECT_EQ(FieldCode(Call(acme_, "POST", "/api/v1/tasks/" + std::to_string(task) + "/retry",
                           {{"force", true}}),
                      "force"),
            "field.unknown");
  // The FTP user's task is pending, not failed.
  Answer pending = Call(acme_, "POST", "/api/v1/tasks/retry", {{"ids", {task, ftp_task_["acme"]}}});
  EXPECT_EQ(pending.status, 409) << pending.body.dump();
  EXPECT_EQ(FieldCode(pending, "ids[1]"), "task.not_failed") << pending.body.dump();
  EXPECT_EQ(AuditEntries(), audit);
  EXPECT_EQ(Tasks(), tasks);
}

TEST_F(OperationsApi, MailboxAndFtpPasswordsAreChangedByTheirOwnersOnly) {
  const size_t audit = AuditEntries(), tasks = Tasks();
  const json password = {{"password", "a brand new secret"}};
  for (const std::string* other : {&rb_, &bolt_}) {
    EXPECT_EQ(Call(*other, "PATCH", "/api/v1/mailboxes/info@acme.example", password).status, 404);
    EXPECT_EQ(Call(*other, "PATCH", "/api/v1/ftp-users/acme_web", password).status, 404);
  }
  // Malformed: per field, nothing written.
  const std::string box = "/api/v1/mailboxes/info@acme.example";
  EXPECT_EQ(FieldCode(Call(acme_, "PATCH", box, json::object()), "body"), "patch.empty");
  EXPECT_EQ(FieldCode(Call(acme_, "PATCH", box, {{"password", 5}}), "password"), "field.type");
  EXPECT_EQ(FieldCode(Call(acme_, "PATCH", box, {{"quota", 5}}), "quota"), "field.unknown");
  EXPECT_EQ(FieldCode(Call(acme_, "PATCH", box, {{"quota_mb", 501}}), "quota_mb"),
            "plan.mailbox_quota_limit");
  EXPECT_EQ(
      FieldCode(Call(acme_, "PATCH", "/api/v1/ftp-users/acme_web", json::object()), "password"),
      "field.required");
  EXPECT_EQ(FieldCode(Call(acme_, "PATCH", "/api/v1/ftp-users/acme_web", {{"password", "short"}}),
                      "password"),
            "password.too_short");
  EXPECT_EQ(AuditEntries(), audit);
  EXPECT_EQ(Tasks(), tasks);

  Answer mine = Call(acme_, "PATCH", box, {{"password", "a brand new secret"}, {"quota_mb", 100}});
  ASSERT_EQ(mine.status, 202) << mine.body.dump();
  EXPECT_EQ(mine.body["mailbox"]["quota_mb"], 100);
  EXPECT_FALSE(mine.body["mailbox"].contains("password_hash"));
  EXPECT_EQ(mine.body["tasks"].size(), 1u);
  Answer by_reseller = Call(ra_, "PATCH", "/api/v1/ftp-users/acme_web", password);
  ASSERT_EQ(by_reseller.status, 202) << by_reseller.body.dump();
  EXPECT_EQ(by_reseller.body["tasks"][0]["kind"], "ftpuser.ensure");
  EXPECT_EQ(Tasks(), tasks + 2);
}

}  // namespace
}  // namespace hostplane::controller
