#include "controller/store/repositories/transfer_repository.h"

#include "controller/store/row_mapping.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSelect =
    "SELECT id, customer_id, what, object, source_node_id, target_node_id, state, chunks, bytes, "
    "digest, error, change_id, created_at, updated_at FROM transfers ";
constexpr const char* kInsert =
    "INSERT INTO transfers (customer_id, what, object, source_node_id, target_node_id, state, "
    "change_id, created_at, updated_at) VALUES (:customer_id, :what, :object, :source, :target, "
    ":state, :change_id, :now, :now)";
constexpr const char* kUpdate =
    "UPDATE transfers SET state = :state, chunks = :chunks, bytes = :bytes, digest = :digest, "
    "error = :error, updated_at = :now WHERE id = :id";
constexpr const char* kList =
    "SELECT id, customer_id, what, object, source_node_id, target_node_id, state, chunks, bytes, "
    "digest, error, change_id, created_at, updated_at FROM transfers "
    "WHERE (CAST(:source AS BIGINT) IS NULL OR source_node_id = :source) "
    "AND (CAST(:customer AS BIGINT) IS NULL OR customer_id = :customer) "
    "AND (:open_only = 0 OR state IN ('exporting', 'importing')) "
    "AND (CAST(:target AS BIGINT) IS NULL OR target_node_id = :target) ORDER BY id";

}  // namespace

Result<Transfer> TransferRepository::Insert(const Transfer& t) {
  HP_ASSIGN_OR_RETURN(int64_t id, sql::InsertReturningId(db_, kInsert,
                                                         {{"customer_id", t.customer_id},
                                                          {"what", t.what},
                                                          {"object", t.object},
                                                          {"source", t.source_node_id},
                                                          {"target", t.target_node_id},
                                                          {"state", Name(t.state)},
                                                          {"change_id", t.change_id},
                                                          {"now", clock_.NowMillis()}},
                                                         "transfer of " + t.object));
  return sql::ReadBack(Find(id), "transfer");
}

Result<std::optional<Transfer>> TransferRepository::Find(int64_t id) {
  return sql::One(db_, std::string(kSelect) + "WHERE id = :id", {{"id", id}}, rows::ReadTransfer);
}

Status TransferRepository::Update(const Transfer& t) {
  return sql::ExecOne(db_, kUpdate,
                      {{"id", t.id},
                       {"state", Name(t.state)},
                       {"chunks", t.chunks},
                       {"bytes", t.bytes},
                       {"digest", t.digest},
                       {"error", t.error},
                       {"now", clock_.NowMillis()}},
                      Error::NotFound("transfer " + std::to_string(t.id) + " not found"));
}

Result<std::vector<Transfer>> TransferRepository::List(const TransferFilter& f) {
  return sql::Many(db_, kList,
                   {{"source", f.source_node_id},
                    {"customer", f.customer_id},
                    {"open_only", f.open_only},
                    {"target", f.target_node_id}},
                   rows::ReadTransfer);
}

}  // namespace hostplane::controller
