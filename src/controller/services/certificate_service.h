#pragma once

// Certificates: one Resource row per site that asked for one, issued by the site's web node
// (cert.ensure: the ACME client, HTTP-01 through the site's own vhost). The engine's result hook
// records the outcome here; a certificate issued turns the site's HTTPS on. A daily round
// re-sends every issued certificate (the agent renews those due).
//
// Thread-safe; each ChangeContext is used by one thread.

#include <string>

#include "controller/services/change_runner.h"
#include "controller/services/hosting_options.h"

namespace hostplane::controller {

class CertificateService {
 public:
  CertificateService(ChangeRunner& runner, const HostingOptions& options)
      : runner_(runner), options_(options) {}

  // Errors: kInvalid {"domain": ...}; kUnavailable {"domain": "acme.not_configured"}; kNotFound
  // {"domain": "site.not_found"} (also for a site the actor may not see).
  Result<Change<Resource>> Issue(const Actor& actor, const std::string& domain);
  // Re-sends cert.ensure for every issued certificate: how many.
  Result<int> Renew();

  // Steps, inside a change (the caller commits).
  Result<Resource> Issue(ChangeContext& change, const std::string& canonical_domain) const;
  // The outcome of a cert.ensure task (applied or failed), recorded in the change the report
  // makes.
  [[nodiscard]] Status OnResult(ChangeContext& change, const TaskRecord& task, TaskState state,
                                const std::string& error) const;

 private:
  ChangeRunner& runner_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
