// Resellers and customers' users through the REST API, each actor with its own token: the
// company's staff create, change, suspend and delete resellers; a reseller makes a plan and a
// customer of its own, suspends it, and cannot see or touch another reseller's; a customer makes
// a user limited to one site, who sees only that site; refused writes store nothing and queue no
// task.

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "controller/api/api_test_env.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;
using testing::ApiEnv;

struct Answer {
  int status = 0;
  json body;
  std::string raw;
};

Answer Parse(const httplib::Result& r) {
  Answer a;
  if (!r) {
    ADD_FAILURE() << "no HTTP answer: " << httplib::to_string(r.error());
    return a;
  }
  a.status = r->status;
  a.raw = r->body;
  a.body = json::parse(r->body, nullptr, false);
  return a;
}

std::string FieldCode(const Answer& a, const std::string& field) {
  if (!a.body.is_object() || !a.body.contains("error")) return "";
  return a.body["error"]["fields"].value(field, "");
}

class ResellerApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Post(admin_, "/api/v1/nodes",
                   {{"name", "web1"}, {"roles", {"web", "mail"}}, {"capacity", 1000}})
                  .status,
              201);
    ra_ = AddReseller("rsla", 2);
    rb_ = AddReseller("rslb", 5);
    support_ = CompanyToken("support");
  }

  // The reseller (its login with a password) and a token of that login with the given scopes.
  std::string AddReseller(const std::string& login, int64_t max_customers,
                          const json& scopes = {"admin"}) {
    Answer a = Post(admin_, "/api/v1/resellers",
                    {{"login", login},
                     {"email", login + "@resell.example"},
                     {"password", "a long enough secret " + login},
                     {"limits", {{"customers", max_customers}, {"sites", {{"unlimited", true}}}}}});
    EXPECT_EQ(a.status, 201) << a.raw;
    return UserToken(login, scopes.get<std::vector<std::string>>());
  }

  std::string UserToken(const std::string& login, std::vector<std::string> scopes) {
    std::string token = NewApiToken();
    EXPECT_TRUE(env_.store().Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(auto user, tx.users().FindByLogin(login));
      if (!user) return Fail(Error::NotFound(login));
      ApiToken t;
      t.name = login + "-cli";
      t.role = user->role;
      t.user_id = user->id;
      t.scopes = std::move(scopes);
      HP_TRY(tx.tokens().Insert(t, HashApiToken(token)));
      return Ok();
    }));
    return token;
  }

  std::string CompanyToken(const std::string& role) {
    std::string token = NewApiToken();
    EXPECT_TRUE(env_.store().Write([&](StoreTxn& tx) -> Status {
      HP_TRY(tx.tokens().Insert(role + "-token", HashApiToken(token), role));
      return Ok();
    }));
    return token;
  }

  Answer Get(const std::string& token, const std::string& path) {
    return Parse(env_.Client(token)->Get(path.c_str()));
  }
  Answer Post(const std::string& token, const std::string& path,
              const json& body = json::object()) {
    return Parse(env_.Client(token)->Post(path.c_str(), body.dump(), "application/json"));
  }
  Answer Patch(const std::string& token, const std::string& path, const json& body) {
    return Parse(env_.Client(token)->Patch(path.c_str(), body.dump(), "application/json"));
  }
  Answer Delete(const std::string& token, const std::string& path) {
    return Parse(env_.Client(token)->Delete(path.c_str()));
  }

  // Every task queued so far and the audit entries, as the admin sees them.
  size_t Tasks() { return Get(admin_, "/api/v1/tasks?limit=1000").body["tasks"].size(); }
  size_t AuditEntries() { return Get(admin_, "/api/v1/audit?limit=1000").body["audit"].size(); }

  void AddCustomerOf(const std::string& token, const std::string& login, const std::string& plan) {
    Answer a = Post(token, "/api/v1/customers",
                    {{"login", login}, {"email", "ops@" + login + ".example"}, {"plan", plan}});
    ASSERT_EQ(a.status, 201) << a.raw;
  }

  void AddPlanOf(const std::string& token, const std::string& name) {
    json limits = json::object();
    for (const char* l : {"sites", "mailboxes", "mailbox_quota_mb", "forwarders", "ftp_users",
                          "dns_zones", "databases", "disk_mb"}) {
      limits[l] = json{{"unlimited", true}};
    }
    limits["sites"] = 3;
    Answer a = Post(token, "/api/v1/plans", {{"name", name}, {"limits", limits}});
    ASSERT_EQ(a.status, 201) << a.raw;
  }

  ApiEnv env_;
  std::string admin_ = env_.token();
  std::string ra_, rb_, support_;
};

TEST_F(ResellerApi, AResellerCreatesAndSuspendsItsOwnCustomerAndCannotTouchAnothers) {
  AddPlanOf(ra_, "ra-basic");
  AddPlanOf(rb_, "rb-basic");
  AddCustomerOf(ra_, "acme", "ra-basic");
  AddCustomerOf(rb_, "bolt", "rb-basic");
  Answer site = Post(ra_, "/api/v1/sites", {{"domain", "acme.example"}, {"customer", "acme"}});
  ASSERT_EQ(site.status, 201) << site.raw;
  // Another reseller's plan is not the reseller's to give.
  Answer foreign =
      Post(ra_, "/api/v1/customers",
           {{"login", "cirrus"}, {"email", "ops@cirrus.example"}, {"plan", "rb-basic"}});
  EXPECT_EQ(foreign.status, 422) << foreign.raw;
  EXPECT_EQ(FieldCode(foreign, "plan"), "plan.unknown");

  // Its lists hold its own only.
  Answer mine = Get(ra_, "/api/v1/customers");
  ASSERT_EQ(mine.status, 200) << mine.raw;
  ASSERT_EQ(mine.body["customers"].size(), 1u) << mine.raw;
  EXPECT_EQ(mine.body["customers"][0]["login"], "acme");
  // It reads its own reseller record, but lists no resellers.
  EXPECT_EQ(Get(ra_, "/api/v1/resellers").status, 403);
  EXPECT_EQ(Get(ra_, "/api/v1/resellers/rsla").status, 200);

  // Another reseller's customer and record answer as missing ones, and nothing changes.
  const size_t tasks = Tasks(), audit = AuditEntries();
  EXPECT_EQ(Get(ra_, "/api/v1/customers/bolt").status, 404);
  EXPECT_EQ(Get(ra_, "/api/v1/customers/nosuch").status, 404);
  EXPECT_EQ(Post(ra_, "/api/v1/customers/bolt/suspend").status, 404);
  EXPECT_EQ(Delete(ra_, "/api/v1/customers/bolt").status, 404);
  EXPECT_EQ(Get(ra_, "/api/v1/resellers/rslb").status, 404);
  EXPECT_EQ(Post(ra_, "/api/v1/resellers/rslb/suspend").status, 404);
  // Its own record is read-only to it; resellers are the company's to make.
  EXPECT_EQ(Post(ra_, "/api/v1/resellers/rsla/suspend").status, 404);
  EXPECT_EQ(Patch(ra_, "/api/v1/resellers/rsla", {{"limits", {{"customers", 100}}}}).status, 404);
  EXPECT_EQ(Post(ra_, "/api/v1/resellers",
                 {{"login", "rslc"},
                  {"email", "rslc@x.example"},
                  {"limits", {{"customers", 1}, {"sites", 1}}}})
                .status,
            403);
  EXPECT_EQ(Tasks(), tasks);
  EXPECT_EQ(AuditEntries(), audit);
  EXPECT_EQ(Get(admin_, "/api/v1/customers/bolt").body["customer"]["status"], "active");

  // Its own customer it suspends: the customer's services are re-sent with the new status.
  Answer suspended = Post(ra_, "/api/v1/customers/acme/suspend");
  ASSERT_EQ(suspended.status, 202) << suspended.raw;
  EXPECT_EQ(suspended.body["customer"]["status"], "suspended");
  EXPECT_GT(suspended.body["change_id"].get<int64_t>(), 0);
  EXPECT_FALSE(suspended.body["tasks"].empty()) << suspended.raw;
  EXPECT_EQ(Get(ra_, "/api/v1/customers/acme").body["customer"]["status"], "suspended");
  EXPECT_EQ(Get(admin_, "/api/v1/customers/bolt").body["customer"]["status"], "active");
}

TEST_F(ResellerApi, ResellerLimitsHoldAndAreStaffsToChange) {
  AddPlanOf(ra_, "ra-basic");
  AddCustomerOf(ra_, "acme", "ra-basic");
  AddCustomerOf(ra_, "bolt", "ra-basic");
  Answer over = Post(ra_, "/api/v1/customers",
                     {{"login", "cirrus"}, {"email", "ops@cirrus.example"}, {"plan", "ra-basic"}});
  EXPECT_EQ(over.status, 409) << over.raw;
  EXPECT_EQ(FieldCode(over, "login"), "reseller.customers_limit") << over.raw;

  // A limit below what exists is refused; support may read resellers but not change them.
  Answer below = Patch(admin_, "/api/v1/resellers/rsla", {{"limits", {{"customers", 1}}}});
  EXPECT_EQ(below.status, 409) << below.raw;
  EXPECT_EQ(FieldCode(below, "limits.customers"), "reseller.below_usage");
  EXPECT_EQ(Patch(support_, "/api/v1/resellers/rsla", {{"limits", {{"customers", 3}}}}).status,
            404);
  EXPECT_EQ(Get(support_, "/api/v1/resellers").body["resellers"].size(), 2u);
  Answer raised = Patch(admin_, "/api/v1/resellers/rsla", {{"limits", {{"customers", 3}}}});
  ASSERT_EQ(raised.status, 200) << raised.raw;
  EXPECT_EQ(raised.body["reseller"]["limits"]["customers"], 3);
  EXPECT_EQ(raised.body["reseller"]["limits"]["sites"], json({{"unlimited", true}}));
  AddCustomerOf(ra_, "cirrus", "ra-basic");
}

TEST_F(ResellerApi, BadInputIsRefusedPerFieldAndStoresNothing) {
  const size_t audit = AuditEntries();
  Answer a = Post(admin_, "/api/v1/resellers",
                  {{"login", "9bad"},
                   {"email", "nope"},
                   {"password", "short"},
                   {"overselling", "yes"},
                   {"limits", {{"customers", -1}, {"sites", {{"unlimited", false}}}}}});
  ASSERT_EQ(a.status, 422) << a.raw;
  EXPECT_EQ(FieldCode(a, "overselling"), "field.type") << a.raw;
  EXPECT_EQ(FieldCode(a, "limits.sites"), "field.type") << a.raw;
  Answer b = Post(admin_, "/api/v1/resellers",
                  {{"login", "9bad"},
                   {"email", "nope"},
                   {"password", "short"},
                   {"limits", {{"customers", -1}, {"sites", 1}}}});
  ASSERT_EQ(b.status, 422) << b.raw;
  EXPECT_EQ(FieldCode(b, "login"), "login.starts_with_digit") << b.raw;
  EXPECT_EQ(FieldCode(b, "email"), "email.invalid") << b.raw;
  EXPECT_EQ(FieldCode(b, "password"), "password.too_short") << b.raw;
  EXPECT_EQ(FieldCode(b, "limits.customers"), "number.out_of_range") << b.raw;
  Answer missing =
      Post(admin_, "/api/v1/resellers", {{"login", "rslc"}, {"email", "rslc@x.example"}});
  ASSERT_EQ(missing.status, 422) << missing.raw;
  EXPECT_EQ(FieldCode(missing, "limits"), "field.required") << missing.raw;
  // One login namespace: a customer's login is taken for a reseller too.
  AddPlanOf(ra_, "ra-basic");
  AddCustomerOf(ra_, "acme", "ra-basic");
  Answer taken = Post(
      admin_, "/api/v1/resellers",
      {{"login", "acme"}, {"email", "x@x.example"}, {"limits", {{"customers", 1}, {"sites", 1}}}});
  EXPECT_EQ(taken.status, 409) << taken.raw;
  EXPECT_EQ(FieldCode(taken, "login"), "login.taken");
  EXPECT_EQ(Get(admin_, "/api/v1/resellers").body["resellers"].size(), 2u);
  Answer page = Get(admin_, "/api/v1/resellers?limit=1");
  ASSERT_EQ(page.body["resellers"].size(), 1u) << page.raw;
  Answer next = Get(admin_, "/api/v1/resellers?limit=1&after=" + page.body["next_after"].dump());
  ASSERT_EQ(next.body["resellers"].size(), 1u) << next.raw;
  EXPECT_EQ(next.body["resellers"][0]["login"], "rslb");
  // Two audit entries for the plan and the customer; none for the refusals.
  EXPECT_EQ(AuditEntries(), audit + 2);
}

TEST_F(ResellerApi, SuspendingAResellerSuspendsItsCustomersAndDeleteNeedsThemGone) {
  AddPlanOf(ra_, "ra-basic");
  AddCustomerOf(ra_, "acme", "ra-basic");
  AddCustomerOf(ra_, "bolt", "ra-basic");
  ASSERT_EQ(Post(ra_, "/api/v1/sites", {{"domain", "acme.example"}, {"customer", "acme"}}).status,
            201);
  Answer s = Post(admin_, "/api/v1/resellers/rsla/suspend");
  ASSERT_EQ(s.status, 202) << s.raw;
  EXPECT_EQ(s.body["reseller"]["status"], "suspended");
  for (const char* c : {"acme", "bolt"}) {
    EXPECT_EQ(Get(admin_, std::string("/api/v1/customers/") + c).body["customer"]["status"],
              "suspended");
  }
  ASSERT_EQ(Post(admin_, "/api/v1/resellers/rsla/resume").status, 202);
  EXPECT_EQ(Get(admin_, "/api/v1/customers/acme").body["customer"]["status"], "active");

  const size_t tasks = Tasks();
  Answer refused = Delete(admin_, "/api/v1/resellers/rsla");
  EXPECT_EQ(refused.status, 409) << refused.raw;
  EXPECT_EQ(FieldCode(refused, "reseller"), "reseller.has_customers");
  EXPECT_EQ(Tasks(), tasks);
  EXPECT_EQ(Delete(support_, "/api/v1/resellers/rsla?with_customers=true").status, 404);
  Answer gone = Delete(admin_, "/api/v1/resellers/rsla?with_customers=true");
  ASSERT_EQ(gone.status, 202) << gone.raw;
  EXPECT_GT(Tasks(), tasks);  // the customers' accounts are removed from the node
  EXPECT_EQ(Get(admin_, "/api/v1/resellers/rsla").status, 404);
  EXPECT_EQ(Get(admin_, "/api/v1/customers/acme").status, 404);
  EXPECT_EQ(Get(admin_, "/api/v1/plans/ra-basic").status, 404);
  // Its login's tokens went with it.
  EXPECT_EQ(Get(ra_, "/api/v1/customers").status, 401);
  EXPECT_EQ(Get(admin_, "/api/v1/resellers").body["resellers"].size(), 1u);
}

TEST_F(ResellerApi, ACustomersLimitedUserSeesOnlyItsGrantsAndOthersCannotReachIt) {
  AddPlanOf(ra_, "ra-basic");
  AddPlanOf(rb_, "rb-basic");
  Answer acme = Post(ra_, "/api/v1/customers",
                     {{"login", "acme"},
                      {"email", "ops@acme.example"},
                      {"plan", "ra-basic"},
                      {"password", "the acme owner's long secret"}});
  ASSERT_EQ(acme.status, 201) << acme.raw;
  AddCustomerOf(rb_, "bolt", "rb-basic");
  for (const auto& [token, domain, customer] :
       {std::tuple{ra_, "acme.example", "acme"}, std::tuple{ra_, "acme-shop.example", "acme"},
        std::tuple{rb_, "bolt.example", "bolt"}}) {
    Answer site = Post(token, "/api/v1/sites", {{"domain", domain}, {"customer", customer}});
    ASSERT_EQ(site.status, 201) << site.raw;
  }
  const std::string owner = UserToken("acme", {"admin"});

  // A grant must name one of the customer's own sites; nothing is stored otherwise.
  const size_t audit = AuditEntries();
  Answer foreign = Post(owner, "/api/v1/users",
                        {{"login", "designer"},
                         {"email", "d@studio.example"},
                         {"sites", {"acme.example", "bolt.example"}}});
  ASSERT_EQ(foreign.status, 422) << foreign.raw;
  EXPECT_EQ(FieldCode(foreign, "sites[1]"), "grant.not_found") << foreign.raw;
  EXPECT_EQ(FieldCode(foreign, "sites[0]"), "") << foreign.raw;
  Answer both = Post(owner, "/api/v1/users",
                     {{"login", "designer"},
                      {"email", "d@studio.example"},
                      {"full_access", true},
                      {"sites", {"acme.example"}}});
  EXPECT_EQ(FieldCode(both, "sites"), "grant.with_full_access") << both.raw;
  EXPECT_EQ(AuditEntries(), audit);

  Answer made = Post(owner, "/api/v1/users",
                     {{"login", "designer"},
                      {"email", "d@studio.example"},
                      {"password", "the designer's long secret"},
                      {"sites", {"acme.example"}}});
  ASSERT_EQ(made.status, 201) << made.raw;
  EXPECT_EQ(made.body["user"]["role"], "customer_user");
  EXPECT_EQ(made.body["user"]["full_access"], false);
  EXPECT_EQ(made.body["user"]["sites"], json({"acme.example"}));
  EXPECT_FALSE(made.body["user"].contains("password_hash"));

  // The designer sees the one site granted, nothing else of the customer's.
  const std::string designer = UserToken("designer", {"admin"});
  Answer sites = Get(designer, "/api/v1/sites");
  ASSERT_EQ(sites.status, 200) << sites.raw;
  ASSERT_EQ(sites.body["sites"].size(), 1u) << sites.raw;
  EXPECT_EQ(sites.body["sites"][0]["domain"], "acme.example");
  EXPECT_EQ(Get(designer, "/api/v1/sites/acme.example").status, 200);
  EXPECT_EQ(Get(designer, "/api/v1/sites/acme-shop.example").status, 404);
  // A limited user manages no users (refused at the collection: 403).
  EXPECT_EQ(Get(designer, "/api/v1/users?customer=acme").status, 403);
  EXPECT_EQ(Post(designer, "/api/v1/users",
                 {{"login", "intern"}, {"email", "i@studio.example"}, {"customer", "acme"}})
                .status,
            403);

  // Its reseller sees the customer's logins; the other reseller cannot reach them.
  Answer listed = Get(ra_, "/api/v1/users?customer=acme");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  ASSERT_EQ(listed.body["users"].size(), 2u) << listed.raw;
  EXPECT_EQ(listed.body["users"][1]["sites"], json({"acme.example"}));
  EXPECT_EQ(Get(ra_, "/api/v1/users/designer").status, 200);
  EXPECT_EQ(Get(rb_, "/api/v1/users?customer=acme").status, 404);
  EXPECT_EQ(Get(rb_, "/api/v1/users/designer").status, 404);
  EXPECT_EQ(Delete(rb_, "/api/v1/users/designer").status, 404);
  EXPECT_EQ(Post(rb_, "/api/v1/users",
                 {{"login", "intern"}, {"email", "i@studio.example"}, {"customer", "acme"}})
                .status,
            404);
  EXPECT_EQ(AuditEntries(), audit + 1);

  // The customer's own login goes only with the customer; its user goes with its token.
  EXPECT_EQ(Delete(owner, "/api/v1/users/acme").status, 404);
  Answer gone = Delete(owner, "/api/v1/users/designer");
  ASSERT_EQ(gone.status, 200) << gone.raw;
  EXPECT_EQ(Get(designer, "/api/v1/sites").status, 401);
  EXPECT_EQ(Get(ra_, "/api/v1/users?customer=acme").body["users"].size(), 1u);
}

TEST_F(ResellerApi, OnlyAnAdministratorMakesStaffLoginsAndTheyBelongToNoCustomer) {
  const json support_login = {{"login", "sam"},
                              {"email", "sam@hosting.example"},
                              {"password", "a long enough secret sam"},
                              {"role", "support"}};
  const size_t audit_before = AuditEntries();
  // Below staff, and support itself, make no staff: refused, nothing stored.
  for (const std::string* token : {&ra_, &support_}) {
    Answer refused = Post(*token, "/api/v1/users", support_login);
    EXPECT_EQ(refused.status, 403) << refused.raw;
    EXPECT_EQ(FieldCode(refused, "role"), "role.not_allowed") << refused.raw;
  }
  Answer unknown = Post(admin_, "/api/v1/users",
                        {{"login", "sam"}, {"email", "sam@hosting.example"}, {"role", "root"}});
  EXPECT_EQ(unknown.status, 422) << unknown.raw;
  EXPECT_EQ(FieldCode(unknown, "role"), "role.invalid");
  Answer with_customer = Post(admin_, "/api/v1/users",
                              {{"login", "sam"},
                               {"email", "sam@hosting.example"},
                               {"role", "admin"},
                               {"customer", "acme"},
                               {"full_access", true}});
  EXPECT_EQ(with_customer.status, 422) << with_customer.raw;
  EXPECT_EQ(FieldCode(with_customer, "customer"), "field.not_allowed");
  EXPECT_EQ(FieldCode(with_customer, "full_access"), "field.not_allowed");
  EXPECT_EQ(AuditEntries(), audit_before);
  EXPECT_EQ(Get(admin_, "/api/v1/users/sam").status, 404);

  Answer made = Post(admin_, "/api/v1/users", support_login);
  ASSERT_EQ(made.status, 201) << made.raw;
  EXPECT_EQ(made.body["user"]["role"], "support");
  EXPECT_FALSE(made.body["user"].contains("customer_id") &&
               !made.body["user"]["customer_id"].is_null());
  // The new support login works as support: it reads the resellers, and makes no admin.
  std::string sam = UserToken("sam", {"admin"});
  EXPECT_EQ(Get(sam, "/api/v1/resellers").status, 200);
  Answer escalate = Post(sam, "/api/v1/users",
                         {{"login", "eve"}, {"email", "eve@hosting.example"}, {"role", "admin"}});
  EXPECT_EQ(escalate.status, 403) << escalate.raw;
  EXPECT_EQ(FieldCode(escalate, "role"), "role.not_allowed");
}

}  // namespace
}  // namespace hostplane::controller

namespace hostplane::controller {
namespace {

// Every service list pages (?after=&limit=, next_after) and searches (?q=) on the server, in the
// query's scope: a customer's pages and searches never hold another customer's rows, a reseller's
// never another reseller's; bad parameters are refused field by field.
TEST_F(ResellerApi, ServiceListsPageAndSearchInTheirScope) {
  ASSERT_EQ(Post(admin_, "/api/v1/nodes", {{"name", "db1"}, {"roles", {"db"}}, {"capacity", 1000}})
                .status,
            201);
  AddPlanOf(ra_, "ra-basic");
  AddPlanOf(rb_, "rb-basic");
  Answer acme = Post(ra_, "/api/v1/customers",
                     {{"login", "acme"},
                      {"email", "ops@acme.example"},
                      {"plan", "ra-basic"},
                      {"password", "the acme owner's long secret"}});
  ASSERT_EQ(acme.status, 201) << acme.raw;
  AddCustomerOf(rb_, "bolt", "rb-basic");
  // bolt's database has "acme" in its name, and is made between acme's, so the ids interleave.
  for (const auto& [token, name, customer] :
       {std::tuple{ra_, "acme_db1", "acme"}, std::tuple{rb_, "bolt_acme", "bolt"},
        std::tuple{ra_, "acme_db2", "acme"}, std::tuple{ra_, "acme_db3", "acme"}}) {
    Answer a = Post(token, "/api/v1/databases",
                    {{"name", name}, {"customer", customer}, {"password", "Db-passw0rd-list"}});
    ASSERT_EQ(a.status, 201) << a.raw;
  }
  const std::string owner = UserToken("acme", {"admin"});

  // acme's owner pages through its three databases, two at a time.
  Answer first = Get(owner, "/api/v1/databases?limit=2");
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["databases"].size(), 2u) << first.raw;
  ASSERT_TRUE(first.body["next_after"].is_number_integer()) << first.raw;
  EXPECT_EQ(first.body["next_after"], first.body["databases"][1]["id"]);
  Answer second = Get(owner, "/api/v1/databases?limit=2&after=" + first.body["next_after"].dump());
  ASSERT_EQ(second.status, 200) << second.raw;
  ASSERT_EQ(second.body["databases"].size(), 1u) << second.raw;
  EXPECT_EQ(second.body["databases"][0]["name"], "acme_db3");
  EXPECT_TRUE(second.body["next_after"].is_null()) << second.raw;

  // A search matches inside the scope only; its _ is an underscore, not a wildcard.
  auto names = [&](const std::string& token, const std::string& path) {
    std::vector<std::string> out;
    Answer a = Get(token, path);
    EXPECT_EQ(a.status, 200) << path << ": " << a.raw;
    for (const auto& d : a.body.value("databases", json::array())) out.push_back(d["name"]);
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(owner, "/api/v1/databases?q=acme"), (Names{"acme_db1", "acme_db2", "acme_db3"}));
  EXPECT_EQ(names(owner, "/api/v1/databases?q=ACME_DB2"), Names{"acme_db2"});
  EXPECT_EQ(names(owner, "/api/v1/databases?q=e_d"), (Names{"acme_db1", "acme_db2", "acme_db3"}));
  EXPECT_EQ(names(owner, "/api/v1/databases?q=edb"), Names{});
  EXPECT_EQ(names(owner, "/api/v1/databases?q=bolt"), Names{});
  EXPECT_EQ(names(rb_, "/api/v1/databases?q=acme"), Names{"bolt_acme"});
  EXPECT_EQ(names(ra_, "/api/v1/databases?q=acme&limit=1&after=" +
                           first.body["databases"][0]["id"].dump()),
            Names{"acme_db2"});
  EXPECT_EQ(names(admin_, "/api/v1/databases?q=acme").size(), 4u);
  // Customers and sites search too, in scope.
  EXPECT_EQ(Get(ra_, "/api/v1/customers?q=bolt").body["customers"].size(), 0u);
  EXPECT_EQ(Get(rb_, "/api/v1/customers?q=bolt").body["customers"].size(), 1u);

  // Every list route answers a page with next_after, and refuses bad parameters by field.
  for (const std::string path :
       {"/api/v1/mailboxes", "/api/v1/forwarders", "/api/v1/ftp-users", "/api/v1/databases",
        "/api/v1/zones", "/api/v1/zones/acme.example/records", "/api/v1/certificates",
        "/api/v1/customers", "/api/v1/sites"}) {
    Answer ok = Get(owner, path + "?limit=1&q=a");
    ASSERT_EQ(ok.status, 200) << path << ": " << ok.raw;
    EXPECT_TRUE(ok.body.contains("next_after")) << path << ": " << ok.raw;
    Answer zero = Get(owner, path + "?limit=0");
    EXPECT_EQ(zero.status, 422) << path;
    EXPECT_EQ(FieldCode(zero, "limit"), "limit.out_of_range") << path << ": " << zero.raw;
    EXPECT_EQ(FieldCode(Get(owner, path + "?limit=1001"), "limit"), "limit.out_of_range") << path;
    EXPECT_EQ(FieldCode(Get(owner, path + "?after=-1"), "after"), "after.invalid") << path;
    EXPECT_EQ(FieldCode(Get(owner, path + "?after=abc"), "after"), "after.invalid") << path;
    EXPECT_EQ(FieldCode(Get(owner, path + "?q=" + std::string(254, 'a')), "q"), "q.too_long")
        << path;
    EXPECT_EQ(FieldCode(Get(owner, path + "?sort=name"), "sort"), "field.unknown") << path;
  }
}

}  // namespace
}  // namespace hostplane::controller
