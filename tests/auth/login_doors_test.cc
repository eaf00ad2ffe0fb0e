// The login doors of the REST API (label auth), against the real HTTP front (Beast) and a real
// store: a password login gives a session cookie that authenticates like a token; changes made
// with the cookie need the CSRF token and the base URL's origin; failures are throttled per name
// and address (429 with Retry-After) while the owner still logs in from elsewhere, with one body
// for unknown, wrong and throttled; a cookie the client chose is never adopted; logout and a
// password change end sessions; a password buys the CLI a token.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "login_fixture.h"

namespace hostplane::controller {
namespace {

class LoginDoors : public LoginFixture {};

TEST_F(LoginDoors, APasswordLoginGivesACookieThatAuthenticatesLikeItsUser) {
  Answer a = LogIn("acme", kPassword);
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_EQ(a.set_cookie.rfind("hp_session=hps_", 0), 0u) << a.set_cookie;
  EXPECT_NE(a.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(a.set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(a.set_cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(a.set_cookie.find("Secure"), std::string::npos) << "plain HTTP on loopback";
  // The panel's contract (web/src/api/session.ts): {session: {person, acting_as, csrf_token}}.
  ASSERT_TRUE(a.body["session"].is_object()) << a.raw;
  EXPECT_FALSE(a.body["session"].value("csrf_token", "").empty());
  EXPECT_EQ(a.body["session"]["person"]["login"], "acme");
  EXPECT_EQ(a.body["session"]["person"]["role"], "customer");
  EXPECT_TRUE(a.body["session"]["acting_as"].is_null());
  EXPECT_EQ(a.raw.find(CookiePair(a.set_cookie).substr(11)), std::string::npos)
      << "the session id is only in the cookie";

  Browser b{CookiePair(a.set_cookie), a.body["session"]["csrf_token"]};
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/customers/acme", nullptr, false).status, 200);
  // The page asks who it is: the same session, the same CSRF token.
  Answer current = AsBrowser(b, "GET", "/api/v1/sessions/current", nullptr, false);
  ASSERT_EQ(current.status, 200) << current.raw;
  EXPECT_EQ(current.body["session"]["person"]["login"], "acme");
  EXPECT_EQ(current.body["session"]["csrf_token"], b.csrf);
  EXPECT_EQ(current.body["session"]["id"], a.body["session"]["id"]);
  // The Authorizer judges the cookie's user: another customer is not found.
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/customers/other", nullptr, false).status, 404);
  Answer sessions = AsBrowser(b, "GET", "/api/v1/sessions", nullptr, false);
  ASSERT_EQ(sessions.status, 200) << sessions.raw;
  ASSERT_EQ(sessions.body["sessions"].size(), 1u);
  EXPECT_TRUE(sessions.body["sessions"][0]["current"].get<bool>());

  // The e-mail address is a login name too; without a cookie nothing is authenticated.
  EXPECT_EQ(LogIn("ops@acme.example", kPassword).status, 201);
  EXPECT_EQ(Send({"GET", "/api/v1/customers/acme"}).status, 401);
  EXPECT_EQ(Send({"GET", "/api/v1/sessions/current"}).status, 401);
}

TEST_F(LoginDoors, ChangesWithACookieNeedTheCsrfTokenAndTheOwnOrigin) {
  Browser b = Session("acme");
  const json user = {{"login", "webdsg"}, {"email", "w@acme.example"}, {"full_access", true}};
  // A cross-origin POST with a valid cookie and even the right token.
  Call cross{"POST",
             "/api/v1/users",
             user,
             {{"Cookie", b.cookie}, {"Origin", "http://evil.example"}, {"X-CSRF-Token", b.csrf}}};
  Answer a = Send(cross);
  EXPECT_EQ(a.status, 403) << a.raw;
  EXPECT_EQ(FieldCode(a, "origin"), "csrf.origin_mismatch");
  // A Referer from elsewhere, and no Origin or Referer at all.
  a = Send(
      {"POST",
       "/api/v1/users",
       user,
       {{"Cookie", b.cookie}, {"Referer", "http://evil.example/x"}, {"X-CSRF-Token", b.csrf}}});
  EXPECT_EQ(FieldCode(a, "origin"), "csrf.origin_mismatch") << a.raw;
  a = Send({"POST", "/api/v1/users", user, {{"Cookie", b.cookie}, {"X-CSRF-Token", b.csrf}}});
  EXPECT_EQ(FieldCode(a, "origin"), "csrf.origin_missing") << a.raw;
  // The right origin without the token, or with another session's.
  a = Send({"POST", "/api/v1/users", user, {{"Cookie", b.cookie}, {"Origin", Origin()}}});
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(FieldCode(a, "csrf_token"), "csrf.token_missing") << a.raw;
  Browser other = Session("acme");
  a = Send({"POST",
            "/api/v1/users",
            user,
            {{"Cookie", b.cookie}, {"Origin", Origin()}, {"X-CSRF-Token", other.csrf}}});
  EXPECT_EQ(FieldCode(a, "csrf_token"), "csrf.token_mismatch") << a.raw;
  // Nothing was made by the refused ones.
  EXPECT_EQ(Admin("GET", "/api/v1/users/webdsg").status, 404);

  // With both, the change is the user's, judged as a token of it would be.
  a = AsBrowser(b, "POST", "/api/v1/users", user);
  EXPECT_EQ(a.status, 201) << a.raw;
  EXPECT_EQ(Admin("GET", "/api/v1/users/webdsg").status, 200);

  // Bearer-token requests are exempt: no browser adds a bearer token on its own.
  a = Send({"POST",
            "/api/v1/customers",
            {{"login", "third"}, {"email", "ops@third.example"}},
            {{"Authorization", "Bearer " + env_.token()}, {"Origin", "http://evil.example"}}});
  EXPECT_EQ(a.status, 201) << a.raw;
}

TEST_F(LoginDoors, FiveFailuresFromOneAddressThrottleItButNotTheOwnerElsewhere) {
  const std::string flood = "127.0.0.2";
  Answer wrong = LogIn("acme", "not the password", flood);
  EXPECT_EQ(wrong.status, 401);
  Answer unknown = LogIn("nobody", "not the password", flood);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.raw, unknown.raw) << "an unknown name answers as a wrong password";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(LogIn("acme", "still not it", flood).status, 401);

  // The sixth, even with the right password: 429 with Retry-After and the same body.
  Answer throttled = LogIn("acme", kPassword, flood);
  EXPECT_EQ(throttled.status, 429) << throttled.raw;
  ASSERT_FALSE(throttled.retry_after.empty());
  EXPECT_GT(std::stoi(throttled.retry_after), 0);
  EXPECT_LE(std::stoi(throttled.retry_after), 15 * 60);
  EXPECT_EQ(throttled.raw, wrong.raw);
  EXPECT_EQ(LogIn("acme", "again wrong", flood).status, 429);

  // The owner, from another address, logs in; another name from the flood's address too.
  Answer home = LogIn("acme", kPassword, "127.0.0.3");
  EXPECT_EQ(home.status, 201) << home.raw;
  EXPECT_EQ(LogIn("other", kPassword, flood).status, 201);

  // Every failure and throttle is in the audit log, under the name as typed.
  Answer audit = Admin("GET", "/api/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200);
  int failed = 0, throttles = 0, nobody = 0;
  for (const auto& e : audit.body["audit"]) {
    const std::string action = e.value("action", "");
    if (action == "login.failed" && e.value("object", "") == "login:acme") ++failed;
    if (action == "login.failed" && e.value("object", "") == "login:nobody") ++nobody;
    if (action == "login.throttled") ++throttles;
  }
  EXPECT_EQ(failed, 5);
  EXPECT_EQ(nobody, 1);
  EXPECT_EQ(throttles, 2);
}

TEST_F(LoginDoors, ASessionIdTheClientChoseIsNeverAccepted) {
  const std::string planted = "hp_session=hps_planted0000000000000000000000000000000000";
  Answer a = LogIn("acme", kPassword, "", {{"Cookie", planted}});
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_NE(CookiePair(a.set_cookie), planted);
  EXPECT_EQ(Send({"GET", "/api/v1/customers/acme", nullptr, {{"Cookie", planted}}}).status, 401);
  // Logging in again with a live session gives a new id as well.
  Browser first{CookiePair(a.set_cookie), a.body["session"]["csrf_token"]};
  Answer again = LogIn("acme", kPassword, "", {{"Cookie", first.cookie}});
  ASSERT_EQ(again.status, 201);
  EXPECT_NE(CookiePair(again.set_cookie), first.cookie);
}

TEST_F(LoginDoors, LogoutEndsTheSession) {
  Browser b = Session("acme");
  // Logout changes state: without the CSRF token it is refused and the session lives on.
  EXPECT_EQ(AsBrowser(b, "DELETE", "/api/v1/sessions/current", nullptr, false).status, 403);
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/customers/acme", nullptr, false).status, 200);
  Answer out = AsBrowser(b, "DELETE", "/api/v1/sessions/current");
  EXPECT_EQ(out.status, 204) << out.raw;
  EXPECT_NE(out.set_cookie.find("Max-Age=0"), std::string::npos) << out.set_cookie;
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/customers/acme", nullptr, false).status, 401);
  // A token has no session to end.
  EXPECT_EQ(AsBrowser(b, "GET", "/api/v1/sessions/current", nullptr, false).status, 401);
  Answer token_logout = Admin("DELETE", "/api/v1/sessions/current");
  EXPECT_EQ(token_logout.status, 422);
  EXPECT_EQ(FieldCode(token_logout, "session"), "session.required");
}

TEST_F(LoginDoors, APasswordChangeEndsEveryOtherSession) {
  Browser here = Session("acme");
  Browser there = Session("acme");
  Browser someone_else = Session("other");
  Answer refused = AsBrowser(here, "POST", "/api/v1/password",
                             {{"current_password", "wrong"}, {"new_password", "x"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(FieldCode(refused, "current_password"), "password.mismatch") << refused.raw;
  Answer weak = AsBrowser(here, "POST", "/api/v1/password",
                          {{"current_password", kPassword}, {"new_password", "x"}});
  EXPECT_EQ(weak.status, 422);
  EXPECT_EQ(FieldCode(weak, "new_password"), "password.too_short") << weak.raw;

  const std::string next = "a brand new passphrase 2026";
  Answer changed = AsBrowser(here, "POST", "/api/v1/password",
                             {{"current_password", kPassword}, {"new_password", next}});
  ASSERT_EQ(changed.status, 200) << changed.raw;
  EXPECT_EQ(changed.body["sessions_ended"], 1);
  EXPECT_EQ(AsBrowser(here, "GET", "/api/v1/customers/acme", nullptr, false).status, 200);
  EXPECT_EQ(AsBrowser(there, "GET", "/api/v1/customers/acme", nullptr, false).status, 401);
  EXPECT_EQ(AsBrowser(someone_else, "GET", "/api/v1/customers/other", nullptr, false).status, 200);
  EXPECT_EQ(LogIn("acme", kPassword).status, 401);
  EXPECT_EQ(LogIn("acme", next).status, 201);
}

TEST_F(LoginDoors, OwnSessionsAreListedAndRevokedOneByOne) {
  Browser here = Session("acme");
  Browser there = Session("acme");
  Browser other = Session("other");
  Answer list = AsBrowser(here, "GET", "/api/v1/sessions", nullptr, false);
  ASSERT_EQ(list.body["sessions"].size(), 2u) << list.raw;
  std::string there_id;
  for (const auto& s : list.body["sessions"]) {
    if (!s["current"].get<bool>()) there_id = s["id"];
  }
  ASSERT_FALSE(there_id.empty());
  std::string other_id =
      AsBrowser(other, "GET", "/api/v1/sessions", nullptr, false).body["sessions"][0]["id"];
  // Another login's session is not found; one's own ends.
  EXPECT_EQ(AsBrowser(here, "DELETE", "/api/v1/sessions/" + other_id).status, 404);
  EXPECT_EQ(AsBrowser(other, "GET", "/api/v1/customers/other", nullptr, false).status, 200);
  EXPECT_EQ(AsBrowser(here, "DELETE", "/api/v1/sessions/" + there_id).status, 200);
  EXPECT_EQ(AsBrowser(there, "GET", "/api/v1/customers/acme", nullptr, false).status, 401);
  EXPECT_EQ(AsBrowser(here, "GET", "/api/v1/customers/acme", nullptr, false).status, 200);
}

TEST_F(LoginDoors, APasswordBuysATokenWithTheRightsOfItsLogin) {
  Answer a = Send({"POST",
                   "/api/v1/login/token",
                   {{"login", "acme"}, {"password", kPassword}, {"name", "laptop"}}});
  ASSERT_EQ(a.status, 201) << a.raw;
  const std::string token = a.body.value("token", "");
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(a.set_cookie.empty());
  auto bearer = [&](const std::string& path) {
    return Send({"GET", path, nullptr, {{"Authorization", "Bearer " + token}}}).status;
  };
  EXPECT_EQ(bearer("/api/v1/customers/acme"), 200);
  EXPECT_EQ(bearer("/api/v1/customers/other"), 404);
  Answer wrong = Send({"POST", "/api/v1/login/token", {{"login", "acme"}, {"password", "nope"}}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.raw, LogIn("acme", "nope").raw);
}

TEST_F(LoginDoors, ABrowserLogsInOnlyFromTheOwnOrigin) {
  Answer a = LogIn("acme", kPassword, "", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(a.status, 403) << a.raw;
  EXPECT_TRUE(a.set_cookie.empty());
  EXPECT_EQ(LogIn("acme", kPassword, "", {{"Origin", Origin()}}).status, 201);
}

// The owner is told by mail when failed logins throttle its login from an address: once per
// notice interval (an hour), not per attempt nor per address; the mail is read from the store's
// outbox (the mail label reads such mails over IMAP); an unknown name mails no one.
TEST_F(LoginDoors, AThrottleMailsTheOwnerOncePerInterval) {
  auto mails_to = [&](const std::string& address) -> std::vector<std::string> {
    auto queued = env_.store().Read([&](StoreTxn& tx) { return tx.outbox().ListTo(address); });
    EXPECT_TRUE(queued);
    std::vector<std::string> out;
    if (queued) {
      for (const auto& m : *queued) out.push_back(m.bytes);
    }
    return out;
  };
  auto notices = [&] {
    Answer audit = Admin("GET", "/api/v1/audit?limit=1000");
    int n = 0;
    for (const auto& e : audit.body["audit"]) n += e.value("action", "") == "login.lockout_notice";
    return n;
  };
  for (int i = 0; i < 4; ++i) EXPECT_EQ(LogIn("acme", "wrong", "127.0.0.2").status, 401);
  EXPECT_TRUE(mails_to("ops@acme.example").empty()) << "no notice before the throttle begins";
  EXPECT_EQ(LogIn("acme", "wrong", "127.0.0.2").status, 401);  // the fifth: the throttle begins
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (notices() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::string> mails = mails_to("ops@acme.example");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].find("Subject: Failed logins to acme"), std::string::npos) << mails[0];
  EXPECT_NE(mails[0].find("127.0.0.2"), std::string::npos) << mails[0];
  // More attempts, and a second address reaching its own throttle: still the one mail.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(LogIn("acme", "wrong", "127.0.0.2").status, 429);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(LogIn("acme", "wrong", "127.0.0.3").status, 401);
  EXPECT_EQ(LogIn("acme", "wrong", "127.0.0.3").status, 429);
  // An unknown name throttled mails no one.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(LogIn("nobody", "wrong", "127.0.0.4").status, 401);
  // The queue runs in order: a login's notice would be written before this reset's entry.
  EXPECT_EQ(
      Send({"POST", "/api/v1/password-resets", {{"login", "nobody"}}, {}, "127.0.0.5"}).status,
      202);
  const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto resets = [&] {
    Answer audit = Admin("GET", "/api/v1/audit?limit=1000");
    int n = 0;
    for (const auto& e : audit.body["audit"]) {
      n += e.value("action", "") == "password.reset_requested";
    }
    return n;
  };
  while (resets() < 1 && std::chrono::steady_clock::now() < settle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(mails_to("ops@acme.example").size(), 1u);
  EXPECT_EQ(notices(), 1);
}

}  // namespace
}  // namespace hostplane::controller
