#pragma once

// Content copies of a drain (protocol/content.h). The drain step that moves a customer's sites,
// mail domains or databases off a reachable node records one transfer per directory or database
// (the account's home, each mail domain's Maildirs, each database) and sends the source
// content.export; when the export is applied, the result hook sends the target content.import;
// once every copy of the customer has ended, its zones are re-sent, so the DNS points at the new
// node only when the content is there. The drain empties the node only after every copy from it
// has ended.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <string>
#include <vector>

#include "controller/services/change_context.h"
#include "controller/services/dns_service.h"

namespace hostplane::controller {

// Content copies off a node so far: ended well (and their bytes), failed ("the home of acme:
// why"), still under way.
struct CopySummary {
  int64_t done = 0;
  int64_t bytes = 0;
  int64_t open = 0;
  std::vector<std::string> failed;
};

class ContentCopyService {
 public:
  explicit ContentCopyService(const DnsService& dns) : dns_(dns) {}

  // Records a transfer of one directory or database (what: home | mail | database) and sends its
  // export to the source node.
  [[nodiscard]] Status Start(ChangeContext& change, const Customer& c, const std::string& what,
                             const std::string& object, int64_t from, int64_t to) const;
  // The outcome of a content.export or content.import task (applied or failed), in the change
  // the report makes (it continues the drain's change).
  [[nodiscard]] Status OnResult(ChangeContext& change, const TaskRecord& task, TaskState state,
                                const std::string& error) const;
  // The copies from node so far.
  static Result<CopySummary> CopiesFrom(StoreTxn& tx, const Node& node);
  // The current task of each copy from node still under way (the import on the target once the
  // export is applied).
  static Result<std::vector<TaskRecord>> OpenCopyTasks(StoreTxn& tx, const Node& node);
  // Fails the open copies from and to a node declared lost, saying where the content still is.
  [[nodiscard]] static Status FailCopiesOfLostNode(StoreTxn& tx, const Node& node);

 private:
  const DnsService& dns_;
};

}  // namespace hostplane::controller
