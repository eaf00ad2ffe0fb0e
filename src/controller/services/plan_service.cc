#include "controller/services/plan_service.h"

#include <algorithm>
#include <utility>

#include "controller/services/service_support.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

constexpr size_t kMaxPlanNameLength = 32;

// The declared range of each plan limit, with its field path in a request.
struct LimitRule {
  const char* field;
  Limit PlanInput::*input;
  Limit Plan::*stored;
  int64_t min;
  int64_t max;
};
constexpr LimitRule kLimitRules[] = {
    {"limits.sites", &PlanInput::sites, &Plan::max_sites, 0, 1'000'000},
    {"limits.mailboxes", &PlanInput::mailboxes, &Plan::max_mailboxes, 0, 1'000'000},
    {"limits.mailbox_quota_mb", &PlanInput::mailbox_quota_mb, &Plan::mailbox_quota_mb, 1,
     10'485'760},
    {"limits.forwarders", &PlanInput::forwarders, &Plan::max_forwarders, 0, 1'000'000},
    {"limits.ftp_users", &PlanInput::ftp_users, &Plan::max_ftp_users, 0, 1'000'000},
    {"limits.dns_zones", &PlanInput::dns_zones, &Plan::max_dns_zones, 0, 1'000'000},
    {"limits.databases", &PlanInput::databases, &Plan::max_databases, 0, 1'000'000},
    {"limits.disk_mb", &PlanInput::disk_mb, &Plan::disk_mb, 1, 104'857'600},
    {"limits.messages_per_hour", &PlanInput::messages_per_hour, &Plan::max_messages_per_hour, 1,
     1'000'000},
};

bool IsPlanNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// ^[a-z][a-z0-9-]{1,31}$
std::optional<protocol::Violation> CheckPlanName(const std::string& name) {
  bool ok = name.size() >= 2 && name.size() <= kMaxPlanNameLength && name[0] >= 'a' &&
            name[0] <= 'z' && std::all_of(name.begin(), name.end(), IsPlanNameChar);
  if (ok) return std::nullopt;
  return protocol::Violation{"plan.invalid_name",
                             "A plan name is 2 to 32 lowercase letters, digits and '-', starting "
                             "with a letter."};
}

}  // namespace

Result<Plan> PlanService::Check(const PlanInput& in) {
  protocol::FieldErrors errors;
  if (auto v = CheckPlanName(in.name)) errors.Add("name", *v);
  Plan plan;
  plan.name = in.name;
  for (const LimitRule& rule : kLimitRules) {
    const Limit& value = in.*rule.input;
    if (value && (*value < rule.min || *value > rule.max)) {
      errors.Add(rule.field,
                 {"number.out_of_range", std::string("The limit ") + rule.field + " must be from " +
                                             std::to_string(rule.min) + " to " +
                                             std::to_string(rule.max) + ", or unlimited."});
    }
    plan.*rule.stored = value;
  }
  for (const auto& [field, value] :
       {std::pair{"placement.site", &in.pin_site}, std::pair{"placement.group", &in.pin_group}}) {
    if (!value->empty() && !protocol::CheckNodeName(*value)) {
      errors.Add(field, {"placement.invalid", std::string(field) +
                                                  " is a site or group name: lowercase letters, "
                                                  "digits and '-', starting with a letter."});
    }
  }
  plan.pin_site = in.pin_site;
  plan.pin_group = in.pin_group;
  if (!errors.empty()) return Fail(errors.ToError());
  return plan;
}

Result<Change<Plan>> PlanService::Create(const Actor& actor, const PlanInput& in) {
  HP_ASSIGN_OR_RETURN(Plan plan, Check(in));
  return runner_.Run(actor, "plan.create",
                     [&](ChangeContext& change) { return Create(change, plan); });
}

Result<Plan> PlanService::Create(ChangeContext& change, const Plan& plan) const {
  StoreTxn& tx = change.tx();
  HP_TRY(change.AllowCollection(Action::kPlanCreate, "plans"));
  HP_ASSIGN_OR_RETURN(auto existing, tx.plans().FindByName(plan.name));
  if (existing) {
    return Fail(FieldError(ErrorCode::kConflict, {{"name", "plan.taken"}},
                           "a plan named '" + plan.name + "' exists"));
  }
  Plan owned = plan;
  // A reseller's plan is its own; staff make the company's.
  owned.reseller_id =
      change.actor().role == Role::kReseller ? change.actor().reseller_id : std::nullopt;
  HP_ASSIGN_OR_RETURN(Plan stored, tx.plans().Insert(owned));
  HP_TRY(
      change.Audit("plan.create", PlanObject(stored.name), nullptr, ToJson(stored), std::nullopt));
  return stored;
}

Result<Plan> PlanService::Get(const Actor& actor, const std::string& name) {
  const Error missing = NotFound("plan", name);
  HP_ASSIGN_OR_RETURN(auto plan,
                      store_.Read([&](StoreTxn& tx) { return tx.plans().FindByName(name); }));
  if (!plan) return Fail(missing);
  HP_TRY(runner_.authorizer().Allow(actor, Action::kPlanRead, {"plan", name, OwnerOf(*plan)},
                                    missing));
  return std::move(*plan);
}

Result<std::vector<Plan>> PlanService::List(const Actor& actor) {
  HP_ASSIGN_OR_RETURN(Scope scope, runner_.authorizer().ScopeOf(actor, Action::kPlanList, "plans"));
  return store_.Read([&](StoreTxn& tx) { return tx.plans().List(scope.reseller()); });
}

}  // namespace hostplane::controller
