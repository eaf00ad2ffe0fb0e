#pragma once

// Account users (and their groups) that a test instance of `hostplane up` created on this machine
// and could not delete, because the test died before its customers were deleted. Left behind,
// they hold uids and gids that a later instance allocates again, and its account driver rightly
// refuses them ("gid N belongs to group …"). Every UpInstance sweeps its own range first.

#include <cstdint>
#include <string>
#include <vector>

namespace hostplane::testing {

struct StaleAccountScope {
  int64_t uid_first = 0;
  int64_t uid_last = 0;
  // Only names beginning with this (a slot's "t<slot>"); empty: any name.
  std::string name_prefix;
  // Sweep only accounts whose home directory is gone (their instance was removed); false when
  // the caller holds the range exclusively (a claimed port slot), so whatever is in it is stale.
  bool only_without_home = true;
};

// Deletes the "hostplane account" users of scope (userdel) and the groups of their names, and
// groups with a gid in the range whose name matches and that no user has as its own. Returns
// the names removed, for the test's log.
std::vector<std::string> SweepStaleAccounts(const StaleAccountScope& scope);

}  // namespace hostplane::testing
