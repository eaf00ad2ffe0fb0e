// "Log in as" over the real HTTP front and store (label auth): a reseller acts for its own
// customer (the session answer says so, requests are the customer's and no more), not for another
// reseller's customer (404, as an unknown login), not sideways or upward; a customer acts for
// nobody; a change made while acting is audited under both names; stopping gives the person's
// own session back, each step with a new session id.

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "controller/auth/password_hasher.h"
#include "login_fixture.h"

namespace hostplane::controller {
namespace {

class ActingAs : public LoginFixture {
 protected:
  void SetUp() override {
    LoginFixture::SetUp();
    AddReseller("rsla");
    AddReseller("rslb");
    ra_ = Session("rsla", ResellerPassword("rsla"));
    rb_ = Session("rslb", ResellerPassword("rslb"));
    // Customers with a password: a customer has a login (one to act as) only with one.
    AddCustomerOf(ra_, "rsla", "acust");
    AddCustomerOf(rb_, "rslb", "bcust");
  }

  static std::string ResellerPassword(const std::string& login) {
    return "a long enough secret " + login;
  }

  void AddReseller(const std::string& login) {
    Answer a = Admin("POST", "/api/v1/resellers",
                     {{"login", login},
                      {"email", login + "@resell.example"},
                      {"password", ResellerPassword(login)},
                      {"limits", {{"customers", 5}, {"sites", {{"unlimited", true}}}}}});
    ASSERT_EQ(a.status, 201) << a.raw;
  }

  // A plan's body as a reseller makes one.
  static json PlanBody(const std::string& name) {
    json limits = json::object();
    for (const char* l : {"sites", "mailboxes", "mailbox_quota_mb", "forwarders", "ftp_users",
                          "dns_zones", "databases", "disk_mb"}) {
      limits[l] = json{{"unlimited", true}};
    }
    limits["sites"] = 3;
    return {{"name", name}, {"limits", limits}};
  }

  void AddCustomerOf(const Browser& reseller, const std::string& reseller_login,
                     const std::string& login) {
    const std::string plan = reseller_login + "-plan";
    Answer p = AsBrowser(reseller, "POST", "/api/v1/plans", PlanBody(plan));
    ASSERT_EQ(p.status, 201) << p.raw;
    Answer c = AsBrowser(reseller, "POST", "/api/v1/customers",
                         {{"login", login},
                          {"email", "ops@" + login + ".example"},
                          {"plan", plan},
                          {"password", kPassword}});
    ASSERT_EQ(c.status, 201) << c.raw;
  }

  // Begins acting; on success the browser carries the new session (cookie and CSRF token).
  Answer ActAs(Browser& b, const std::string& login) {
    Answer a = AsBrowser(b, "POST", "/api/v1/sessions/current/acting-as", {{"login", login}});
    if (a.status == 200) b = {CookiePair(a.set_cookie), a.body["session"].value("csrf_token", "")};
    return a;
  }

  Browser ra_, rb_;
};

TEST_F(ActingAs, AResellerActsForItsOwnCustomerWithTheCustomersRightsAndStops) {
  const Browser before = ra_;
  Answer acting = ActAs(ra_, "acust");
  ASSERT_EQ(acting.status, 200) << acting.raw;
  const json& s = acting.body["session"];
  EXPECT_EQ(s["person"]["login"], "rsla");
  EXPECT_EQ(s["acting_as"]["login"], "acust");
  EXPECT_EQ(s["acting_as"]["role"], "customer");
  EXPECT_FALSE(s["acting_as"].value("until", "").empty());
  // A new session id: the old cookie is gone.
  EXPECT_NE(ra_.cookie, before.cookie);
  EXPECT_EQ(AsBrowser(before, "GET", "/api/v1/sessions/current", nullptr, false).status, 401);
  Answer current = AsBrowser(ra_, "GET", "/api/v1/sessions/current", nullptr, false);
  ASSERT_EQ(current.status, 200) << current.raw;
  EXPECT_EQ(current.body["session"]["acting_as"]["login"], "acust");

  // Every request is the customer's: its list holds only itself, and what a customer may not
  // do (suspend itself, make a plan) is refused though the reseller may.
  Answer list = AsBrowser(ra_, "GET", "/api/v1/customers", nullptr, false);
  ASSERT_EQ(list.status, 200) << list.raw;
  ASSERT_EQ(list.body["customers"].size(), 1u) << list.raw;
  EXPECT_EQ(list.body["customers"][0]["login"], "acust");
  Answer suspend = AsBrowser(ra_, "POST", "/api/v1/customers/acust/suspend", json::object());
  EXPECT_EQ(suspend.status, 404) << suspend.raw;
  Answer plan = AsBrowser(ra_, "POST", "/api/v1/plans", PlanBody("asplan"));
  EXPECT_EQ(plan.status, 403) << plan.raw;
  // One's own login is not changed while acting.
  Answer password = AsBrowser(ra_, "POST", "/api/v1/password",
                              {{"current_password", ResellerPassword("rsla")},
                               {"new_password", "something else entirely long"}});
  EXPECT_EQ(password.status, 409) << password.raw;
  EXPECT_EQ(FieldCode(password, "session"), "acting_as.active");

  // A change made while acting names both in the audit log.
  Answer made =
      AsBrowser(ra_, "POST", "/api/v1/users",
                {{"login", "acustdev"}, {"email", "dev@acust.example"}, {"full_access", true}});
  ASSERT_EQ(made.status, 201) << made.raw;
  Answer audit = Admin("GET", "/api/v1/audit?limit=1000");
  bool found = false;
  for (const auto& e : audit.body["audit"]) {
    if (e.value("action", "") == "user.create") {
      EXPECT_EQ(e["actor"], "user:rsla as user:acust") << e.dump();
      found = true;
    }
  }
  EXPECT_TRUE(found) << audit.raw;

  Answer stopped = AsBrowser(ra_, "DELETE", "/api/v1/sessions/current/acting-as");
  ASSERT_EQ(stopped.status, 200) << stopped.raw;
  EXPECT_TRUE(stopped.body["session"]["acting_as"].is_null());
  Browser self{CookiePair(stopped.set_cookie), stopped.body["session"].value("csrf_token", "")};
  Answer own = AsBrowser(self, "GET", "/api/v1/customers", nullptr, false);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.body["customers"].size(), 1u);  // rsla's one customer, now as the reseller
  EXPECT_EQ(AsBrowser(self, "POST", "/api/v1/plans", PlanBody("asplan")).status, 201);
  bool started = false, ended = false;
  const Answer log = Admin("GET", "/api/v1/audit?limit=1000");
  for (const auto& e : log.body["audit"]) {
    started |= e.value("action", "") == "acting_as.start" && e["actor"] == "user:rsla";
    ended |= e.value("action", "") == "acting_as.stop";
  }
  EXPECT_TRUE(started) << log.raw;
  EXPECT_TRUE(ended) << log.raw;
}

TEST_F(ActingAs, NeverForAnotherResellersCustomerSidewaysOrUpward) {
  Answer other = ActAs(ra_, "bcust");
  EXPECT_EQ(other.status, 404) << other.raw;
  EXPECT_EQ(FieldCode(other, "login"), "user.not_found");
  // The same answer as a login that does not exist.
  Answer none = ActAs(ra_, "nobody-at-all");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body["error"]["fields"], other.body["error"]["fields"]);
  EXPECT_EQ(FieldCode(ActAs(ra_, "acme"), "login"), "user.not_found");  // the company's
  EXPECT_EQ(FieldCode(ActAs(ra_, "rslb"), "login"), "user.not_found");  // another reseller
  Answer self = ActAs(ra_, "rsla");
  EXPECT_EQ(self.status, 422) << self.raw;
  EXPECT_EQ(FieldCode(self, "login"), "acting_as.self");

  // A customer acts for nobody, not even its own users.
  Browser customer = Session("acme");
  Answer made =
      AsBrowser(customer, "POST", "/api/v1/users",
                {{"login", "acmedev"}, {"email", "dev@acme.example"}, {"full_access", true}});
  ASSERT_EQ(made.status, 201) << made.raw;
  for (const char* target : {"acmedev", "other", "rsla"}) {
    Answer refused = ActAs(customer, target);
    EXPECT_EQ(refused.status, 403) << target << " " << refused.raw;
    EXPECT_EQ(FieldCode(refused, "login"), "acting_as.not_allowed") << target;
  }
  // A token has no session to act in.
  Answer token = Admin("POST", "/api/v1/sessions/current/acting-as", {{"login", "acme"}});
  EXPECT_EQ(token.status, 422) << token.raw;
  EXPECT_EQ(FieldCode(token, "session"), "session.required");
}

TEST_F(ActingAs, StaffActBelowThemNeverUpwardOrSideways) {
  // Staff logins (as `hostplane user create` makes them), with a password.
  auto hasher = auth::PasswordHasher::Create(auth::Argon2Params::Cheapest());
  ASSERT_TRUE(hasher);
  for (const auto& [login, role] :
       {std::pair{"sam", "support"}, std::pair{"sue", "support"}, std::pair{"ada", "admin"}}) {
    ASSERT_TRUE(env_.store().Write([&](StoreTxn& tx) -> Status {
      User u;
      u.login = login;
      u.email = std::string(login) + "@hosting.example";
      u.name = login;
      u.role = role;
      HP_ASSIGN_OR_RETURN(u.password_hash, hasher->Hash(kPassword, "password"));
      HP_ASSIGN_OR_RETURN(auto made, tx.users().Insert(u));
      (void)made;
      return Ok();
    }));
  }
  Browser sam = Session("sam");
  EXPECT_EQ(FieldCode(ActAs(sam, "ada"), "login"), "acting_as.upward");
  EXPECT_EQ(FieldCode(ActAs(sam, "sue"), "login"), "acting_as.sideways");
  Answer as_reseller = ActAs(sam, "rsla");
  ASSERT_EQ(as_reseller.status, 200) << as_reseller.raw;
  // Acting as reseller A: A's customers only, not B's nor the company's.
  Answer list = AsBrowser(sam, "GET", "/api/v1/customers", nullptr, false);
  ASSERT_EQ(list.status, 200) << list.raw;
  ASSERT_EQ(list.body["customers"].size(), 1u) << list.raw;
  EXPECT_EQ(list.body["customers"][0]["login"], "acust");
  // Acting twice is refused: stop first.
  Answer twice = ActAs(sam, "acust");
  EXPECT_EQ(twice.status, 409) << twice.raw;
  EXPECT_EQ(FieldCode(twice, "session"), "acting_as.active");

  Browser ada = Session("ada");
  Answer admin_as_support = ActAs(ada, "sam");
  EXPECT_EQ(admin_as_support.status, 200) << admin_as_support.raw;
  EXPECT_EQ(admin_as_support.body["session"]["acting_as"]["role"], "support");
}

}  // namespace
}  // namespace hostplane::controller
