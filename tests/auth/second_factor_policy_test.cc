// The installation's second-factor policy (`--require-second-factor customers`, label auth),
// against the real HTTP front and store: a customer's login without a second factor logs in, but
// its session and its tokens reach nothing but the enrolment (403 second_factor.required, nothing
// written) until it confirms a factor; then everything it may do. Roles the policy leaves out are
// not held up, nor are company tokens.

#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "controller/auth/totp.h"
#include "login_fixture.h"

namespace hostplane::controller {
namespace {

class SecondFactorPolicyTest : public LoginFixture {
 protected:
  SecondFactorPolicyTest() : LoginFixture(CustomersMustEnrol()) {}

  static ApiOptions CustomersMustEnrol() {
    ApiOptions o = Options();
    o.login.second_factor_required.customers = true;
    return o;
  }

  static std::string CodeNow(const std::string& base32) {
    auto secret = auth::TotpSecretFromBase32(base32);
    EXPECT_TRUE(secret);
    auto code = auth::TotpCode(secret ? *secret : "", std::time(nullptr), {});
    EXPECT_TRUE(code);
    return code ? *code : "";
  }
};

TEST_F(SecondFactorPolicyTest, ACustomerWithoutAFactorMayOnlyEnrolUntilItHasOne) {
  Browser acme = Session("acme");
  Answer sites = AsBrowser(acme, "GET", "/api/v1/sites", nullptr, false);
  EXPECT_EQ(sites.status, 403) << sites.raw;
  EXPECT_EQ(FieldCode(sites, "second_factor"), "second_factor.required") << sites.raw;
  Answer write =
      AsBrowser(acme, "POST", "/api/v1/zones", {{"zone", "acme.example"}, {"customer", "acme"}});
  EXPECT_EQ(FieldCode(write, "second_factor"), "second_factor.required") << write.raw;
  EXPECT_EQ(Admin("GET", "/api/v1/zones").body["zones"].size(), 0u) << "nothing written";
  // A token bought with the password is held up the same way.
  Answer token =
      Send({"POST", "/api/v1/login/token", {{"login", "acme"}, {"password", kPassword}}});
  ASSERT_EQ(token.status, 201) << token.raw;
  const std::string bearer = token.body.value("token", "");
  Answer by_token =
      Send({"GET", "/api/v1/sites", nullptr, {{"Authorization", "Bearer " + bearer}}});
  EXPECT_EQ(FieldCode(by_token, "second_factor"), "second_factor.required") << by_token.raw;
  // The session itself and the enrolment are open.
  EXPECT_EQ(AsBrowser(acme, "GET", "/api/v1/sessions/current", nullptr, false).status, 200);
  EXPECT_EQ(AsBrowser(acme, "GET", "/api/v1/second-factor", nullptr, false).status, 200);
  Answer started = AsBrowser(acme, "POST", "/api/v1/second-factor");
  ASSERT_EQ(started.status, 201) << started.raw;
  Answer on = AsBrowser(acme, "POST", "/api/v1/second-factor/confirm",
                        {{"code", CodeNow(started.body.value("secret", ""))}});
  ASSERT_EQ(on.status, 200) << on.raw;
  // Enrolled: the same session and token reach everything the customer may.
  EXPECT_EQ(AsBrowser(acme, "GET", "/api/v1/sites", nullptr, false).status, 200);
  EXPECT_EQ(Send({"GET", "/api/v1/sites", nullptr, {{"Authorization", "Bearer " + bearer}}}).status,
            200);
}

TEST_F(SecondFactorPolicyTest, RolesThePolicyLeavesOutAndCompanyTokensAreNotHeldUp) {
  Answer reseller = Admin("POST", "/api/v1/resellers",
                          {{"login", "resa"},
                           {"email", "ops@resa.example"},
                           {"password", kPassword},
                           {"limits", {{"customers", 5}, {"sites", 5}}}});
  ASSERT_EQ(reseller.status, 201) << reseller.raw;
  Browser resa = Session("resa");
  Answer own = AsBrowser(resa, "GET", "/api/v1/customers", nullptr, false);
  EXPECT_EQ(own.status, 200) << own.raw;
  EXPECT_EQ(Admin("GET", "/api/v1/sites").status, 200);
}

}  // namespace
}  // namespace hostplane::controller
