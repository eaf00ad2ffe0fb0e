#include "controller/services/site_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "controller/services/placement.h"
#include "controller/services/reseller_limits.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/services/usage_lock.h"
#include "controller/services/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

constexpr const char* kWebRole = "web";

// A site's PHP version: "" (static) or one of the versions the web nodes offer.
std::optional<protocol::Violation> CheckPhp(const std::string& php,
                                            const std::vector<std::string>& offered) {
  if (php.empty() || std::find(offered.begin(), offered.end(), php) != offered.end()) {
    return std::nullopt;
  }
  std::string list;
  for (const auto& v : offered) list += (list.empty() ? "" : ", ") + v;
  return protocol::Violation{"php.unavailable", "PHP " + protocol::QuoteForMessage(php) +
                                                    " is not offered; choose one of: " + list +
                                                    " (or \"\" for none)."};
}

// Collisions with the domain or each other are field errors too.
CheckedAliases CheckAliases(const std::vector<std::string>& input, const std::string& domain,
                            protocol::FieldErrors& errors) {
  CheckedAliases out;
  std::set<std::string> seen = {domain};
  for (size_t i = 0; i < input.size(); ++i) {
    std::string field = "aliases[" + std::to_string(i) + "]";
    auto alias = protocol::CheckDomain(input[i]);
    if (!alias) {
      errors.Add(field, alias.error());
      continue;
    }
    if (!seen.insert(*alias).second) {
      errors.Add(field, {"domain.duplicate", "The name is listed twice for this site."});
      continue;
    }
    out.by_field.push_back({field, *alias});
    out.sorted.push_back(*alias);
  }
  std::sort(out.sorted.begin(), out.sorted.end());
  return out;
}

// Uniqueness of names a site wants to claim (inside the write transaction, so it holds at
// commit): a name belongs to one site. Names the site itself already owns (self_site_id) are
// fine. Ownership against other customers' names is CheckNamesOwnable's.
Status CheckNamesFree(StoreTxn& tx, const std::vector<ClaimedName>& names, int64_t self_site_id) {
  std::map<std::string, std::string> taken;
  std::string message;
  for (const auto& [field, name] : names) {
    HP_ASSIGN_OR_RETURN(auto owner, tx.sites().FindByName(name));
    if (owner && owner->id != self_site_id) {
      taken[field] = "domain.taken";
      message = "'" + name + "' is already a site name";
    }
  }
  if (taken.empty()) return Ok();
  return Fail(FieldError(ErrorCode::kConflict, std::move(taken), message));
}

Result<Site> LoadSite(ChangeContext& change, const std::string& domain, Action action) {
  const Error missing = NotFound("site", domain);
  HP_ASSIGN_OR_RETURN(auto found, change.tx().sites().FindByDomain(domain));
  if (!found) return Fail(missing);
  HP_TRY(change.Allow(action, {"site", domain, OwnerOf(*found)}, missing));
  return std::move(*found);
}

}  // namespace

Result<NewSite> SiteService::CheckNew(const SiteInput& in) const {
  protocol::FieldErrors errors;
  auto domain = protocol::CheckDomain(in.domain);
  if (!domain) errors.Add("domain", domain.error());
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  CheckedAliases aliases = CheckAliases(in.aliases, domain ? *domain : std::string(), errors);
  std::string docroot;
  if (in.docroot) {
    auto d = protocol::CheckRelativePath(*in.docroot);
    if (d) {
      docroot = *d;
    } else {
      errors.Add("docroot", d.error());
    }
  } else if (domain) {
    docroot = "sites/" + *domain + "/public";
  }
  std::string php;
  if (in.php) {
    if (auto v = CheckPhp(*in.php, options_.php_versions)) {
      errors.Add("php", *v);
    } else {
      php = *in.php;
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return NewSite{*domain, *login, std::move(aliases), docroot, php};
}

Result<CheckedSitePatch> SiteService::CheckPatch(const std::string& domain,
                                                 const SitePatch& patch) const {
  protocol::FieldErrors errors;
  CheckedSitePatch out;
  if (patch.aliases) out.aliases = CheckAliases(*patch.aliases, domain, errors);
  if (patch.docroot) {
    auto d = protocol::CheckRelativePath(*patch.docroot);
    if (d) {
      out.docroot = *d;
    } else {
      errors.Add("docroot", d.error());
    }
  }
  if (patch.php) {
    if (auto v = CheckPhp(*patch.php, options_.php_versions)) errors.Add("php", *v);
    out.php = patch.php;
  }
  if (patch.settings) {
    // Each value on its own here; how they fit the site is checked against the stored one.
    (void)protocol::ApplySettings(protocol::SiteSettings{}, *patch.settings, "settings.", errors);
    out.settings = patch.settings;
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return out;
}

Result<Change<Site>> SiteService::Create(const Actor& actor, const SiteInput& in) {
  HP_ASSIGN_OR_RETURN(NewSite site, CheckNew(in));
  return runner_.Run(actor, "site.create",
                     [&](ChangeContext& change) { return Create(change, site); });
}

Result<std::vector<Site>> SiteService::List(const Actor& actor, std::optional<std::string> customer,
                                            const Page& page) {
  HP_ASSIGN_OR_RETURN(Scope scope, runner_.authorizer().ScopeOf(actor, Action::kSiteList, "sites"));
  return store_.Read([&](StoreTxn& tx) { return tx.sites().List(scope, customer, page); });
}

Result<Site> SiteService::Get(const Actor& actor, const std::string& domain) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(NotFound("site", domain));
  const Error missing = NotFound("site", *canonical);
  HP_ASSIGN_OR_RETURN(
      auto site, store_.Read([&](StoreTxn& tx) { return tx.sites().FindByDomain(*canonical); }));
  if (!site) return Fail(missing);
  HP_TRY(runner_.authorizer().Allow(actor, Action::kSiteRead, {"site", *canonical, OwnerOf(*site)},
                                    missing));
  return std::move(*site);
}

Result<Change<Site>> SiteService::Update(const Actor& actor, const std::string& domain,
                                         const SitePatch& patch) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(NotFound("site", domain));
  HP_ASSIGN_OR_RETURN(CheckedSitePatch checked, CheckPatch(*canonical, patch));
  return runner_.Run(actor, "site.update",
                     [&](ChangeContext& change) { return Update(change, *canonical, checked); });
}

Result<Change<Site>> SiteService::Remove(const Actor& actor, const std::string& domain,
                                         bool remove_content) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(NotFound("site", domain));
  return runner_.Run(actor, "site.remove", [&](ChangeContext& change) {
    return Remove(change, *canonical, remove_content);
  });
}

Result<Site> SiteService::Create(ChangeContext& change, const NewSite& in) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Customer customer, LoadOwnerFor(change, in.customer, Action::kSiteCreate));
  std::vector<ClaimedName> names = {{"domain", in.domain}};
  names.insert(names.end(), in.aliases.by_field.begin(), in.aliases.by_field.end());
  HP_TRY(CheckNamesFree(tx, names, 0));
  HP_TRY(CheckNamesOwnable(tx, customer.id, names, options_.reserved_names));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, customer));
  HP_TRY(HoldUsage(tx, customer));
  if (plan.max_sites) {
    HP_ASSIGN_OR_RETURN(int64_t count, tx.sites().CountOfCustomer(customer.id));
    if (count >= *plan.max_sites) {
      return Fail(FieldError(
          ErrorCode::kLimit, {{"domain", "plan.sites_limit"}},
          "the plan '" + plan.name + "' allows " + std::to_string(*plan.max_sites) + " sites"));
    }
  }
  HP_TRY(CheckRoomForSite(tx, customer.reseller_id));
  // The least loaded web node with room, by the rules of the customer's plan.
  HP_ASSIGN_OR_RETURN(auto counts, tx.sites().CountByNode());
  HP_ASSIGN_OR_RETURN(Node node,
                      PlaceOnRole(tx, kWebRole, counts, "domain", PlacementFor(plan, options_)));
  Site site;
  site.customer_id = customer.id;
  site.domain = in.domain;
  site.aliases = in.aliases.sorted;
  site.docroot = in.docroot;
  site.php = in.php;
  site.node_id = node.id;
  HP_ASSIGN_OR_RETURN(const ZoneValidity zones, ZoneValidity::Before(tx, customer, options_));
  HP_ASSIGN_OR_RETURN(Site stored, tx.sites().Insert(site));
  HP_TRY(zones.After(tx, names, "domain"));
  HP_TRY(
      change.Audit("site.create", SiteObject(stored.domain), nullptr, ToJson(stored), customer.id));
  // The account's user (and PHP pool) first: the site's files belong to it.
  HP_TRY(accounts_.Sync(change, customer, stored.node_id));
  HP_TRY(change.Append({stored.node_id, SiteObject(stored.domain), protocol::kSiteEnsure,
                        SiteEnsureSpec(stored, customer), customer.id}));
  HP_TRY(dns_.SyncZonesOf(change, customer));
  return stored;
}

Result<Site> SiteService::Update(ChangeContext& change, const std::string& domain,
                                 const CheckedSitePatch& patch) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const Site before, LoadSite(change, domain, Action::kSiteUpdate));
  Site after = before;
  if (patch.aliases) after.aliases = patch.aliases->sorted;
  if (patch.docroot) after.docroot = *patch.docroot;
  if (patch.php) after.php = *patch.php;
  if (patch.settings) {
    protocol::FieldErrors errors;
    after.settings = protocol::ApplySettings(before.settings, *patch.settings, "settings.", errors);
    protocol::CheckSettingsComplete(after.settings, "settings.", errors);
    if (after.settings.profile == protocol::AppProfile::kPhp && after.php.empty()) {
      errors.Add(patch.php && !patch.settings->contains("profile") ? "php" : "settings.profile",
                 {"profile.needs_php",
                  "The profile php needs a site with PHP: set php to a version first."});
    }
    if (!errors.empty()) return Fail(errors.ToError());
  } else if (after.settings.profile == protocol::AppProfile::kPhp && after.php.empty()) {
    protocol::FieldErrors errors;
    errors.Add("php", {"profile.needs_php",
                       "The site's profile is php: change the profile before turning PHP off."});
    return Fail(errors.ToError());
  }
  if (after.aliases == before.aliases && after.docroot == before.docroot &&
      after.php == before.php && after.settings == before.settings) {
    return before;  // nothing to change, nothing to apply
  }
  if (patch.aliases) {
    HP_TRY(CheckNamesFree(tx, patch.aliases->by_field, before.id));
    HP_TRY(CheckNamesOwnable(tx, before.customer_id, patch.aliases->by_field,
                             options_.reserved_names));
  }
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, before));
  HP_ASSIGN_OR_RETURN(const ZoneValidity zones, ZoneValidity::Before(tx, owner, options_));
  HP_TRY(tx.sites().Update(after));
  HP_TRY(zones.After(tx, patch.aliases ? patch.aliases->by_field : std::vector<ClaimedName>{},
                     "aliases"));
  HP_ASSIGN_OR_RETURN(auto stored, tx.sites().FindByDomain(before.domain));
  if (!stored) return Fail(Error::Internal("site '" + before.domain + "' vanished"));
  HP_TRY(change.Audit("site.update", SiteObject(before.domain), ToJson(before), ToJson(*stored),
                      before.customer_id));
  if (after.php != before.php) HP_TRY(accounts_.Sync(change, owner, before.node_id));
  HP_TRY(change.Append({stored->node_id, SiteObject(before.domain), protocol::kSiteEnsure,
                        SiteEnsureSpec(*stored, owner), owner.id}));
  HP_TRY(dns_.SyncZonesOf(change, owner));
  return std::move(*stored);
}

Result<Site> SiteService::Remove(ChangeContext& change, const std::string& domain,
                                 bool remove_content) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const Site site, LoadSite(change, domain, Action::kSiteRemove));
  HP_TRY(tx.sites().Delete(site.id));
  HP_TRY(change.Audit("site.remove", SiteObject(site.domain), ToJson(site), nullptr,
                      site.customer_id));
  HP_TRY(change.Append({site.node_id, SiteObject(site.domain), protocol::kSiteRemove,
                        SiteRemovalSpec(site, remove_content), site.customer_id}));
  HP_ASSIGN_OR_RETURN(auto owner, tx.customers().FindById(site.customer_id));
  if (!owner) return site;
  if (!site.php.empty()) HP_TRY(accounts_.Sync(change, *owner, site.node_id));
  HP_TRY(dns_.SyncZonesOf(change, *owner));
  return site;
}

Status SiteService::Resend(ChangeContext& change, const Customer& c) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Site> sites, change.tx().sites().OfCustomer(c.id));
  for (const auto& s : sites) {
    HP_TRY(change.Append(
        {s.node_id, SiteObject(s.domain), protocol::kSiteEnsure, SiteEnsureSpec(s, c), c.id}));
  }
  return Ok();
}

}  // namespace hostplane::controller
