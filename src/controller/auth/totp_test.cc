#include "controller/auth/totp.h"

#include <gtest/gtest.h>

#include "controller/auth/testing/memory_totp_guard.h"

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

// RFC 6238 Appendix B: the seed is "1234567890" repeated to the hash's block of key bytes.
const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

TEST(Totp, Rfc6238AppendixBVectors) {
  struct Vector {
    int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  } vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& v : vectors) {
    TotpParams p{.digits = 8, .period_seconds = 30};
    p.algorithm = TotpAlgorithm::kSha1;
    EXPECT_EQ(TotpCode(kSeed20, v.time, p).value(), v.sha1) << v.time;
    p.algorithm = TotpAlgorithm::kSha256;
    EXPECT_EQ(TotpCode(kSeed32, v.time, p).value(), v.sha256) << v.time;
    p.algorithm = TotpAlgorithm::kSha512;
    EXPECT_EQ(TotpCode(kSeed64, v.time, p).value(), v.sha512) << v.time;
  }
}

TEST(Totp, Rfc4226AppendixDVectorsAsOneSecondSteps) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  TotpParams p{.digits = 6, .period_seconds = 1};
  for (int count = 0; count < 10; ++count) {
    EXPECT_EQ(TotpCode(kSeed20, count, p).value(), expected[count]) << count;
  }
}

TEST(Totp, OneStepEitherSideIsAcceptedTwoAreNot) {
  TotpParams p;
  const int64_t now = 1'700'000'015;  // inside step 56666667
  int64_t step = TotpStep(now, p);
  for (int delta : {-1, 0, 1}) {
    auto code = TotpCode(kSeed20, (step + delta) * 30, p).value();
    auto matched = MatchTotp(kSeed20, code, now, p);
    ASSERT_TRUE(matched) << delta;
    EXPECT_EQ(*matched, step + delta);
  }
  for (int delta : {-2, 2}) {
    auto code = TotpCode(kSeed20, (step + delta) * 30, p).value();
    auto r = MatchTotp(kSeed20, code, now, p);
    ASSERT_FALSE(r) << delta;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(r.error().fields.at("code"), "totp.mismatch");
  }
}

TEST(Totp, MalformedCodesAreAFormatError) {
  TotpParams p;
  for (const char* bad : {"", "12345", "1234567", "12a456", "-12345", "123456789012"}) {
    auto r = MatchTotp(kSeed20, bad, 59, p);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().fields.at("code"), "totp.format") << bad;
  }
  auto spaced = TotpCode(kSeed20, 59, p).value();
  spaced.insert(3, " ");
  EXPECT_TRUE(MatchTotp(kSeed20, spaced, 59, p)) << "\"123 456\" as apps show it";
}

TEST(Totp, AStepIsAcceptedOnceAndEarlierStepsNeverAfterALaterOne) {
  ManualClock clock(1'700'000'015'000);
  testing::MemoryTotpGuard guard;
  TotpVerifier verifier(guard, clock);
  TotpParams p;
  int64_t now = clock.NowMillis() / 1000;
  auto current = TotpCode(kSeed20, now, p).value();
  auto previous = TotpCode(kSeed20, now - 30, p).value();
  ASSERT_TRUE(verifier.Verify("u1", kSeed20, current));
  auto again = verifier.Verify("u1", kSeed20, current);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().fields.at("code"), "totp.replayed");
  auto older = verifier.Verify("u1", kSeed20, previous);
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().fields.at("code"), "totp.replayed");
  EXPECT_TRUE(verifier.Verify("u2", kSeed20, current)) << "per user";
  clock.Advance(30s);
  EXPECT_TRUE(verifier.Verify("u1", kSeed20, TotpCode(kSeed20, now + 30, p).value()));
  auto wrong = verifier.Verify("u1", kSeed20, "000000");
  ASSERT_FALSE(wrong);
}

TEST(Totp, Base32IsRfc4648AndForgivingOnInput) {
  EXPECT_EQ(TotpSecretBase32("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(TotpSecretBase32("f"), "MY");
  EXPECT_EQ(TotpSecretBase32(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(TotpSecretFromBase32("mzxw 6ytb oi").value(), "foobar");
  EXPECT_EQ(TotpSecretFromBase32("MZXW6YTBOI======").value(), "foobar");
  auto secret = NewTotpSecret();
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_NE(secret, NewTotpSecret());
  EXPECT_EQ(TotpSecretFromBase32(TotpSecretBase32(secret)).value(), secret);
  for (const char* bad : {"", "MZXW1", "not base32!"}) {
    auto r = TotpSecretFromBase32(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().fields.at("secret"), "totp.secret_base32");
  }
}

TEST(Totp, OtpauthUriEscapesLabelAndIssuer) {
  auto uri = OtpauthUri("Example Hosting", "alice@example.com", kSeed20, TotpParams{});
  ASSERT_TRUE(uri);
  EXPECT_EQ(*uri,
            "otpauth://totp/Example%20Hosting:alice%40example.com"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Hosting"
            "&algorithm=SHA1&digits=6&period=30");
  auto colon = OtpauthUri("A:B&c=d", "x", kSeed20, TotpParams{});
  ASSERT_TRUE(colon);
  EXPECT_NE(colon->find("totp/A%3AB%26c%3Dd:x?"), std::string::npos) << *colon;
  EXPECT_FALSE(OtpauthUri("", "x", kSeed20, TotpParams{}));
  EXPECT_FALSE(OtpauthUri("Issuer", "a\nb", kSeed20, TotpParams{}));
  EXPECT_FALSE(OtpauthUri("Issuer", "x", "", TotpParams{}));
}

TEST(Totp, ParametersAreChecked) {
  EXPECT_FALSE(TotpCode(kSeed20, 59, {.digits = 5}));
  EXPECT_FALSE(TotpCode(kSeed20, 59, {.digits = 9}));
  EXPECT_FALSE(TotpCode(kSeed20, 59, {.period_seconds = 0}));
  EXPECT_FALSE(TotpCode("", 59, {}));
}

}  // namespace
}  // namespace hostplane::auth
