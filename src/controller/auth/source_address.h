#pragma once

// The key under which requests from one client address are counted (login throttling, rate
// limits): an IPv4 address as itself (/32), an IPv6 address as its /64 (one customer line or
// host usually holds a whole /64, so counting single IPv6 addresses would let it take 2^64 fresh
// starts), an IPv4-mapped IPv6 address as the IPv4 address. Parsed with inet_pton, printed with
// inet_ntop. Pure functions; any thread.
//
// The address must be the peer the server saw, or the one a configured proxy reported
// (shared/SECURITY.md rule 6); this function cannot tell.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::auth {

struct PrefixLengths {
  int v4 = 32;
  int v6 = 64;
};

// "192.0.2.7" -> "192.0.2.7/32"; "2001:db8:1:2:3:4:5:6" -> "2001:db8:1:2::/64";
// "::ffff:192.0.2.7" -> "192.0.2.7/32". Errors: kInvalid (field "source",
// "source.invalid_address") when text is not an IPv4 or IPv6 address literal (a zone id like
// "%eth0" is refused too).
[[nodiscard]] Result<std::string> SourcePrefix(std::string_view address,
                                               PrefixLengths lengths = {});

}  // namespace hostplane::auth
