#include "controller/store/repositories/plan_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, name, max_sites, max_mailboxes, mailbox_quota_mb, max_forwarders, max_ftp_users, "
    "max_dns_zones, max_databases, disk_mb, max_messages_per_hour, created_at, pin_site, "
    "pin_group, reseller_id FROM "
    "plans ";
constexpr const char* kInsert =
    "INSERT INTO plans (name, max_sites, max_mailboxes, mailbox_quota_mb, max_forwarders, "
    "max_ftp_users, max_dns_zones, max_databases, disk_mb, max_messages_per_hour, created_at, "
    "pin_site, pin_group, "
    "reseller_id) "
    "VALUES (:name, :max_sites, :max_mailboxes, :mailbox_quota_mb, :max_forwarders, "
    ":max_ftp_users, :max_dns_zones, :max_databases, :disk_mb, :max_messages_per_hour, :now, "
    ":pin_site, :pin_group, "
    ":reseller_id)";

std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

}  // namespace

Result<std::optional<Plan>> PlanRepository::FindByName(const std::string& name) {
  return sql::One(db_, Select("WHERE name = :name"), {{"name", name}}, rows::ReadPlan);
}

Result<std::optional<Plan>> PlanRepository::FindById(int64_t id) {
  return sql::One(db_, Select("WHERE id = :id"), {{"id", id}}, rows::ReadPlan);
}

Result<std::vector<Plan>> PlanRepository::List(std::optional<int64_t> reseller) {
  if (!reseller) return sql::Many(db_, Select("ORDER BY id"), {}, rows::ReadPlan);
  return sql::Many(db_, Select("WHERE reseller_id = :reseller ORDER BY id"),
                   {{"reseller", *reseller}}, rows::ReadPlan);
}

Result<Plan> PlanRepository::Insert(const Plan& p) {
  HP_ASSIGN_OR_RETURN(int64_t id,
                      sql::InsertReturningId(db_, kInsert,
                                             {{"name", p.name},
                                              {"max_sites", p.max_sites},
                                              {"max_mailboxes", p.max_mailboxes},
                                              {"mailbox_quota_mb", p.mailbox_quota_mb},
                                              {"max_forwarders", p.max_forwarders},
                                              {"max_ftp_users", p.max_ftp_users},
                                              {"max_dns_zones", p.max_dns_zones},
                                              {"max_databases", p.max_databases},
                                              {"disk_mb", p.disk_mb},
                                              {"max_messages_per_hour", p.max_messages_per_hour},
                                              {"now", clock_.NowMillis()},
                                              {"pin_site", p.pin_site},
                                              {"pin_group", p.pin_group},
                                              {"reseller_id", p.reseller_id}},
                                             "plan '" + p.name + "'"));
  return sql::ReadBack(FindById(id), "plan");
}

}  // namespace hostplane::controller
