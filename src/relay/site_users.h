#pragma once

// The users of a site's enrolled nodes as the controller hands them out (`relay config site NAME
// --users-file FILE`): each node with the bcrypt hash of its password, no password.
//
//   {"site": "lon", "nodes": [{"node": "web1", "password_hash": "$2b$11$..."}]}
//
// Pure parsing and validation; reading the file is the caller's.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "relay/relay_config.h"

namespace hostplane::relay {

struct SiteUsers {
  std::string site;
  std::vector<NodeUser> nodes;
};

// Parses text. Errors: kInvalid with fields mapped to codes: file relay.json (not JSON, or not an
// object), site / nodes[0].node node.invalid, nodes relay.type (not a list), nodes[0]
// relay.type (not an object), nodes[0].password_hash relay.hash, nodes[1].node relay.duplicate,
// any member nobody reads (top level or in a node) <path>: field.unknown, a missing member
// <path>: field.required.
[[nodiscard]] Result<SiteUsers> ParseSiteUsers(std::string_view text);

}  // namespace hostplane::relay
