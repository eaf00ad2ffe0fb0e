// The second factor through the REST API (label auth), against the real HTTP front and store, as
// a person does it in the panel: enrol (secret, otpauth URI, QR code), confirm with the app's
// code, then every login asks for a code; a code works once (the step is kept in the store), a
// recovery code works once; new recovery codes and turning it off need a code; someone else's
// lost second factor is reset by those who may (audited), never one's own.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>
#include <vector>

#include "controller/auth/recovery_codes.h"
#include "controller/auth/totp.h"
#include "login_fixture.h"

namespace hostplane::controller {
namespace {

constexpr int64_t kPeriod = 30;

class SecondFactor : public LoginFixture {
 protected:
  // The app's code for the step `steps` periods from now.
  static std::string CodeAt(const std::string& base32, int steps) {
    auto secret = auth::TotpSecretFromBase32(base32);
    EXPECT_TRUE(secret);
    auto code = auth::TotpCode(*secret, std::time(nullptr) + steps * kPeriod, {});
    EXPECT_TRUE(code);
    return code ? *code : "";
  }

  Answer LogInWith(const std::string& login, const std::string& totp) {
    return Send(
        {"POST", "/api/v1/sessions", {{"login", login}, {"password", kPassword}, {"totp", totp}}});
  }

  // acme enrols and confirms with the current code: the secret and the recovery codes.
  struct Enrolled {
    std::string secret;
    std::vector<std::string> recovery_codes;
  };
  Enrolled Enrol(const Browser& b) {
    Answer started = AsBrowser(b, "POST", "/api/v1/second-factor");
    EXPECT_EQ(started.status, 201) << started.raw;
    const std::string secret = started.body.value("secret", "");
    Answer on =
        AsBrowser(b, "POST", "/api/v1/second-factor/confirm", {{"code", CodeAt(secret, 0)}});
    EXPECT_EQ(on.status, 200) << on.raw;
    return {secret, on.body.value("recovery_codes", std::vector<std::string>{})};
  }

  // Whether the store refuses `step` for the login (an accepted step at or after it is kept).
  bool StoreRefusesStep(const std::string& login, int64_t step) {
    bool claimed = true;
    Status done = env_.store().Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(auto u, tx.users().FindByLogin(login));
      if (!u) return Fail(Error::NotFound(login));
      HP_ASSIGN_OR_RETURN(claimed, tx.second_factors().ClaimStep(u->id, step));
      return Ok();
    });
    EXPECT_TRUE(done) << done.error().message;
    return done && !claimed;
  }
};

TEST_F(SecondFactor, EnrolmentTurnsItOnAndEveryLoginThenAsksForACodeThatWorksOnce) {
  Browser b = Session("acme");
  Answer started = AsBrowser(b, "POST", "/api/v1/second-factor");
  ASSERT_EQ(started.status, 201) << started.raw;
  const std::string secret = started.body.value("secret", "");
  ASSERT_TRUE(auth::TotpSecretFromBase32(secret)) << started.raw;
  EXPECT_EQ(started.body.value("otpauth_uri", "").rfind("otpauth://totp/", 0), 0u) << started.raw;
  EXPECT_NE(started.body.value("otpauth_uri", "").find("secret=" + secret), std::string::npos);
  EXPECT_EQ(started.body.value("qr_svg", "").rfind("<svg", 0), 0u);
  Answer state = AsBrowser(b, "GET", "/api/v1/second-factor", nullptr, false);
  EXPECT_EQ(state.body,
            json({{"enabled", false}, {"enrolling", true}, {"recovery_codes_left", 0}}));

  // Still off until confirmed: the password alone signs in.
  EXPECT_EQ(LogIn("acme", kPassword).status, 201);
  // A code of another time (ten periods on) does not confirm.
  Answer wrong =
      AsBrowser(b, "POST", "/api/v1/second-factor/confirm", {{"code", CodeAt(secret, 10)}});
  EXPECT_EQ(wrong.status, 422) << wrong.raw;
  EXPECT_EQ(FieldCode(wrong, "code"), "totp.invalid");

  const std::string now_code = CodeAt(secret, 0);
  Answer on = AsBrowser(b, "POST", "/api/v1/second-factor/confirm", {{"code", now_code}});
  ASSERT_EQ(on.status, 200) << on.raw;
  EXPECT_EQ(on.body["recovery_codes"].size(), 10u);
  state = AsBrowser(b, "GET", "/api/v1/second-factor", nullptr, false);
  EXPECT_EQ(state.body,
            json({{"enabled", true}, {"enrolling", false}, {"recovery_codes_left", 10}}));

  // The password alone no longer signs in; the code that confirmed is spent; the next one works
  // once.
  Answer bare = LogIn("acme", kPassword);
  EXPECT_EQ(bare.status, 401);
  EXPECT_EQ(FieldCode(bare, "totp"), "totp.required") << bare.raw;
  Answer replayed = LogInWith("acme", now_code);
  EXPECT_EQ(replayed.status, 401);
  EXPECT_EQ(FieldCode(replayed, "totp"), "totp.invalid") << replayed.raw;
  const std::string next_code = CodeAt(secret, 1);
  Answer in = LogInWith("acme", next_code);
  ASSERT_EQ(in.status, 201) << in.raw;
  EXPECT_EQ(in.body["session"]["person"]["login"], "acme");
  EXPECT_EQ(LogInWith("acme", next_code).status, 401);
  // The step is in the store (a restart, or another controller, refuses it too).
  EXPECT_TRUE(StoreRefusesStep("acme", std::time(nullptr) / kPeriod));
  // Another login is not concerned.
  EXPECT_EQ(LogIn("other", kPassword).status, 201);
  // Enrolling again while it is on is refused.
  Answer again = AsBrowser(b, "POST", "/api/v1/second-factor");
  EXPECT_EQ(again.status, 409) << again.raw;
  EXPECT_EQ(FieldCode(again, "second_factor"), "second_factor.enabled");
}

TEST_F(SecondFactor, ARecoveryCodeSignsInOnceAndANewSetVoidsTheOld) {
  Browser b = Session("acme");
  Enrolled e = Enrol(b);
  ASSERT_EQ(e.recovery_codes.size(), 10u);
  // Typed the way people type: lower case, without dashes.
  std::string typed = e.recovery_codes[0];
  typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(LogInWith("acme", typed).status, 201);
  EXPECT_EQ(LogInWith("acme", e.recovery_codes[0]).status, 401) << "each works once";
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/second-factor", nullptr, false)
                .body.value("recovery_codes_left", 0),
            9);

  Answer refused = AsBrowser(b, "POST", "/api/v1/second-factor/recovery-codes",
                             {{"code", "AAAA-BBBB-CCCC-DDDD"}});
  EXPECT_EQ(refused.status, 401) << refused.raw;
  Answer fresh =
      AsBrowser(b, "POST", "/api/v1/second-factor/recovery-codes", {{"code", e.recovery_codes[1]}});
  ASSERT_EQ(fresh.status, 200) << fresh.raw;
  ASSERT_EQ(fresh.body["recovery_codes"].size(), 10u);
  EXPECT_EQ(LogInWith("acme", e.recovery_codes[2]).status, 401) << "the old set is void";
  EXPECT_EQ(LogInWith("acme", fresh.body["recovery_codes"][0].get<std::string>()).status, 201);
}

TEST_F(SecondFactor, TurningItOffNeedsACode) {
  Browser b = Session("acme");
  Enrolled e = Enrol(b);
  Answer wrong =
      AsBrowser(b, "POST", "/api/v1/second-factor/disable", {{"code", CodeAt(e.secret, 10)}});
  EXPECT_EQ(wrong.status, 401) << wrong.raw;
  EXPECT_EQ(FieldCode(wrong, "code"), "totp.invalid");
  EXPECT_EQ(LogIn("acme", kPassword).status, 401) << "still on";
  Answer off =
      AsBrowser(b, "POST", "/api/v1/second-factor/disable", {{"code", CodeAt(e.secret, 1)}});
  ASSERT_EQ(off.status, 200) << off.raw;
  EXPECT_EQ(LogIn("acme", kPassword).status, 201);
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/second-factor", nullptr, false).body,
            json({{"enabled", false}, {"enrolling", false}, {"recovery_codes_left", 0}}));
  // The recovery codes went with it.
  EXPECT_EQ(LogIn("acme", kPassword).status, 201);
  Answer none = AsBrowser(b, "POST", "/api/v1/second-factor/disable", {{"code", "123456"}});
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(FieldCode(none, "second_factor"), "second_factor.none");
}

TEST_F(SecondFactor, SomeoneElsesLostSecondFactorIsResetByThoseWhoMay) {
  Browser acme = Session("acme");
  ASSERT_EQ(Enrol(acme).recovery_codes.size(), 10u);
  // Another customer cannot, and cannot tell the login exists; nor can acme reset its own.
  Browser other = Session("other");
  EXPECT_EQ(AsBrowser(other, "DELETE", "/api/v1/users/acme/second-factor").status, 404);
  Answer own = AsBrowser(acme, "DELETE", "/api/v1/users/acme/second-factor");
  EXPECT_EQ(own.status, 422) << own.raw;
  EXPECT_EQ(FieldCode(own, "login"), "second_factor.own");
  EXPECT_EQ(LogIn("acme", kPassword).status, 401);

  Answer reset = Admin("DELETE", "/api/v1/users/acme/second-factor");
  ASSERT_EQ(reset.status, 200) << reset.raw;
  EXPECT_FALSE(reset.body["user"]["second_factor"].get<bool>());
  EXPECT_EQ(LogIn("acme", kPassword).status, 201);
  Answer audit = Admin("GET", "/api/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200) << audit.raw;
  int resets = 0;
  for (const auto& entry : audit.body["audit"]) {
    if (entry.value("action", "") == "user.reset_second_factor") ++resets;
  }
  EXPECT_EQ(resets, 1) << audit.raw;
  Answer twice = Admin("DELETE", "/api/v1/users/acme/second-factor");
  EXPECT_EQ(twice.status, 422);
  EXPECT_EQ(FieldCode(twice, "login"), "second_factor.none");
}

TEST_F(SecondFactor, ACompanyTokenHasNoSecondFactor) {
  Answer a = Admin("POST", "/api/v1/second-factor");
  EXPECT_EQ(a.status, 422) << a.raw;
  EXPECT_EQ(FieldCode(a, "user"), "user.none");
}

}  // namespace
}  // namespace hostplane::controller
