#pragma once

// The lists of a customer's services other than sites, one kind at a time (mail domains,
// mailboxes, forwarders, zones, records, FTP users, databases, certificates), scoped in the query
// to what the actor may see. Reads only.
//
// Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "controller/services/authorizer.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class ResourceListService {
 public:
  ResourceListService(Store& store, const Authorizer& authorizer)
      : store_(store), authorizer_(authorizer) {}

  // kind: mailbox | forwarder | ftpuser | database | zone | record | cert | maildomain; customer
  // and parent filter; one page of them, oldest first (page.search: in the name). Errors: kInvalid
  // for another kind; kNotFound {"customer": "customer.not_found"} (also for a customer the actor
  // may not see); kForbidden.
  Result<std::vector<Resource>> List(const Actor& actor, const std::string& kind,
                                     std::optional<std::string> customer,
                                     std::optional<std::string> parent, const Page& page);

 private:
  Store& store_;
  const Authorizer& authorizer_;
};

}  // namespace hostplane::controller
