#include "controller/auth/sessions.h"

#include <gtest/gtest.h>

#include "controller/auth/csrf.h"
#include "controller/auth/secret_token.h"
#include "controller/auth/testing/memory_session_store.h"

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

class SessionsTest : public ::testing::Test {
 protected:
  StartedSession Start(const char* user = "u1", SessionStage stage = SessionStage::kFull) {
    auto s = sessions_.Start(user, stage, "192.0.2.1", "curl/7.88");
    EXPECT_TRUE(s);
    return s ? *s : StartedSession{};
  }
  void ExpectRefused(const std::string& token, const char* code) {
    auto r = sessions_.Resume(token);
    ASSERT_FALSE(r) << code;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(r.error().fields.at("session"), code);
  }

  ManualClock clock_;
  testing::MemorySessionStore store_;
  Sessions sessions_{store_, clock_, SessionPolicy{}};
};

TEST_F(SessionsTest, StartAndResumeStoreOnlyTheHash) {
  auto s = Start();
  EXPECT_EQ(s.token.rfind("hps_", 0), 0u);
  EXPECT_EQ(s.record.id_hash, HashSecret(s.token));
  EXPECT_EQ(s.csrf_token, CsrfTokenFor(s.token));
  auto found = store_.Find(s.record.id_hash).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id_hash.find(s.token.substr(4)), std::string::npos);
  auto r = sessions_.Resume(s.token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->source, "192.0.2.1");
}

TEST_F(SessionsTest, IdleExpiry) {
  auto s = Start();
  clock_.Advance(29min);
  ASSERT_TRUE(sessions_.Resume(s.token));
  clock_.Advance(29min);
  ASSERT_TRUE(sessions_.Resume(s.token)) << "use keeps it alive";
  clock_.Advance(30min);
  ExpectRefused(s.token, "session.expired");
  EXPECT_EQ(store_.size(), 0u) << "the expired row is removed";
  ExpectRefused(s.token, "session.invalid");
}

TEST_F(SessionsTest, AbsoluteExpiryHoldsDespiteUse) {
  auto s = Start();
  for (int i = 0; i < 24; ++i) {
    clock_.Advance(29min);
    ASSERT_TRUE(sessions_.Resume(s.token)) << i;
  }
  clock_.Advance(25min);  // 12 h 1 min after the start
  ExpectRefused(s.token, "session.expired");
}

TEST_F(SessionsTest, LastSeenIsWrittenAtMostOncePerMinute) {
  auto s = Start();
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(5s);
    ASSERT_TRUE(sessions_.Resume(s.token));
  }
  EXPECT_EQ(store_.touches(), 0);
  clock_.Advance(15s);
  ASSERT_TRUE(sessions_.Resume(s.token));
  EXPECT_EQ(store_.touches(), 1);
}

TEST_F(SessionsTest, ElevateGivesANewIdAndEndsTheOld) {
  auto pending = Start("u1", SessionStage::kSecondFactorPending);
  EXPECT_EQ(pending.record.expires_at_ms - pending.record.created_at_ms, 5 * 60 * 1000);
  auto full = sessions_.Elevate(pending.token, SessionStage::kFull);
  ASSERT_TRUE(full);
  EXPECT_NE(full->token, pending.token);
  EXPECT_NE(full->csrf_token, pending.csrf_token);
  EXPECT_EQ(full->record.stage, SessionStage::kFull);
  EXPECT_EQ(full->record.user_id, "u1");
  ExpectRefused(pending.token, "session.invalid");
  EXPECT_TRUE(sessions_.Resume(full->token));
  clock_.Advance(6min);
  auto late = Start("u1", SessionStage::kSecondFactorPending);
  clock_.Advance(5min);
  EXPECT_FALSE(sessions_.Elevate(late.token, SessionStage::kFull)) << "the window closed";
}

TEST_F(SessionsTest, LogoutEverywhereKeepsOnlyTheOneAsked) {
  auto a = Start("u1"), b = Start("u1"), c = Start("u1"), other = Start("u2");
  auto ended = sessions_.EndAllForUser("u1", std::string_view(b.token));
  ASSERT_TRUE(ended);
  EXPECT_EQ(*ended, 2);
  ExpectRefused(a.token, "session.invalid");
  ExpectRefused(c.token, "session.invalid");
  EXPECT_TRUE(sessions_.Resume(b.token));
  EXPECT_TRUE(sessions_.Resume(other.token));
  EXPECT_EQ(sessions_.EndAllForUser("u1").value(), 1);
  ExpectRefused(b.token, "session.invalid");
}

TEST_F(SessionsTest, ListAndRevokeOwnSessionsOnly) {
  auto a = Start("u1"), b = Start("u1"), theirs = Start("u2");
  auto list = sessions_.List("u1").value();
  EXPECT_EQ(list.size(), 2u);
  auto r = sessions_.Revoke("u1", theirs.record.id_hash);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(sessions_.Resume(theirs.token));
  EXPECT_TRUE(sessions_.Revoke("u1", a.record.id_hash));
  ExpectRefused(a.token, "session.invalid");
  EXPECT_TRUE(sessions_.Resume(b.token));
  EXPECT_TRUE(sessions_.End(b.token));
  EXPECT_TRUE(sessions_.End("not a session")) << "ending nothing is fine";
  EXPECT_TRUE(sessions_.List("u1")->empty());
}

TEST_F(SessionsTest, MalformedOrForeignTokensAreInvalid) {
  for (const std::string& t :
       {std::string(), std::string("hps_short"), IssueSecret(SecretKind::kApiToken).token,
        IssueSecret(SecretKind::kSession).token}) {
    ExpectRefused(t, "session.invalid");
  }
}

TEST(SessionCookie, AttributesTable) {
  ManualClock clock;
  testing::MemorySessionStore store;
  Sessions secure(store, clock, SessionPolicy{.secure_cookie = true});
  Sessions plain(store, clock, SessionPolicy{.secure_cookie = false});
  EXPECT_EQ(secure.SetCookie("hps_x"),
            "__Host-hp_session=hps_x; Path=/; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(plain.SetCookie("hps_x"), "hp_session=hps_x; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_EQ(secure.ClearCookie(),
            "__Host-hp_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(plain.ClearCookie(), "hp_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

}  // namespace
}  // namespace hostplane::auth
