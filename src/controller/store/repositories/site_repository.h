#pragma once

// Sites and the names they claim: a site's domain and every alias are rows of site_names, one
// owner per name, so two sites can never serve the same name. Reads join the owner's login and
// reseller and the node's name. Lives inside one StoreTxn; not thread-safe.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class SiteRepository {
 public:
  SiteRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Site>> FindByDomain(const std::string& domain);
  Result<std::optional<Site>> FindById(int64_t id);
  // The site that owns name as its domain or one of its aliases.
  Result<std::optional<Site>> FindByName(const std::string& name);
  // Oldest first.
  Result<std::vector<Site>> OfCustomer(int64_t customer_id);
  Result<std::vector<Site>> OnNode(int64_t node_id);
  // The sites in scope (and of the customer with this login, when given), one page
  // (page.search: in the domain).
  Result<std::vector<Site>> List(const Scope& scope, const std::optional<std::string>& customer,
                                 const Page& page);
  Result<int64_t> CountOfCustomer(int64_t customer_id);
  // Sites per node, for placement.
  Result<std::map<int64_t, int64_t>> CountByNode();

  // Also claims the domain and every alias. Returns the stored row. Errors: kConflict when the
  // domain or a name is taken.
  Result<Site> Insert(const Site& s);
  // Aliases, docroot, status, node, php, https; re-claims the names. Errors: kNotFound,
  // kConflict (a name taken).
  [[nodiscard]] Status Update(const Site& s);
  // Releases its names too. Errors: kNotFound.
  [[nodiscard]] Status Delete(int64_t id);

 private:
  Status ClaimNames(int64_t site_id, const Site& s);
  Status ReleaseNames(int64_t site_id);

  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
