#include "controller/services/resource_list_service.h"

#include <map>
#include <utility>

#include "controller/services/service_support.h"

namespace hostplane::controller {

using namespace kinds;

Result<std::vector<Resource>> ResourceListService::List(const Actor& actor, const std::string& kind,
                                                        std::optional<std::string> customer,
                                                        std::optional<std::string> parent,
                                                        const Page& page) {
  static const std::map<std::string, Action> kListOf = {
      {kMailDomain, Action::kMailDomainList}, {kMailbox, Action::kMailboxList},
      {kForwarder, Action::kForwarderList},   {kZone, Action::kZoneList},
      {kRecord, Action::kRecordList},         {kFtpUser, Action::kFtpUserList},
      {kDatabase, Action::kDatabaseList},     {kCert, Action::kCertList},
  };
  auto action = kListOf.find(kind);
  if (action == kListOf.end()) return Fail(Error::Invalid("unknown kind '" + kind + "'"));
  HP_ASSIGN_OR_RETURN(Scope scope, authorizer_.ScopeOf(actor, action->second, kind + "s"));
  ResourceFilter f;
  f.kind = kind;
  f.parent = std::move(parent);
  f.page = page;
  std::vector<Resource> out;
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    if (customer) {
      const Error missing = NotFoundField("customer", "customer", *customer);
      HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindByLogin(*customer));
      if (!c) return Fail(missing);
      HP_TRY(
          authorizer_.Allow(actor, action->second, {"customer", c->login, OwnerOf(*c)}, missing));
      f.customer_id = c->id;
    }
    HP_ASSIGN_OR_RETURN(out, tx.resources().List(scope, f));
    return Ok();
  }));
  return out;
}

}  // namespace hostplane::controller
