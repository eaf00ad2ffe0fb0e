#pragma once

// The real effects of a `hostplane up` compared with its store (P10): every Unix user and group
// of its account range, home, PHP-FPM pool and vhost belongs to a customer or site the REST API
// lists, and every listed customer with a site has its user, group, home and pool. A half-made or
// half-removed account shows as a line here.

#include <string>
#include <vector>

#include "up_process.h"

namespace hostplane::testing {

// One line per problem ("unix user t3bob: no customer bob"); empty when real and stored agree.
std::vector<std::string> ScanOrphans(UpInstance& up);

}  // namespace hostplane::testing
