#include "controller/services/ftp_service.h"

#include <algorithm>
#include <utility>

#include "common/passwd/service_password.h"
#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/store/entity_json.h"
#include "protocol/ftp_spec.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

using namespace kinds;

// Whether a node's agent serves FTP: its hello lists the ftp driver (a node not heard from yet is
// assumed to, as placement assumes for every driver).
bool RunsFtp(const Node& n) {
  const std::string driver = DriverOfRole("ftp");
  return n.drivers.empty() ||
         std::find(n.drivers.begin(), n.drivers.end(), driver) != n.drivers.end();
}

// The node an FTP account of c goes to: it must serve c's web content and run FTP. The first of
// c's sites on a node whose agent runs FTP; without sites, the least loaded web node that runs
// it. A customer whose sites are all on servers without FTP gets none: an account on another
// server would upload files no site serves, and on theirs its task would fail ("no driver").
Result<Node> FtpNodeOf(StoreTxn& tx, const Customer& c, const std::string& field,
                       PlaceOptions place) {
  HP_ASSIGN_OR_RETURN(const std::vector<Site> sites, tx.sites().OfCustomer(c.id));
  std::string without;  // the servers of c's sites that do not run FTP
  for (const auto& s : sites) {
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(s.node_id));
    if (!node) continue;
    if (RunsFtp(*node)) return std::move(*node);
    if (without.find("'" + node->name + "'") == std::string::npos) {
      without += (without.empty() ? "'" : ", '") + node->name + "'";
    }
  }
  if (!without.empty()) {
    return Fail(
        FieldError(ErrorCode::kConflict, {{field, "ftp.no_node"}},
                   "the servers of " + c.login + "'s sites (" + without + ") do not run FTP"));
  }
  HP_ASSIGN_OR_RETURN(const std::vector<Node> nodes, tx.nodes().List());
  for (const auto& n : nodes) {
    if (!RunsFtp(n)) place.exclude.insert(n.id);
  }
  HP_ASSIGN_OR_RETURN(auto counts, tx.sites().CountByNode());
  return PlaceOnRole(tx, "web", counts, field, place);
}

}  // namespace

Result<NewFtpUser> FtpService::Check(const FtpUserInput& in) {
  protocol::FieldErrors errors;
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  std::string user;
  if (login) {
    auto u = protocol::CheckFtpUserName(*login, in.user);
    if (u) {
      user = *u;
    } else {
      errors.Add("user", u.error());
    }
  }
  std::string home;
  if (!in.home.empty()) {
    auto h = protocol::CheckRelativePath(in.home);
    if (h) {
      home = *h;
    } else {
      errors.Add("home", h.error());
    }
  }
  auto password = protocol::CheckPassword(in.password, {in.user, user, in.customer});
  if (!password) errors.Add("password", password.error());
  if (!errors.empty()) return Fail(errors.ToError());
  HP_ASSIGN_OR_RETURN(std::string hash, HashServicePassword(*password));
  return NewFtpUser{user, *login, std::move(hash), home};
}

Result<Change<Resource>> FtpService::Add(const Actor& actor, const FtpUserInput& in) {
  HP_ASSIGN_OR_RETURN(NewFtpUser user, Check(in));
  return runner_.Run(actor, "ftpuser.create",
                     [&](ChangeContext& change) { return Add(change, user); });
}

Result<Change<Resource>> FtpService::Remove(const Actor& actor, const std::string& user) {
  return runner_.Run(actor, "ftpuser.remove",
                     [&](ChangeContext& change) { return Remove(change, user); });
}

Result<Change<Resource>> FtpService::Update(const Actor& actor, const std::string& user,
                                            const FtpUserPatch& patch) {
  // The password may not be the user's name nor its account's login (the part before '_').
  const std::string login = user.substr(0, user.find('_'));
  auto password = protocol::CheckPassword(patch.password, {user, login});
  if (!password) {
    protocol::FieldErrors errors;
    errors.Add("password", password.error());
    return Fail(errors.ToError());
  }
  HP_ASSIGN_OR_RETURN(std::string hash, HashServicePassword(*password));
  return runner_.Run(actor, "ftpuser.update",
                     [&](ChangeContext& change) { return SetPasswordHash(change, user, hash); });
}

Result<Resource> FtpService::SetPasswordHash(ChangeContext& change, const std::string& user,
                                             const std::string& password_hash) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Resource before, LoadResource(change, kFtpUser, user, Action::kFtpUserUpdate,
                                                    NotFound(kFtpUser, user)));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, before));
  Resource after = before;
  after.data["password_hash"] = password_hash;
  HP_TRY(tx.resources().Update(after));
  // The hash never enters the audit log; that it changed does.
  Json audited = ToJson(after);
  audited["password_changed"] = true;
  HP_TRY(
      change.Audit("ftpuser.update", ObjectKey(kFtpUser, user), ToJson(before), audited, owner.id));
  HP_TRY(change.Append({after.node_id, ObjectKey(kFtpUser, user), protocol::kFtpUserEnsure,
                        FtpUserSpec(after, owner), owner.id}));
  return after;
}

Result<Resource> FtpService::Add(ChangeContext& change, const NewFtpUser& in) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Customer owner, LoadOwnerFor(change, in.customer, Action::kFtpUserCreate));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, owner));
  HP_ASSIGN_OR_RETURN(auto taken, tx.resources().Find(kFtpUser, in.user));
  if (taken) {
    return Fail(FieldError(ErrorCode::kConflict, {{"user", "ftp.taken"}},
                           "the FTP user '" + in.user + "' exists"));
  }
  HP_TRY(CheckLimit(tx, owner, kFtpUser, plan.max_ftp_users, "user", "plan.ftp_users_limit",
                    "FTP users"));
  HP_ASSIGN_OR_RETURN(Node node, FtpNodeOf(tx, owner, "user", PlacementFor(plan, options_)));
  Resource r;
  r.customer_id = owner.id;
  r.kind = kFtpUser;
  r.name = in.user;
  r.node_id = node.id;
  r.data = Json{{"home", in.home}, {"password_hash", in.password_hash}};
  HP_ASSIGN_OR_RETURN(Resource stored,
                      InsertAudited(change, "ftpuser.create", ObjectKey(kFtpUser, in.user), r));
  HP_TRY(accounts_.Sync(change, owner, node.id));
  HP_TRY(change.Append({node.id, ObjectKey(kFtpUser, in.user), protocol::kFtpUserEnsure,
                        FtpUserSpec(stored, owner), owner.id}));
  return stored;
}

Result<Resource> FtpService::Remove(ChangeContext& change, const std::string& user) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(auto found, LoadResource(change, kFtpUser, user, Action::kFtpUserRemove,
                                               NotFound(kFtpUser, user)));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, found));
  HP_TRY(tx.resources().Delete(found.id));
  HP_TRY(
      change.Audit("ftpuser.remove", ObjectKey(kFtpUser, user), ToJson(found), nullptr, owner.id));
  HP_TRY(change.Append({found.node_id, ObjectKey(kFtpUser, user), protocol::kFtpUserRemove,
                        RemovalSpecOf(found, owner), owner.id}));
  return found;
}

Status FtpService::Resend(ChangeContext& change, const Customer& c) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> users, OfCustomer(change.tx(), kFtpUser, c.id));
  for (const auto& f : users) {
    HP_TRY(change.Append({f.node_id, ObjectKey(kFtpUser, f.name), protocol::kFtpUserEnsure,
                          FtpUserSpec(f, c), c.id}));
  }
  return Ok();
}

}  // namespace hostplane::controller
