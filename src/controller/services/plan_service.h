#pragma once

// Plans: the limits and placement pins customers are sold. Each limit is a number or unlimited
// (nullopt): unlimited is a flag, never -1 (shared/SECURITY.md).
//
// Thread-safe; each ChangeContext is used by one thread.

#include <string>
#include <vector>

#include "controller/services/change_runner.h"

namespace hostplane::controller {

// A new plan. Create checks each number against the limit's declared range.
// The sending limit of a plan whose request names none (and of the plans that existed before it).
inline constexpr int64_t kDefaultMessagesPerHour = 100;

struct PlanInput {
  std::string name;  // ^[a-z][a-z0-9-]{1,31}$
  Limit sites;
  Limit mailboxes;
  Limit mailbox_quota_mb;
  Limit forwarders;
  Limit ftp_users;
  Limit dns_zones;
  Limit databases;
  Limit disk_mb;
  Limit messages_per_hour;  // the account's sending limit (mail_account_service.h)
  // Placement pins: the plan's services go only to nodes at this site / in this group.
  std::string pin_site;
  std::string pin_group;
};

class PlanService {
 public:
  PlanService(Store& store, ChangeRunner& runner) : store_(store), runner_(runner) {}

  // Errors: kInvalid with "name" (plan.invalid_name) and "limits.<limit>" (number.out_of_range)
  // fields; kConflict {"name": "plan.taken"} when the name exists.
  Result<Change<Plan>> Create(const Actor& actor, const PlanInput& in);
  Result<Plan> Get(const Actor& actor, const std::string& name);
  Result<std::vector<Plan>> List(const Actor& actor);

  // Steps, inside a change (the caller commits).
  static Result<Plan> Check(const PlanInput& in);
  Result<Plan> Create(ChangeContext& change, const Plan& plan) const;

 private:
  Store& store_;
  ChangeRunner& runner_;
};

}  // namespace hostplane::controller
