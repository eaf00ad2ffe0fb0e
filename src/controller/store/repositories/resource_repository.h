#pragma once

// Resources: every hosted service of a customer other than a site (mail domains, mailboxes,
// forwarders, zones, records, FTP users, databases, certificates; entities.h). (kind, name) is
// unique. Reads join the owner's login and reseller and the node's name. Lives inside one
// StoreTxn; not thread-safe.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class ResourceRepository {
 public:
  ResourceRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Resource>> Find(const std::string& kind, const std::string& name);
  Result<std::optional<Resource>> FindById(int64_t id);
  // The resources of filter.kind in scope that match the filter, oldest first: one page of them
  // when filter.page is set (its search matches the name), else all.
  Result<std::vector<Resource>> List(const Scope& scope, const ResourceFilter& filter);
  Result<int64_t> Count(const std::string& kind, int64_t customer_id);
  // Resources of one kind per node, for placement.
  Result<std::map<int64_t, int64_t>> CountByNode(const std::string& kind);
  // Returns the stored row. Errors: kConflict when (kind, name) exists.
  Result<Resource> Insert(const Resource& r);
  // Parent, node, data and status. Errors: kNotFound.
  [[nodiscard]] Status Update(const Resource& r);
  // Errors: kNotFound.
  [[nodiscard]] Status Delete(int64_t id);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
