#include "controller/services/authorizer.h"

namespace hostplane::controller {

std::string_view Name(Action action) {
  switch (action) {
    case Action::kCustomerCreate:
      return "customer.create";
    case Action::kCustomerRead:
      return "customer.read";
    case Action::kCustomerList:
      return "customer.list";
    case Action::kCustomerUpdate:
      return "customer.update";
    case Action::kCustomerDelete:
      return "customer.delete";
    case Action::kCustomerSuspend:
      return "customer.suspend";
    case Action::kCustomerResume:
      return "customer.resume";
    case Action::kSiteCreate:
      return "site.create";
    case Action::kSiteRead:
      return "site.read";
    case Action::kSiteList:
      return "site.list";
    case Action::kSiteUpdate:
      return "site.update";
    case Action::kSiteRemove:
      return "site.remove";
    case Action::kNodeCreate:
      return "node.create";
    case Action::kNodeRead:
      return "node.read";
    case Action::kNodeList:
      return "node.list";
    case Action::kNodeToken:
      return "node.token";
    case Action::kNodeDrain:
      return "node.drain";
    case Action::kNodeLost:
      return "node.lost";
    case Action::kRelayRead:
      return "relay.read";
    case Action::kPlanCreate:
      return "plan.create";
    case Action::kPlanRead:
      return "plan.read";
    case Action::kPlanList:
      return "plan.list";
    case Action::kTaskRead:
      return "task.read";
    case Action::kTaskList:
      return "task.list";
    case Action::kAuditList:
      return "audit.list";
    case Action::kTokenCreate:
      return "token.create";
    case Action::kMetricsRead:
      return "metrics.read";
    case Action::kMailDomainList:
      return "maildomain.list";
    case Action::kMailboxCreate:
      return "mailbox.create";
    case Action::kMailboxRemove:
      return "mailbox.remove";
    case Action::kMailboxList:
      return "mailbox.list";
    case Action::kForwarderCreate:
      return "forwarder.create";
    case Action::kForwarderRemove:
      return "forwarder.remove";
    case Action::kForwarderList:
      return "forwarder.list";
    case Action::kFtpUserCreate:
      return "ftpuser.create";
    case Action::kFtpUserRemove:
      return "ftpuser.remove";
    case Action::kFtpUserList:
      return "ftpuser.list";
    case Action::kDatabaseCreate:
      return "database.create";
    case Action::kDatabaseRemove:
      return "database.remove";
    case Action::kDatabaseList:
      return "database.list";
    case Action::kZoneCreate:
      return "zone.create";
    case Action::kZoneRead:
      return "zone.read";
    case Action::kZoneRemove:
      return "zone.remove";
    case Action::kZoneList:
      return "zone.list";
    case Action::kRecordCreate:
      return "record.create";
    case Action::kRecordRemove:
      return "record.remove";
    case Action::kRecordList:
      return "record.list";
    case Action::kCertCreate:
      return "cert.create";
    case Action::kCertList:
      return "cert.list";
  }
  return "";
}

Owner OwnerOf(const Customer& c) { return {c.id, c.reseller_id}; }
Owner OwnerOf(const Site& s) { return {s.customer_id, s.reseller_id}; }
Owner OwnerOf(const Resource& r) { return {r.customer_id, r.reseller_id}; }

bool Authorizer::Can(const Actor& actor, Action action, const AuthTarget& target) const {
  // Resellers and customers come with people and permissions; until their rules are here, they
  // are denied everything.
  (void)action;
  (void)target;
  return actor.role == Role::kAdmin;
}

Status Authorizer::Allow(const Actor& actor, Action action, const AuthTarget& target,
                         const Error& not_found) const {
  if (Can(actor, action, target)) return Ok();
  return Fail(not_found);
}

Status Authorizer::AllowCollection(const Actor& actor, Action action,
                                   std::string_view collection) const {
  if (Can(actor, action, AuthTarget{collection, "", {}})) return Ok();
  return Fail(Error::Forbidden("'" + actor.name + "' may not " + std::string(Name(action)) + " " +
                               std::string(collection)));
}

Result<Scope> Authorizer::ScopeOf(const Actor& actor, Action list_action,
                                  std::string_view collection) const {
  HP_TRY(AllowCollection(actor, list_action, collection));
  return Scope::All();  // only staff get this far today
}

bool Can(const Actor& actor, std::string_view action, std::string_view object) {
  auto known = Parse<Action>(action);
  if (!known) return false;
  const size_t colon = object.find(':');
  AuthTarget target;
  target.kind = object.substr(0, colon);
  if (colon != std::string_view::npos) target.name = std::string(object.substr(colon + 1));
  return Authorizer().Can(actor, *known, target);
}

}  // namespace hostplane::controller
