#pragma once

// The record types of a zone beyond the first eight (zone_spec.h): HTTPS and SVCB (RFC 9460),
// TLSA (RFC 6698) and DS (RFC 4034, for a delegated child zone), and the DNSSEC types a customer
// never enters because Knot generates them for a signed zone (DNSKEY, RRSIG, NSEC, NSEC3,
// NSEC3PARAM, CDS, CDNSKEY: "read-only"). CheckDnsRecord (zone_spec.h) calls CheckExtendedRecord
// for the first group and refuses the second with record.type_read_only; CheckDsValue and
// CheckDnskeyValue also read what Knot generated (CDS/CDNSKEY, a DS shown to the customer for
// the registrar). Free functions, pure, safe from any thread.
//
// Canonical values (single spaces between fields, numbers strict decimals, hex lowercase):
//  TLSA   "<usage 0-3> <selector 0-1> <matching type 0-2> <hex>"; the hex is 64 characters for
//         matching type 1 (SHA-256), 128 for 2 (SHA-512), and an even number from 2 to 8192 for
//         0 (the whole certificate or key). The name is "_<port>._<tcp|udp|sctp>" or below it.
//  DS     "<key tag 0-65535> <algorithm> <digest type> <hex>": algorithm one of 5 7 8 10 13 14 15
//         16 (RFC 8624: validators must support them), digest type 1 (40 hex characters,
//         SHA-1), 2 (64, SHA-256) or 4 (96, SHA-384). Not at the apex (the parent's DS of this
//         zone is the registrar's), and only where the zone delegates: an NS at the same name.
//  HTTPS, SVCB  "<priority> <target>[ <key>=<value>...]": priority 0 is AliasMode (no
//         parameters), 1-65535 ServiceMode; the target is an absolute host or "." (ServiceMode:
//         the owner itself; AliasMode: no service). Parameters, each at most once, written in
//         key-number order: mandatory=<keys> (other keys present in the record, in key-number
//         order, never "mandatory"), alpn=<ids> (1-255 of [A-Za-z0-9._/+-] each, comma
//         separated, order kept), no-default-alpn (no value, needs alpn), port=<0-65535>,
//         ipv4hint=<IPv4s>, ech=<base64 ECHConfigList>, ipv6hint=<IPv6s> (addresses in
//         inet_ntop form, comma separated, 1-8). No key outside these seven (keyNNNNN neither),
//         no quotes, no escapes: nothing the zone file would read in another way.
//  Read-only: DS syntax for CDS (plus the delete form "0 0 0 00"), "<flags> <protocol 3>
//         <algorithm> <base64>" for CDNSKEY (plus "0 3 0 AA==").
//
// Codes (each about the value unless said otherwise): record.type_read_only (type),
// record.name_invalid (name), record.tlsa_usage, record.tlsa_selector, record.tlsa_matching_type,
// record.tlsa_data, record.ds_key_tag, record.ds_algorithm, record.ds_digest_type,
// record.ds_digest, record.dnskey_invalid, record.svcb_priority, record.svcb_target,
// record.svcb_param_unknown, record.svcb_param_duplicate, record.svcb_param_value,
// record.svcb_mandatory, record.svcb_alias_params, record.svcb_no_default_alpn,
// record.value_invalid (the wrong number of fields); zone rules: record.ds_without_delegation,
// record.svcb_mode_mixed.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/validate.h"

namespace hostplane::protocol {

struct DnsRecord;  // zone_spec.h

// "HTTPS", "SVCB", "TLSA", "DS" (uppercase, as CheckDnsRecord has made the type).
bool IsExtendedRecordType(std::string_view type);
// The types Knot generates for a signed zone.
bool IsReadOnlyRecordType(std::string_view type);

// The canonical value of a record of an extended type at `name` (already canonical, "@" or
// relative) in `zone` (a canonical domain), or the violation.
Checked<std::string> CheckExtendedRecord(std::string_view zone, std::string_view name,
                                         std::string_view type, std::string_view value);

// DS or CDS RDATA; allow_delete accepts CDS's "0 0 0 00" (RFC 8078).
Checked<std::string> CheckDsValue(std::string_view value, bool allow_delete = false);
// DNSKEY or CDNSKEY RDATA; allow_delete accepts CDNSKEY's "0 3 0 AA==". Code:
// record.dnskey_invalid.
Checked<std::string> CheckDnskeyValue(std::string_view value, bool allow_delete = false);

// The zone-wide rules of the extended types, records canonical: a DS without an NS at its name,
// AliasMode and ServiceMode records of one type at one name. (record index, violation) pairs.
std::vector<std::pair<size_t, Violation>> CheckExtendedZoneRules(
    std::string_view zone, const std::vector<DnsRecord>& records);

// Whether a code of this file is about the record's name ("name") or value ("value").
const char* ExtendedRecordField(std::string_view code);

}  // namespace hostplane::protocol
