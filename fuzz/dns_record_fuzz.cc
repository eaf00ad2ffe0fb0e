// CheckDnsRecord (protocol/zone_spec.h, with the extended types of record_types.h): a record of
// a fuzzed zone, name, type, value and TTL. What it accepts is canonical (accepted again
// unchanged), its name is "@" or relative without '$' or a dot at either end, its TTL in range,
// and no field holds a control byte (no value can start a new line or directive of the zone
// file). Refusals carry a record.* (or domain.*) code and a sentence.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/record_types.h"
#include "protocol/zone_spec.h"

using namespace hostplane;

namespace {

constexpr const char* kTypes[] = {"A",   "AAAA", "CNAME", "NS",   "MX",    "TXT",    "SRV",
                                  "CAA", "TLSA", "DS",    "SVCB", "HTTPS", "DNSKEY", "x"};
constexpr const char* kZones[] = {"acme.example", "xn--bcher-kva.example", "a.b.c.example"};

bool NoControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string zone = in.PickValueInArray(kZones);
  std::string type =
      in.ConsumeBool() ? in.PickValueInArray(kTypes) : in.ConsumeRandomLengthString(8);
  int64_t ttl = in.ConsumeBool() ? 3600 : in.ConsumeIntegral<int64_t>();
  std::string name = in.ConsumeRandomLengthString(80);
  std::string value = in.ConsumeRemainingBytesAsString();

  auto r = protocol::CheckDnsRecord(zone, name, type, value, ttl);
  if (!r) {
    FUZZ_CHECK(fuzz::WellFormed(r.error(), "record.") || fuzz::WellFormed(r.error(), "domain."),
               "refusal without a record.* code");
    return 0;
  }
  const protocol::DnsRecord& rec = *r;
  FUZZ_CHECK(rec.ttl >= protocol::kMinRecordTtl && rec.ttl <= protocol::kMaxRecordTtl, "ttl");
  FUZZ_CHECK(!rec.name.empty() && rec.name.front() != '.' && rec.name.back() != '.', "name dots");
  FUZZ_CHECK(rec.name.find('$') == std::string::npos, "a '$' in the name");
  FUZZ_CHECK(NoControl(rec.name) && NoControl(rec.type) && NoControl(rec.value), "control byte");
  auto again = protocol::CheckDnsRecord(zone, rec.name, rec.type, rec.value, rec.ttl);
  FUZZ_CHECK(again.has_value(), "a canonical record is refused");
  FUZZ_CHECK(*again == rec, "not idempotent");
  return 0;
}
