// HostingService: content copies of a drain (protocol/content.h). The drain step that moves a
// customer's sites, mail domains or databases off a reachable node records one transfer per
// directory or database (the account's home, each mail domain's Maildirs, each database) and
// sends the source content.export; the result
// hook sends the target content.import once the export is applied, and re-sends the customer's
// zones once every copy of the customer has ended, so the DNS points at the new node only when
// the content is there. The drain empties the node only after every copy from it has ended.

#include <string>
#include <vector>

#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "protocol/content.h"

namespace hostplane::controller {
namespace {

std::string TransferObject(int64_t id) { return "transfer:" + std::to_string(id); }

std::string Describe(const Transfer& t) {
  if (t.what == "database") return "the contents of database " + t.object;
  return (t.what == "home" ? "the home of " : "the mail of ") + t.object;
}

}  // namespace

Status HostingService::StartCopy(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                                 const std::string& what, const std::string& object, int64_t from,
                                 int64_t to, int64_t change_id) {
  Transfer t;
  t.customer_id = c.id;
  t.what = what;
  t.object = object;
  t.source_node_id = from;
  t.target_node_id = to;
  t.change_id = change_id;
  auto stored = tx.transfers().Insert(t);
  if (!stored) return Fail(stored.error());
  protocol::ContentExportSpec spec{stored->id, what, object};
  return hosting::Append(tx, tasks, from, TransferObject(stored->id), protocol::kContentExport,
                         protocol::ToJson(spec), change_id);
}

Status HostingService::OnContentResult(StoreTxn& tx, const TaskRecord& task, TaskState state,
                                       const std::string& error,
                                       std::vector<TaskRecord>& appended) {
  if (!task.spec.is_object() || !task.spec.contains("transfer") ||
      !task.spec["transfer"].is_number_integer()) {
    return Ok();
  }
  auto found = tx.transfers().Find(task.spec["transfer"].get<int64_t>());
  if (!found) return Fail(found.error());
  if (!*found || !(*found)->open()) return Ok();
  Transfer t = **found;
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
      HP_TRY(hosting::Append(tx, appended, t.target_node_id, TransferObject(t.id),
                             protocol::kContentImport, protocol::ToJson(spec),
                             t.change_id.value_or(0)));
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
  auto open = tx.transfers().List(TransferFilter{std::nullopt, t.customer_id, true});
  if (!open) return Fail(open.error());
  if (!open->empty()) return Ok();
  auto c = tx.customers().FindById(t.customer_id);
  if (!c) return Fail(c.error());
  if (!*c) return Ok();
  return hosting::SyncZonesOf(tx, appended, **c, t.change_id.value_or(0), options_, tx.NowMillis());
}

Status HostingService::CopiesFrom(StoreTxn& tx, const Node& node, DrainStep& step) {
  auto all = tx.transfers().List(TransferFilter{node.id, std::nullopt, false});
  if (!all) return Fail(all.error());
  step.copies = DrainStep::Copies{};
  for (const Transfer& t : *all) {
    if (t.state == TransferState::kDone) {
      ++step.copies.done;
      step.copies.bytes += t.bytes;
    } else if (t.state == TransferState::kFailed) {
      step.copies.failed.push_back(Describe(t) + ": " + t.error);
    } else {
      ++step.copies.open;
    }
  }
  return Ok();
}

Result<std::vector<TaskRecord>> HostingService::OpenCopyTasks(StoreTxn& tx, const Node& node) {
  auto open = tx.transfers().List(TransferFilter{node.id, std::nullopt, true});
  if (!open) return Fail(open.error());
  std::vector<TaskRecord> out;
  for (const Transfer& t : *open) {
    // The copy's current task: the import on the target once the export is applied.
    auto task = tx.tasks().Latest(
        t.state == TransferState::kImporting ? t.target_node_id : t.source_node_id,
        TransferObject(t.id));
    if (!task) return Fail(task.error());
    if (*task) out.push_back(**task);
  }
  return out;
}

Status HostingService::FailCopiesOfLostNode(StoreTxn& tx, const Node& node) {
  auto from = tx.transfers().List(TransferFilter{node.id, std::nullopt, true});
  if (!from) return Fail(from.error());
  for (Transfer t : *from) {
    t.state = TransferState::kFailed;
    t.error = "node " + node.name + " was declared lost before " + Describe(t) + " was copied";
    HP_TRY(tx.transfers().Update(t));
  }
  // Copies to it: the source's drain would wait for them for ever. The content is still on the
  // source, which the source's drain lists for the operator.
  TransferFilter to;
  to.target_node_id = node.id;
  to.open_only = true;
  auto into = tx.transfers().List(to);
  if (!into) return Fail(into.error());
  for (Transfer t : *into) {
    auto source = tx.nodes().FindById(t.source_node_id);
    if (!source) return Fail(source.error());
    t.state = TransferState::kFailed;
    t.error = "node " + node.name + ", where " + Describe(t) +
              " was being copied, was declared lost; it is still on " +
              (*source ? (*source)->name : "its source");
    HP_TRY(tx.transfers().Update(t));
  }
  return Ok();
}

}  // namespace hostplane::controller
