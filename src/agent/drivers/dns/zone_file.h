#pragma once

// The one encoder of Knot's zone file format (shared/SECURITY.md rule 3): pure functions of a
// zone ZoneSpecFromJson accepted. KnotDriver writes their output and checks it with kzonecheck.
// Fuzzed with a structural round trip (fuzz/zone_file_fuzz.cc).

#include <string>
#include <string_view>

#include "protocol/zone_spec.h"

namespace hostplane::agent {

// The encoder of a zone file: a comment, $ORIGIN and $TTL, the SOA with the spec's serial, the
// apex NS of every name server (with glue for those inside the zone) or, without name servers,
// an apex NS naming soa.mname when the records hold none, then the records sorted (apex first,
// then by name, type, value). `zone` must have passed ZoneSpecFromJson.
std::string RenderZoneFile(const protocol::ZoneSpec& zone, bool test_break = false);
// A TXT value's RDATA: the raw bytes split into <= 255-byte strings, each quoted, with '"' and
// '\' escaped by a backslash and every byte outside printable ASCII as \DDD.
std::string EncodeTxt(std::string_view raw);

}  // namespace hostplane::agent
