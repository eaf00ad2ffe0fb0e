// HostingService: FTP users, customer databases and certificates, each one Resource row and, on
// its node, one object with its own ensure/remove task (protocol/ftp_spec.h, database_spec.h,
// cert_spec.h); and the lists of every kind. Mail is in hosting_mail.cc, DNS in hosting_dns.cc.

#include <set>
#include <utility>

#include "common/passwd/service_password.h"
#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/name_ownership.h"
#include "controller/engine/task_engine.h"
#include "controller/engine/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/cert_spec.h"
#include "protocol/content.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/validate.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

using hosting::Append;
using hosting::Authorize;
using hosting::CheckLimit;
using hosting::Children;
using hosting::CustomerObject;
using hosting::FieldError;
using hosting::NotFoundField;
using hosting::NotFoundMessage;
using hosting::NotifyNodes;
using hosting::Object;
using hosting::OwnerOf;
using hosting::PlanOf;
using hosting::RequireCustomer;
using namespace hosting::kinds;

Json CertSpec(const Site& site, const Customer& owner, const HostingOptions& options) {
  protocol::CertSpec spec;
  spec.domain = site.domain;
  spec.aliases = site.aliases;
  spec.account = owner.login;
  spec.directory_url = options.acme_directory;
  spec.email = options.acme_email.empty() ? "hostmaster@" + site.domain : options.acme_email;
  spec.renew_before_days = static_cast<int>(options.renew_before_days);
  return protocol::ToJson(spec);
}

// The node serving the customer's web content (its first site's), else the least loaded web node.
Result<Node> WebNodeOf(StoreTxn& tx, const Customer& c, const std::string& field,
                       const hosting::PlaceOptions& place) {
  auto sites = tx.sites().OfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  if (!sites->empty()) {
    auto node = tx.nodes().FindById(sites->front().node_id);
    if (!node) return Fail(node.error());
    if (*node) return **node;
  }
  auto counts = tx.sites().CountByNode();
  if (!counts) return Fail(counts.error());
  return hosting::PlaceOnRole(tx, "web", *counts, field, place);
}

}  // namespace

Json HostingService::CertSpecFor(const Site& site, const Customer& owner,
                                 const HostingOptions& options) {
  return CertSpec(site, owner, options);
}

// ---- FTP ----

Result<Change<Resource>> HostingService::AddFtpUser(const Actor& actor, const FtpUserInput& in) {
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
  auto hash = HashServicePassword(*password);
  if (!hash) return Fail(hash.error());

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "ftpuser.create", Object(kFtpUser, user)));
    auto owner = RequireCustomer(tx, *login);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    auto taken = tx.resources().Find(kFtpUser, user);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"user", "ftp.taken"}},
                             "the FTP user '" + user + "' exists"));
    }
    HP_TRY(CheckLimit(tx, *owner, kFtpUser, plan->max_ftp_users, "user", "plan.ftp_users_limit",
                      "FTP users"));
    auto node = WebNodeOf(tx, *owner, "user", hosting::PlacementFor(*plan, options_));
    if (!node) return Fail(node.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kFtpUser;
    r.name = user;
    r.node_id = node->id;
    r.data = Json{{"home", home}, {"password_hash", *hash}};
    auto inserted = hosting::InsertAudited(tx, actor, "ftpuser.create", Object(kFtpUser, user), r);
    if (!inserted) return Fail(inserted.error());
    change = std::move(*inserted);
    HP_TRY(hosting::SyncAccount(tx, change.tasks, *owner, node->id, change.change_id));
    return Append(tx, change.tasks, node->id, Object(kFtpUser, user), protocol::kFtpUserEnsure,
                  FtpUserSpec(change.object, *owner), change.change_id);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Json HostingService::FtpUserSpec(const Resource& r, const Customer& owner) {
  protocol::FtpUserSpec spec;
  spec.user = r.name;
  spec.account = owner.login;
  spec.uid = spec.gid = owner.uid;
  spec.home = r.data.value("home", "");
  spec.password_hash = r.data.value("password_hash", "");
  spec.status = hosting::SpecStatus(owner);
  return protocol::ToJson(spec);
}

Result<Change<Resource>> HostingService::RemoveFtpUser(const Actor& actor,
                                                       const std::string& user) {
  return RemoveSimple(actor, kFtpUser, user, protocol::kFtpUserRemove);
}

// ---- databases ----

Result<Change<Resource>> HostingService::AddDatabase(const Actor& actor, const DatabaseInput& in) {
  protocol::FieldErrors errors;
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  std::string name;
  if (login) {
    auto n = protocol::CheckDatabaseName(*login, in.name);
    if (n) {
      name = *n;
    } else {
      errors.Add("name", n.error());
    }
  }
  auto password = protocol::CheckPassword(in.password, {in.name, name, in.customer});
  if (!password) errors.Add("password", password.error());
  if (!errors.empty()) return Fail(errors.ToError());
  auto hashed = protocol::MysqlNativePasswordHash(*password);
  if (!hashed) return Fail(hashed.error());
  const std::string hash = *hashed;

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "database.create", Object(kDatabase, name)));
    auto owner = RequireCustomer(tx, *login);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    auto taken = tx.resources().Find(kDatabase, name);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"name", "db.taken"}},
                             "the database '" + name + "' exists"));
    }
    HP_TRY(CheckLimit(tx, *owner, kDatabase, plan->max_databases, "name", "plan.databases_limit",
                      "databases"));
    auto counts = tx.resources().CountByNode(kDatabase);
    if (!counts) return Fail(counts.error());
    auto place = hosting::PlacementFor(*plan, options_);
    // With the customer's other databases while that node has room: db.<zone> names them all.
    auto others = hosting::OfCustomer(tx, kDatabase, owner->id);
    if (!others) return Fail(others.error());
    if (!others->empty()) place.prefer = others->front().node_id;
    auto node = hosting::PlaceOnRole(tx, "db", *counts, "name", place);
    if (!node) return Fail(node.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kDatabase;
    r.name = name;
    r.node_id = node->id;
    r.data = Json{{"password_hash", hash}};
    // The first database puts db.<zone> into each of the customer's zones.
    auto zones = ZoneValidity::Before(tx, *owner, options_);
    if (!zones) return Fail(zones.error());
    auto inserted =
        hosting::InsertAudited(tx, actor, "database.create", Object(kDatabase, name), r);
    if (!inserted) return Fail(inserted.error());
    HP_TRY(zones->After(tx, {}, "name"));
    change = std::move(*inserted);
    HP_TRY(Append(tx, change.tasks, node->id, Object(kDatabase, name), protocol::kDatabaseEnsure,
                  DatabaseSpec(change.object, *owner), change.change_id));
    return hosting::SyncZonesOf(tx, change.tasks, *owner, change.change_id, options_,
                                tx.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Json HostingService::DatabaseSpec(const Resource& r, const Customer& owner) {
  return protocol::ToJson(protocol::DatabaseSpec{
      r.name, owner.login, r.data.value("password_hash", ""), hosting::SpecStatus(owner)});
}

Result<Change<Resource>> HostingService::RemoveDatabase(const Actor& actor,
                                                        const std::string& name) {
  return RemoveSimple(actor, kDatabase, name, protocol::kDatabaseRemove);
}

// Removes an FTP user, a database or a certificate: one object, one remove task.
Result<Change<Resource>> HostingService::RemoveSimple(const Actor& actor, const char* kind,
                                                      const std::string& name,
                                                      const char* task_kind) {
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, std::string(kind) + ".remove", Object(kind, name)));
    auto found = tx.resources().Find(kind, name);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage(kind, name)));
    auto owner = OwnerOf(tx, **found);
    if (!owner) return Fail(owner.error());
    HP_TRY(tx.resources().Delete((*found)->id));
    auto audit = tx.audit().Append(
        {actor.name, std::string(kind) + ".remove", Object(kind, name), ToJson(**found), nullptr});
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{**found, {}, *audit};
    Json spec = RemovalSpecOf(**found, *owner);
    HP_TRY(
        Append(tx, change.tasks, (*found)->node_id, Object(kind, name), task_kind, spec, *audit));
    // db.<zone> goes with the customer's last database.
    if (std::string(kind) != kDatabase) return Ok();
    return hosting::SyncZonesOf(tx, change.tasks, *owner, *audit, options_, tx.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Json HostingService::RemovalSpecOf(const Resource& r, const Customer& owner) {
  if (r.kind == kFtpUser) return protocol::ToJson(protocol::FtpUserRemoval{r.name, owner.login});
  if (r.kind == kDatabase) return protocol::ToJson(protocol::DatabaseRemoval{r.name, owner.login});
  if (r.kind == kCert) return protocol::ToJson(protocol::CertRemoval{r.name, owner.login});
  if (r.kind == kZone) return protocol::ToJson(protocol::ZoneRemoval{r.name, owner.login});
  return protocol::ToJson(protocol::MailDomainRemoval{r.name, owner.login, true});
}

// ---- certificates ----

Result<Change<Resource>> HostingService::IssueCertificate(const Actor& actor,
                                                          const std::string& domain) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) {
    protocol::FieldErrors errors;
    errors.Add("domain", canonical.error());
    return Fail(errors.ToError());
  }
  if (options_.acme_directory.empty()) {
    return Fail(FieldError(ErrorCode::kUnavailable, {{"domain", "acme.not_configured"}},
                           "certificates are off: the controller has no ACME directory "
                           "(--acme-directory)"));
  }
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "cert.create", Object(kCert, *canonical)));
    auto site = tx.sites().FindByDomain(*canonical);
    if (!site) return Fail(site.error());
    if (!*site) return Fail(NotFoundField("domain", "site", *canonical));
    auto owner = tx.customers().FindById((*site)->customer_id);
    if (!owner) return Fail(owner.error());
    if (!*owner) return Fail(Error::Internal("the owner of a site vanished"));
    // The names the certificate will carry, checked as every other claim (a site created before
    // the rule could sit under another customer's zone, who could then pass the challenge).
    std::vector<ClaimedName> names = {{"domain", (*site)->domain}};
    for (const auto& alias : (*site)->aliases) names.push_back({"domain", alias});
    HP_TRY(CheckNamesOwnable(tx, (*owner)->id, names, options_.reserved_names));
    auto existing = tx.resources().Find(kCert, *canonical);
    if (!existing) return Fail(existing.error());
    Resource r;
    if (*existing) {
      r = **existing;
      r.status = ResourceStatus::kPending;
      r.data["error"] = "";
      HP_TRY(tx.resources().Update(r));
    } else {
      r.customer_id = (*owner)->id;
      r.kind = kCert;
      r.name = *canonical;
      r.node_id = (*site)->node_id;
      r.status = ResourceStatus::kPending;
      r.data = Json{{"names", (*site)->aliases}, {"error", ""}};
      auto stored = tx.resources().Insert(r);
      if (!stored) return Fail(stored.error());
      r = *stored;
    }
    auto audit = tx.audit().Append(
        {actor.name, "cert.create", Object(kCert, *canonical), nullptr, ToJson(r)});
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{r, {}, *audit};
    return Append(tx, change.tasks, (*site)->node_id, Object(kCert, *canonical),
                  protocol::kCertEnsure, CertSpec(**site, **owner, options_), *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<int> HostingService::RenewCertificates() {
  int sent = 0;
  std::vector<TaskRecord> tasks;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    tasks.clear();
    sent = 0;
    ResourceFilter f;
    f.kind = kCert;
    auto certs = tx.resources().List(Scope::All(), f);
    if (!certs) return Fail(certs.error());
    std::optional<int64_t> audit;
    for (const auto& c : *certs) {
      if (c.status != ResourceStatus::kIssued) continue;
      if (!audit) {
        auto a = tx.audit().Append({"controller", "cert.renew", "certs", nullptr, nullptr});
        if (!a) return Fail(a.error());
        audit = *a;
      }
      auto site = tx.sites().FindByDomain(c.name);
      if (!site) return Fail(site.error());
      if (!*site) continue;
      auto owner = OwnerOf(tx, c);
      if (!owner) return Fail(owner.error());
      HP_TRY(Append(tx, tasks, c.node_id, Object(kCert, c.name), protocol::kCertEnsure,
                    CertSpec(**site, *owner, options_), *audit));
      ++sent;
    }
    return Ok();
  }));
  NotifyNodes(engine_, tasks);
  return sent;
}

Status HostingService::OnTaskResult(StoreTxn& tx, const TaskRecord& task, TaskState state,
                                    const std::string& error, std::vector<TaskRecord>& appended) {
  if (task.kind == protocol::kContentExport || task.kind == protocol::kContentImport) {
    return OnContentResult(tx, task, state, error, appended);
  }
  if (task.kind == protocol::kZoneEnsure) return hosting::RecordZoneResult(tx, task, state, error);
  if (task.kind != protocol::kCertEnsure) return Ok();
  const std::string domain = task.object_key.substr(std::string("cert:").size());
  auto cert = tx.resources().Find(kCert, domain);
  if (!cert) return Fail(cert.error());
  if (!*cert) return Ok();  // removed meanwhile
  Resource updated = **cert;
  if (state == TaskState::kFailed) {
    // A failed renewal of a certificate that is installed keeps the site on HTTPS.
    if (updated.status != ResourceStatus::kIssued) updated.status = ResourceStatus::kFailed;
    updated.data["error"] = error;
    return tx.resources().Update(updated);
  }
  updated.status = ResourceStatus::kIssued;
  updated.data["error"] = "";
  updated.data["issued_at"] = clock_.NowMillis();
  HP_TRY(tx.resources().Update(updated));
  auto site = tx.sites().FindByDomain(domain);
  if (!site) return Fail(site.error());
  if (!*site || (*site)->https) return Ok();
  Site on = **site;
  on.https = true;
  HP_TRY(tx.sites().Update(on));
  auto owner = tx.customers().FindById(on.customer_id);
  if (!owner) return Fail(owner.error());
  if (!*owner) return Ok();
  auto stored = tx.sites().FindByDomain(domain);
  if (!stored) return Fail(stored.error());
  if (!*stored) return Ok();
  auto audit = tx.audit().Append({"node:" + task.node_name, "site.https",
                                  hosting::SiteObject(domain), nullptr, Json{{"https", true}}});
  if (!audit) return Fail(audit.error());
  return Append(tx, appended, on.node_id, hosting::SiteObject(domain), protocol::kSiteEnsure,
                hosting::SiteEnsureSpec(**stored, **owner), *audit);
}

Result<std::vector<Resource>> HostingService::ListResources(const Actor& actor,
                                                            const std::string& kind,
                                                            std::optional<std::string> customer,
                                                            std::optional<std::string> parent) {
  static const std::set<std::string> kKinds = {kMailDomain, kMailbox, kForwarder, kZone,
                                               kRecord,     kFtpUser, kDatabase,  kCert};
  if (kKinds.count(kind) == 0) return Fail(Error::Invalid("unknown kind '" + kind + "'"));
  HP_TRY(Authorize(actor, kind + ".list", customer ? CustomerObject(*customer) : kind + "s"));
  ResourceFilter f;
  f.kind = kind;
  f.parent = std::move(parent);
  if (customer) {
    auto c = store_.GetCustomer(*customer);
    if (!c) return Fail(c.error());
    if (!*c) return Fail(NotFoundField("customer", "customer", *customer));
    f.customer_id = (*c)->id;
  }
  return store_.ListResources(f);
}

}  // namespace hostplane::controller
