#include "controller/store/repositories/node_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, name, roles, capacity, status, head_revision, applied_revision, last_seen, "
    "version, drivers, drift, created_at, ipv4, ipv6, site, node_group, load, "
    "nats_password_hash, enrolled_at, box_key, ns_name, mail_submission FROM nodes ";
constexpr const char* kInsert =
    "INSERT INTO nodes (name, roles, capacity, status, applied_revision, last_seen, version, "
    "drivers, drift, created_at, ipv4, ipv6, site, node_group, load, nats_password_hash, "
    "enrolled_at, box_key, ns_name, mail_submission) VALUES (:name, :roles, :capacity, :status, "
    ":applied_revision, :last_seen, :version, :drivers, :drift, :now, :ipv4, :ipv6, :site, "
    ":node_group, :load, :nats_password_hash, :enrolled_at, :box_key, :ns_name, :mail_submission)";
constexpr const char* kUpdate =
    "UPDATE nodes SET roles = :roles, capacity = :capacity, status = :status, "
    "applied_revision = :applied_revision, last_seen = :last_seen, version = :version, "
    "drivers = :drivers, drift = :drift, ipv4 = :ipv4, ipv6 = :ipv6, site = :site, "
    "node_group = :node_group, load = :load, nats_password_hash = :nats_password_hash, "
    "enrolled_at = :enrolled_at, box_key = :box_key, ns_name = :ns_name, "
    "mail_submission = :mail_submission WHERE id = :id";
constexpr const char* kInsertJoinToken =
    "INSERT INTO join_tokens (node_id, token_hash, expires_at, created_at) "
    "VALUES (:node, :hash, :expires_at, :now)";
// A new token replaces every unused one of the node.
constexpr const char* kRevokeJoinTokens =
    "DELETE FROM join_tokens WHERE node_id = :node AND used_at IS NULL";
constexpr const char* kFindJoinToken =
    "SELECT id, node_id, expires_at, used_at FROM join_tokens WHERE token_hash = :hash";
constexpr const char* kUseJoinToken =
    "UPDATE join_tokens SET used_at = :now WHERE id = :id AND used_at IS NULL";

std::string Select(std::string_view rest) { return std::string(kSelect) + std::string(rest); }

sql::Params NodeParams(const Node& n) {
  return {{"name", n.name},
          {"roles", rows::ListText(n.roles)},
          {"capacity", n.capacity},
          {"status", Name(n.status)},
          {"applied_revision", n.applied_revision},
          {"last_seen", n.last_seen},
          {"version", n.version},
          {"drivers", rows::ListText(n.drivers)},
          {"drift", rows::ListText(n.drift)},
          {"ipv4", n.ipv4},
          {"ipv6", n.ipv6},
          {"site", n.site},
          {"node_group", n.group},
          {"load", n.load},
          {"nats_password_hash", n.nats_password_hash},
          {"enrolled_at", n.enrolled_at},
          {"box_key", n.box_key},
          {"ns_name", n.ns_name},
          {"mail_submission", n.mail_submission}};
}

}  // namespace

Result<std::optional<Node>> NodeRepository::FindByName(const std::string& name) {
  return sql::One(db_, Select("WHERE name = :name"), {{"name", name}}, rows::ReadNode);
}

Result<std::optional<Node>> NodeRepository::FindById(int64_t id) {
  return sql::One(db_, Select("WHERE id = :id"), {{"id", id}}, rows::ReadNode);
}

Result<std::vector<Node>> NodeRepository::List() {
  return sql::Many(db_, Select("ORDER BY id"), {}, rows::ReadNode);
}

Result<Node> NodeRepository::Insert(const Node& n) {
  sql::Params params = NodeParams(n);
  params.push_back({"now", clock_.NowMillis()});
  HP_ASSIGN_OR_RETURN(int64_t id,
                      sql::InsertReturningId(db_, kInsert, params, "node '" + n.name + "'"));
  return sql::ReadBack(FindById(id), "node");
}

Status NodeRepository::Update(const Node& n) {
  sql::Params params = NodeParams(n);
  params.erase(params.begin());  // the name never changes
  params.push_back({"id", n.id});
  return sql::ExecOne(db_, kUpdate, params, Error::NotFound("node '" + n.name + "' not found"));
}

Result<std::vector<int64_t>> NodeRepository::CustomersOn(int64_t node_id, bool sites,
                                                         const std::vector<std::string>& kinds,
                                                         int limit) {
  const std::string query =
      "SELECT customer_id FROM sites WHERE node_id = :node AND :sites = 1 UNION "
      "SELECT customer_id FROM resources WHERE node_id = :node AND kind IN " +
      db_.dialect().TextArrayElements("kinds") + " ORDER BY 1 LIMIT :limit";
  std::vector<int64_t> out;
  HP_TRY(db_.Run(
      query,
      {{"node", node_id}, {"sites", sites}, {"kinds", rows::ListText(kinds)}, {"limit", limit}},
      [&](const sql::Row& row) {
        out.push_back(row.Int("customer_id"));
        return Ok();
      }));
  return out;
}

Status NodeRepository::InsertJoinToken(int64_t node_id, const std::string& token_hash,
                                       int64_t expires_at) {
  HP_TRY(sql::Exec(db_, kRevokeJoinTokens, {{"node", node_id}}));
  return sql::Exec(db_, kInsertJoinToken,
                   {{"node", node_id},
                    {"hash", token_hash},
                    {"expires_at", expires_at},
                    {"now", clock_.NowMillis()}});
}

Result<std::optional<JoinToken>> NodeRepository::FindJoinToken(const std::string& token_hash) {
  return sql::One(db_, kFindJoinToken, {{"hash", token_hash}}, rows::ReadJoinToken);
}

Result<bool> NodeRepository::UseJoinToken(int64_t id, int64_t now) {
  HP_TRY(sql::Exec(db_, kUseJoinToken, {{"id", id}, {"now", now}}));
  return db_.Changes() == 1;
}

}  // namespace hostplane::controller
