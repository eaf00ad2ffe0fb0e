// The agent's side of the bus (protocol/messages.h): DecodeBundle on any bytes, then every task
// spec decoder (SpecReader underneath) on every task's spec. Invariants:
//  - a decoded bundle survives the wire: Encode then DecodeBundle gives the same signed bytes
//    and signature;
//  - signing what was decoded and sending it verifies on the other side (VerifyBundle), and the
//    bytes the decoded bundle carried never verify against a key that did not sign them;
//  - every spec a decoder accepts is canonical: ToJson then the same decoder gives it back equal.

#include <sodium.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "common/signing_key.h"
#include "fuzz_check.h"
#include "protocol/account_spec.h"
#include "protocol/cert_spec.h"
#include "protocol/content.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_client_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/zone_spec.h"

using namespace hostplane;
using namespace hostplane::protocol;

namespace {

const SigningKey& TestKey() {
  static const SigningKey key = [] {
    if (sodium_init() < 0) std::abort();
    return SigningKey::Generate().value();
  }();
  return key;
}

// A decoder that reads a bundle's specs strictly (schema 2: an unknown member is refused) is
// called that way; its own JSON must pass that too.
template <typename Decode>
auto Decode1(Decode decode, const Json& spec) {
  if constexpr (std::is_invocable_v<Decode, const Json&>) {
    return decode(spec);
  } else {
    return decode(spec, hostplane::protocol::UnknownMembers::kRefuse);
  }
}

template <typename Decode>
void RoundTrip(const Json& spec, Decode decode) {
  auto first = Decode1(decode, spec);
  if (!first) {
    FUZZ_CHECK(first.error().code == ErrorCode::kInvalid, "spec refusal not kInvalid");
    return;
  }
  auto second = Decode1(decode, ToJson(*first));
  FUZZ_CHECK(second.has_value(), "a decoded spec's own JSON is refused");
  FUZZ_CHECK(*second == *first, "a decoded spec's own JSON decodes differently");
}

void Specs(const Json& spec) {
  RoundTrip(spec, SiteSpecFromJson);
  RoundTrip(spec, SiteRemovalFromJson);
  RoundTrip(spec, AccountSpecFromJson);
  RoundTrip(spec, AccountRemovalFromJson);
  RoundTrip(spec, CertSpecFromJson);
  RoundTrip(spec, CertRemovalFromJson);
  RoundTrip(spec, ContentExportSpecFromJson);
  RoundTrip(spec, ContentImportSpecFromJson);
  RoundTrip(spec, DatabaseSpecFromJson);
  RoundTrip(spec, DatabaseRemovalFromJson);
  RoundTrip(spec, FtpUserSpecFromJson);
  RoundTrip(spec, FtpUserRemovalFromJson);
  RoundTrip(spec, MailAccountSpecFromJson);
  RoundTrip(spec, MailAccountRemovalFromJson);
  RoundTrip(spec, MailClientSpecFromJson);
  RoundTrip(spec, MailDomainSpecFromJson);
  RoundTrip(spec, MailDomainRemovalFromJson);
  RoundTrip(spec, ZoneSpecFromJson);
  RoundTrip(spec, ZoneRemovalFromJson);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(fuzz::Bytes(data, size));
  auto b = DecodeBundle(bytes);
  if (!b) {
    FUZZ_CHECK(b.error().code == ErrorCode::kInvalid, "bundle refusal not kInvalid");
    return 0;
  }
  auto again = DecodeBundle(Encode(*b));
  FUZZ_CHECK(again.has_value(), "an encoded bundle does not decode");
  FUZZ_CHECK(BundleSignedBytes(*again) == BundleSignedBytes(*b), "signed bytes change on the wire");
  FUZZ_CHECK(again->sig == b->sig, "signature changes on the wire");
  if (b->sig.empty()) {
    FUZZ_CHECK(!VerifyBundle(*b, TestKey().public_key()).has_value(),
               "an unsigned bundle verifies");
  }

  Bundle signed_bundle = *b;
  SignBundle(signed_bundle, TestKey());
  auto received = DecodeBundle(Encode(signed_bundle));
  FUZZ_CHECK(received.has_value(), "a signed bundle does not decode");
  FUZZ_CHECK(VerifyBundle(*received, TestKey().public_key()).has_value(),
             "a bundle signed by the key does not verify after the wire");

  for (const auto& task : b->tasks) Specs(task.spec);
  return 0;
}
