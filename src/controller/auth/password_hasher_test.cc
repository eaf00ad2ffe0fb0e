#include "controller/auth/password_hasher.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace hostplane::auth {
namespace {

constexpr const char* kGood = "correct horse battery staple";

PasswordHasher Cheapest() { return PasswordHasher::Create(Argon2Params::Cheapest()).value(); }

TEST(PasswordHasher, DefaultIsArgon2idInteractive) {
  // docs/benchmarks.md and the header justify exactly this choice.
  EXPECT_EQ(Argon2Params::Default().ops_limit, 2u);
  EXPECT_EQ(Argon2Params::Default().mem_limit, 64u * 1024 * 1024);
}

TEST(PasswordHasher, HashesVerifyAndCarryTheirParameters) {
  auto h = Cheapest();
  auto hash = h.Hash(kGood);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_EQ(h.Verify(*hash, kGood).value(), PasswordCheck::kMatch);
  EXPECT_EQ(h.Verify(*hash, "correct horse battery stapl").value(), PasswordCheck::kMismatch);
  EXPECT_EQ(h.Verify(*hash, "").value(), PasswordCheck::kMismatch);
  EXPECT_NE(h.Hash(kGood).value(), *hash) << "a fresh salt every time";
  EXPECT_FALSE(h.NeedsRehash(*hash));
}

TEST(PasswordHasher, NewPasswordsFollowThePolicyOfValidate) {
  auto h = Cheapest();
  struct Case {
    std::string password;
    const char* code;
  } cases[] = {
      {"Qx7!", "password.too_short"},
      {std::string(1025, 'a'), "password.too_long"},
      {"valid length but \x01 control", "password.control_character"},
      {"invalid utf8 \xff\xfe\xfd here", "password.invalid_utf8"},
  };
  for (const auto& c : cases) {
    auto r = h.Hash(c.password, "new_password");
    ASSERT_FALSE(r) << c.code;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(r.error().fields.at("new_password"), c.code);
    EXPECT_EQ(r.error().message.find(c.password), std::string::npos) << "never quoted back";
  }
  EXPECT_TRUE(h.Hash(std::string(1024, 'a')));
  EXPECT_TRUE(h.Hash("twelve bytes"));
}

TEST(PasswordHasher, OtherParametersAskForARehashAtTheNextLogin) {
  auto old_hasher = Cheapest();
  auto old_hash = old_hasher.Hash(kGood).value();
  auto new_hasher = PasswordHasher::Create({2, 16 * 1024}).value();
  EXPECT_TRUE(new_hasher.NeedsRehash(old_hash));
  EXPECT_EQ(new_hasher.Verify(old_hash, kGood).value(), PasswordCheck::kMatchNeedsRehash);
  EXPECT_EQ(new_hasher.Verify(old_hash, "wrong password!!").value(), PasswordCheck::kMismatch);
  auto fresh = new_hasher.Hash(kGood).value();
  EXPECT_NE(fresh.find("m=16,t=2"), std::string::npos) << fresh;
  EXPECT_EQ(new_hasher.Verify(fresh, kGood).value(), PasswordCheck::kMatch);
}

TEST(PasswordHasher, OlderArgon2iHashesVerifyAndAreReplaced) {
  char argon2i[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_argon2i_str(argon2i, kGood, strlen(kGood), 3,
                                      crypto_pwhash_argon2i_MEMLIMIT_MIN),
            0);
  auto h = Cheapest();
  EXPECT_EQ(h.Verify(argon2i, kGood).value(), PasswordCheck::kMatchNeedsRehash);
  EXPECT_EQ(h.Verify(argon2i, "not the password").value(), PasswordCheck::kMismatch);
}

TEST(PasswordHasher, ADamagedStoredHashIsAnErrorNotAMatch) {
  auto h = Cheapest();
  for (std::string bad : {std::string(), std::string("plain text"), std::string("$2b$12$abc"),
                          std::string(200, '$'), std::string("$argon2id$\0x", 12)}) {
    auto r = h.Verify(bad, kGood);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
    EXPECT_TRUE(h.NeedsRehash(bad));
  }
}

TEST(PasswordHasher, DummyVerificationNeverMatches) {
  auto h = Cheapest();
  for (const char* pw : {"", kGood, "anything at all"}) {
    EXPECT_EQ(h.VerifyDummy(pw), PasswordCheck::kMismatch);
  }
}

TEST(PasswordHasher, ParametersOutsideLibsodiumsLimitsAreRefused) {
  EXPECT_EQ(PasswordHasher::Create({0, 64 * 1024 * 1024}).error().code, ErrorCode::kInvalid);
  EXPECT_EQ(PasswordHasher::Create({2, 1024}).error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace hostplane::auth
