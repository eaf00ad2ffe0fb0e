#pragma once

// What a DNS zone serves, computed from the store: its default records (NS with glue, the
// addresses of the customer's sites and mail inside the zone, MX, SPF, DKIM and DMARC for its
// mail domains (mail_dns_records.h), db.<zone> for its databases) plus the customer's own
// records, as the zone.ensure spec (protocol/zone_spec.h). Reads inside one transaction or
// snapshot; pure otherwise.

#include <string>

#include "controller/services/hosting_options.h"
#include "controller/store/store.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

Result<protocol::ZoneSpec> BuildZoneSpec(StoreTxn& tx, const Resource& zone, const Customer& owner,
                                         const HostingOptions& options);

// The next serial: YYYYMMDDnn of today, or one more than the last, whichever is larger.
int64_t NextSerial(int64_t last, int64_t now_ms);

// A record's Resource name: unique per zone, name, type and value.
std::string RecordKey(const std::string& zone, const protocol::DnsRecord& r);

}  // namespace hostplane::controller
