#include "controller/services/task_specs.h"

#include <algorithm>

#include "controller/services/service_support.h"
#include "protocol/cert_spec.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/site_settings.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

using namespace kinds;

ServiceStatus SpecStatusOf(const Customer& c) {
  return c.status == CustomerStatus::kSuspended ? ServiceStatus::kSuspended
                                                : ServiceStatus::kActive;
}

Json SiteEnsureSpec(const Site& s, const Customer& owner) {
  protocol::SiteSpec spec;
  spec.domain = s.domain;
  spec.aliases = s.aliases;
  std::sort(spec.aliases.begin(), spec.aliases.end());
  spec.account = s.customer_login;
  spec.docroot = s.docroot;
  const bool suspended =
      s.status == SiteStatus::kSuspended || owner.status == CustomerStatus::kSuspended;
  spec.status = Name(suspended ? ServiceStatus::kSuspended : ServiceStatus::kActive);
  spec.php = s.php;
  spec.https = s.https;
  Json out = protocol::ToJson(spec);
  out["settings"] = protocol::ToJson(s.settings);  // protocol::SiteSettingsOfSpec
  return out;
}

Json SiteRemovalSpec(const Site& s, bool remove_content) {
  protocol::SiteRemoval removal;
  removal.domain = s.domain;
  removal.account = s.customer_login;
  removal.docroot = s.docroot;
  removal.remove_content = remove_content;
  return protocol::ToJson(removal);
}

Json FtpUserSpec(const Resource& r, const Customer& owner) {
  protocol::FtpUserSpec spec;
  spec.user = r.name;
  spec.account = owner.login;
  spec.uid = spec.gid = owner.uid;
  spec.home = r.data.value("home", "");
  spec.password_hash = r.data.value("password_hash", "");
  spec.status = Name(SpecStatusOf(owner));
  return protocol::ToJson(spec);
}

Json DatabaseSpec(const Resource& r, const Customer& owner) {
  return protocol::ToJson(protocol::DatabaseSpec{r.name, owner.login,
                                                 r.data.value("password_hash", ""),
                                                 std::string(Name(SpecStatusOf(owner)))});
}

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

Json RemovalSpecOf(const Resource& r, const Customer& owner) {
  if (r.kind == kFtpUser) return protocol::ToJson(protocol::FtpUserRemoval{r.name, owner.login});
  if (r.kind == kDatabase) return protocol::ToJson(protocol::DatabaseRemoval{r.name, owner.login});
  if (r.kind == kCert) return protocol::ToJson(protocol::CertRemoval{r.name, owner.login});
  if (r.kind == kZone) return protocol::ToJson(protocol::ZoneRemoval{r.name, owner.login});
  return protocol::ToJson(protocol::MailDomainRemoval{r.name, owner.login, true});
}

}  // namespace hostplane::controller
