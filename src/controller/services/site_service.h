#pragma once

// Sites: a domain and its aliases served from a docroot in the account's home on one web node
// (site.ensure / site.remove, protocol/messages.h). Every name a site claims is unique across all
// sites, and a name under another customer's site is refused; the site's account is made on its
// node first; the customer's zones follow its names.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controller/services/account_service.h"
#include "controller/services/change_runner.h"
#include "controller/services/dns_service.h"
#include "controller/services/hosting_options.h"
#include "controller/services/name_ownership.h"

namespace hostplane::controller {

struct SiteInput {
  std::string domain;
  std::string customer;  // login
  std::vector<std::string> aliases;
  std::optional<std::string> docroot;  // relative to the account home; default "sites/<domain>"
  std::optional<std::string> php =
      std::nullopt;  // a PHP version HostingOptions lists, or "" (default)
};

struct SitePatch {
  std::optional<std::vector<std::string>> aliases;
  std::optional<std::string> docroot;
  std::optional<std::string> php;  // "" turns PHP off; a version must be one HostingOptions lists
  // Web settings to change (protocol/site_settings.h): a JSON object of the members to change.
  std::optional<Json> settings;
};

// Aliases in canonical form, each with its field path in the request ("aliases[1]"), and the
// sorted list a site stores.
struct CheckedAliases {
  std::vector<ClaimedName> by_field;
  std::vector<std::string> sorted;
};
// Inputs in canonical form (CheckNew, CheckPatch).
struct NewSite {
  std::string domain;
  std::string customer;
  CheckedAliases aliases;
  std::string docroot;
  std::string php;
};
struct CheckedSitePatch {
  std::optional<CheckedAliases> aliases;
  std::optional<std::string> docroot;
  std::optional<std::string> php;
  std::optional<Json> settings;  // every member's value checked
};

class SiteService {
 public:
  SiteService(Store& store, ChangeRunner& runner, const AccountService& accounts,
              const DnsService& dns, const HostingOptions& options)
      : store_(store), runner_(runner), accounts_(accounts), dns_(dns), options_(options) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field; kNotFound
  // (the site, or {"customer": "customer.not_found"}; also one the actor may not see);
  // kConflict {"domain"/"aliases[i]": "domain.taken" | "domain.owned_by_other_customer"};
  // kLimit {"domain": "plan.sites_limit"}; kUnavailable {"domain": "node.none_available"}.
  // A patch that changes nothing writes nothing (change_id 0). Settings: kInvalid with
  // "settings.<key>" codes (protocol/site_settings.h), also "settings.profile":
  // "profile.needs_php" (the php profile on a site without PHP, or PHP turned off under it).
  Result<Change<Site>> Create(const Actor& actor, const SiteInput& in);
  Result<std::vector<Site>> List(const Actor& actor, std::optional<std::string> customer,
                                 const Page& page);
  Result<Site> Get(const Actor& actor, const std::string& domain);
  Result<Change<Site>> Update(const Actor& actor, const std::string& domain,
                              const SitePatch& patch);
  Result<Change<Site>> Remove(const Actor& actor, const std::string& domain, bool remove_content);

  // Steps, inside a change (the caller commits).
  Result<NewSite> CheckNew(const SiteInput& in) const;
  Result<CheckedSitePatch> CheckPatch(const std::string& domain, const SitePatch& patch) const;
  Result<Site> Create(ChangeContext& change, const NewSite& in) const;
  Result<Site> Update(ChangeContext& change, const std::string& domain,
                      const CheckedSitePatch& patch) const;
  Result<Site> Remove(ChangeContext& change, const std::string& domain, bool remove_content) const;
  // Re-sends site.ensure for every site of c.
  [[nodiscard]] Status Resend(ChangeContext& change, const Customer& c) const;

 private:
  Store& store_;
  ChangeRunner& runner_;
  const AccountService& accounts_;
  const DnsService& dns_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
