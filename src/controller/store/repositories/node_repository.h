#pragma once

// Nodes (the hosting servers) and their one-time join tokens. A node's head revision is moved
// only by TaskRepository::Append. Company-level objects. Lives inside one StoreTxn; not
// thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class NodeRepository {
 public:
  NodeRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Node>> FindByName(const std::string& name);
  Result<std::optional<Node>> FindById(int64_t id);
  // Oldest first.
  Result<std::vector<Node>> List();
  // Returns the stored row. Errors: kConflict when the name exists.
  Result<Node> Insert(const Node& n);
  // Everything but head_revision. Errors: kNotFound.
  [[nodiscard]] Status Update(const Node& n);
  // Up to limit customers with a site (when sites) or a resource of one of kinds on the node,
  // lowest id first.
  Result<std::vector<int64_t>> CustomersOn(int64_t node_id, bool sites,
                                           const std::vector<std::string>& kinds, int limit);

  // Join tokens: a new one revokes the node's unused ones.
  [[nodiscard]] Status InsertJoinToken(int64_t node_id, const std::string& token_hash,
                                       int64_t expires_at);
  Result<std::optional<JoinToken>> FindJoinToken(const std::string& token_hash);
  // Marks it used; false when it already was (another join won).
  Result<bool> UseJoinToken(int64_t id, int64_t now);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
