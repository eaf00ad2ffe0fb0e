#pragma once

// The specs tasks carry to the nodes (protocol/*_spec.h), built from stored rows: one builder per
// kind of object, so every service that sends an object sends the same spec. Pure functions
// (the mail domain's and the zone's need reads and live with their services).

#include "controller/services/hosting_options.h"
#include "controller/store/entities.h"

namespace hostplane::controller {

// The status the customer's objects carry to their nodes: suspended or active.
ServiceStatus SpecStatusOf(const Customer& c);

// site.ensure / site.remove.
Json SiteEnsureSpec(const Site& s, const Customer& owner);
Json SiteRemovalSpec(const Site& s, bool remove_content);
// ftpuser.ensure, database.ensure, cert.ensure.
Json FtpUserSpec(const Resource& r, const Customer& owner);
Json DatabaseSpec(const Resource& r, const Customer& owner);
Json CertSpec(const Site& site, const Customer& owner, const HostingOptions& options);
// The removal of an FTP user, a database, a certificate, a zone or a mail domain (its content
// removed too, unless the caller says otherwise in the spec).
Json RemovalSpecOf(const Resource& r, const Customer& owner);

}  // namespace hostplane::controller
