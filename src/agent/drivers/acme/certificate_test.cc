#include "agent/drivers/acme/certificate.h"

#include <gtest/gtest.h>

#include <chrono>

namespace hostplane::agent {
namespace {

using std::chrono::hours;

TEST(CertificateTest, InspectsNamesExpiryAndChain) {
  auto made =
      MakeSelfSignedCertificate("t", {"www.b.example", "B.example"}, {"127.0.0.1"}, hours(24 * 10));
  ASSERT_TRUE(made) << made.error().message;
  auto info = InspectCertificate(made->cert_pem);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"b.example", "www.b.example"}));
  EXPECT_EQ(info->chain_length, 1);
  auto left = info->not_after - std::chrono::system_clock::now();
  EXPECT_GT(left, hours(24 * 10) - hours(1));
  EXPECT_LE(left, hours(24 * 10) + std::chrono::minutes(1));

  auto other = MakeSelfSignedCertificate("issuer", {}, {}, hours(1));
  ASSERT_TRUE(other);
  auto chain = InspectCertificate(made->cert_pem + other->cert_pem);
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->chain_length, 2);
  EXPECT_EQ(chain->dns_names, info->dns_names);  // the first certificate is the leaf
}

TEST(CertificateTest, ChecksThatTheKeyBelongsToTheCertificate) {
  auto a = MakeSelfSignedCertificate("a", {"a.example"}, {}, hours(1));
  auto b = MakeSelfSignedCertificate("b", {"b.example"}, {}, hours(1));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(CheckKeyMatchesCertificate(a->cert_pem, a->key_pem));
  auto wrong = CheckKeyMatchesCertificate(a->cert_pem, b->key_pem);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(CheckKeyMatchesCertificate(a->cert_pem, "not a key"));
}

TEST(CertificateTest, RefusesWhatIsNotACertificate) {
  for (const char* text : {"", "garbage",
                           "-----BEGIN CERTIFICATE-----\nAAAA\n-----END "
                           "CERTIFICATE-----\n"}) {
    auto info = InspectCertificate(text);
    ASSERT_FALSE(info) << text;
    EXPECT_EQ(info.error().code, ErrorCode::kInvalid);
  }
}

}  // namespace
}  // namespace hostplane::agent
