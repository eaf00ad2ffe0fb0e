#include "controller/services/certificate_service.h"

#include <optional>
#include <utility>

#include "controller/services/name_ownership.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/store/entity_json.h"
#include "protocol/cert_spec.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::controller {

using namespace kinds;

Result<Change<Resource>> CertificateService::Issue(const Actor& actor, const std::string& domain) {
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
  return runner_.Run(actor, "cert.create",
                     [&](ChangeContext& change) { return Issue(change, *canonical); });
}

Result<Resource> CertificateService::Issue(ChangeContext& change, const std::string& domain) const {
  StoreTxn& tx = change.tx();
  const Error missing = NotFoundField("domain", "site", domain);
  HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(domain));
  if (!site) return Fail(missing);
  HP_TRY(change.Allow(Action::kCertCreate, {"site", domain, OwnerOf(*site)}, missing));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, *site));
  // The names the certificate will carry, checked as every other claim (a site created before
  // the rule could sit under another customer's zone, who could then pass the challenge).
  std::vector<ClaimedName> names = {{"domain", site->domain}};
  for (const auto& alias : site->aliases) names.push_back({"domain", alias});
  HP_TRY(CheckNamesOwnable(tx, owner.id, names, options_.reserved_names));
  HP_ASSIGN_OR_RETURN(auto existing, tx.resources().Find(kCert, domain));
  Resource r;
  if (existing) {
    r = *existing;
    r.status = ResourceStatus::kPending;
    r.data["error"] = "";
    HP_TRY(tx.resources().Update(r));
  } else {
    r.customer_id = owner.id;
    r.kind = kCert;
    r.name = domain;
    r.node_id = site->node_id;
    r.status = ResourceStatus::kPending;
    r.data = Json{{"names", site->aliases}, {"error", ""}};
    HP_ASSIGN_OR_RETURN(r, tx.resources().Insert(r));
  }
  HP_TRY(change.Audit("cert.create", ObjectKey(kCert, domain), nullptr, ToJson(r), owner.id));
  HP_TRY(change.Append({site->node_id, ObjectKey(kCert, domain), protocol::kCertEnsure,
                        CertSpec(*site, owner, options_), owner.id}));
  return r;
}

Result<int> CertificateService::Renew() {
  const Actor controller{"controller", Role::kAdmin};
  auto renewed = runner_.Run(controller, "cert.renew", [&](ChangeContext& change) -> Result<int> {
    StoreTxn& tx = change.tx();
    ResourceFilter f;
    f.kind = kCert;
    HP_ASSIGN_OR_RETURN(const std::vector<Resource> certs, tx.resources().List(Scope::All(), f));
    int sent = 0;
    for (const auto& c : certs) {
      if (c.status != ResourceStatus::kIssued) continue;
      if (change.change_id() == 0) {
        HP_TRY(change.Audit("cert.renew", "certs", nullptr, nullptr, std::nullopt));
      }
      HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(c.name));
      if (!site) continue;
      HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, c));
      HP_TRY(change.Append({c.node_id, ObjectKey(kCert, c.name), protocol::kCertEnsure,
                            CertSpec(*site, owner, options_), owner.id}));
      ++sent;
    }
    return sent;
  });
  if (!renewed) return Fail(renewed.error());
  return renewed->object;
}

Status CertificateService::OnResult(ChangeContext& change, const TaskRecord& task, TaskState state,
                                    const std::string& error) const {
  StoreTxn& tx = change.tx();
  const std::string domain = task.object_key.substr(std::string("cert:").size());
  HP_ASSIGN_OR_RETURN(auto cert, tx.resources().Find(kCert, domain));
  if (!cert) return Ok();  // removed meanwhile
  Resource updated = *cert;
  if (state == TaskState::kFailed) {
    // A failed renewal of a certificate that is installed keeps the site on HTTPS.
    if (updated.status != ResourceStatus::kIssued) updated.status = ResourceStatus::kFailed;
    updated.data["error"] = error;
    return tx.resources().Update(updated);
  }
  updated.status = ResourceStatus::kIssued;
  updated.data["error"] = "";
  updated.data["issued_at"] = change.NowMillis();
  HP_TRY(tx.resources().Update(updated));
  HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(domain));
  if (!site || site->https) return Ok();
  Site on = *site;
  on.https = true;
  HP_TRY(tx.sites().Update(on));
  HP_ASSIGN_OR_RETURN(auto owner, tx.customers().FindById(on.customer_id));
  if (!owner) return Ok();
  HP_ASSIGN_OR_RETURN(auto stored, tx.sites().FindByDomain(domain));
  if (!stored) return Ok();
  HP_TRY(change.Audit("site.https", SiteObject(domain), nullptr, Json{{"https", true}}, owner->id));
  return change.Append({on.node_id, SiteObject(domain), protocol::kSiteEnsure,
                        SiteEnsureSpec(*stored, *owner), owner->id});
}

}  // namespace hostplane::controller
