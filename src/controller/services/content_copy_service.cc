#include "controller/services/content_copy_service.h"

#include <optional>

#include "controller/services/service_support.h"
#include "protocol/content.h"

namespace hostplane::controller {
namespace {

std::string TransferObject(int64_t id) { return "transfer:" + std::to_string(id); }

std::string Describe(const Transfer& t) {
  if (t.what == "database") return "the contents of database " + t.object;
  return (t.what == "home" ? "the home of " : "the mail of ") + t.object;
}

}  // namespace

Status ContentCopyService::Start(ChangeContext& change, const Customer& c, const std::string& what,
                                 const std::string& object, int64_t from, int64_t to) const {
  Transfer t;
  t.customer_id = c.id;
  t.what = what;
  t.object = object;
  t.source_node_id = from;
  t.target_node_id = to;
  t.change_id = change.change_id();
  HP_ASSIGN_OR_RETURN(Transfer stored, change.tx().transfers().Insert(t));
  protocol::ContentExportSpec spec{stored.id, what, object};
  return change.Append(
      {from, TransferObject(stored.id), protocol::kContentExport, protocol::ToJson(spec), c.id});
}

Status ContentCopyService::OnResult(ChangeContext& change, const TaskRecord& task, TaskState state,
                                    const std::string& error) const {
  StoreTxn& tx = change.tx();
  if (!task.spec.is_object() || !task.spec.contains("transfer") ||
      !task.spec["transfer"].is_number_integer()) {
    return Ok();
  }
  HP_ASSIGN_OR_RETURN(auto found, tx.transfers().Find(task.spec["transfer"].get<int64_t>()));
  if (!found || !found->open()) return Ok();
  Transfer t = *found;
  change.Continue(t.change_id.value_or(0));  // what follows belongs to the drain that copies
  auto node_name = [&](int64_t id) -> std::string {
    auto n = tx.nodes().FindById(id);
    return n && *n ? (*n)->name : std::to_string(id);
  };
  const bool exported = task.kind == protocol::kContentExport;
  if (exported && state == TaskState::kApplied && t.state == TransferState::kExporting) {
    if (t.chunks == 0) {
      t.state = TransferState::kFailed;
      t.error = "the export of " + Describe(t) + " was applied without a sealed archive";
    } else {
      protocol::ContentImportSpec spec{t.id, t.what, t.object, t.chunks, t.bytes, t.digest};
      HP_TRY(change.Append({t.target_node_id, TransferObject(t.id), protocol::kContentImport,
                            protocol::ToJson(spec), t.customer_id}));
      t.state = TransferState::kImporting;
      return tx.transfers().Update(t);
    }
  } else if (state == TaskState::kApplied && !exported && t.state == TransferState::kImporting) {
    t.state = TransferState::kDone;
  } else if (state == TaskState::kFailed) {
    t.state = TransferState::kFailed;
    t.error = (exported ? "packing " + Describe(t) + " on " + node_name(t.source_node_id)
                        : "unpacking " + Describe(t) + " on " + node_name(t.target_node_id)) +
              " failed: " + error;
  } else {
    return Ok();
  }
  HP_TRY(tx.transfers().Update(t));  // the spool's sweeper deletes its chunks once this commits
  // The customer's last copy ended: the DNS may now point at where the content is.
  HP_ASSIGN_OR_RETURN(
      const std::vector<Transfer> open,
      tx.transfers().List(TransferFilter{std::nullopt, t.customer_id, true, std::nullopt}));
  if (!open.empty()) return Ok();
  HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(t.customer_id));
  if (!c) return Ok();
  return dns_.SyncZonesOf(change, *c);
}

Result<CopySummary> ContentCopyService::CopiesFrom(StoreTxn& tx, const Node& node) {
  HP_ASSIGN_OR_RETURN(
      const std::vector<Transfer> all,
      tx.transfers().List(TransferFilter{node.id, std::nullopt, false, std::nullopt}));
  CopySummary copies;
  for (const Transfer& t : all) {
    if (t.state == TransferState::kDone) {
      ++copies.done;
      copies.bytes += t.bytes;
    } else if (t.state == TransferState::kFailed) {
      copies.failed.push_back(Describe(t) + ": " + t.error);
    } else {
      ++copies.open;
    }
  }
  return copies;
}

Result<std::vector<TaskRecord>> ContentCopyService::OpenCopyTasks(StoreTxn& tx, const Node& node) {
  HP_ASSIGN_OR_RETURN(
      const std::vector<Transfer> open,
      tx.transfers().List(TransferFilter{node.id, std::nullopt, true, std::nullopt}));
  std::vector<TaskRecord> out;
  for (const Transfer& t : open) {
    // The copy's current task: the import on the target once the export is applied.
    HP_ASSIGN_OR_RETURN(
        auto task, tx.tasks().Latest(
                       t.state == TransferState::kImporting ? t.target_node_id : t.source_node_id,
                       TransferObject(t.id)));
    if (task) out.push_back(std::move(*task));
  }
  return out;
}

Status ContentCopyService::FailCopiesOfLostNode(StoreTxn& tx, const Node& node) {
  HP_ASSIGN_OR_RETURN(
      const std::vector<Transfer> from,
      tx.transfers().List(TransferFilter{node.id, std::nullopt, true, std::nullopt}));
  for (Transfer t : from) {
    t.state = TransferState::kFailed;
    t.error = "node " + node.name + " was declared lost before " + Describe(t) + " was copied";
    HP_TRY(tx.transfers().Update(t));
  }
  // Copies to it: the source's drain would wait for them for ever. The content is still on the
  // source, which the source's drain lists for the operator.
  TransferFilter to;
  to.target_node_id = node.id;
  to.open_only = true;
  HP_ASSIGN_OR_RETURN(const std::vector<Transfer> into, tx.transfers().List(to));
  for (Transfer t : into) {
    HP_ASSIGN_OR_RETURN(auto source, tx.nodes().FindById(t.source_node_id));
    t.state = TransferState::kFailed;
    t.error = "node " + node.name + ", where " + Describe(t) +
              " was being copied, was declared lost; it is still on " +
              (source ? source->name : "its source");
    HP_TRY(tx.transfers().Update(t));
  }
  return Ok();
}

}  // namespace hostplane::controller
