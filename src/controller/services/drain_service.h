#pragma once

// Emptying a node: drain (the node is reachable: content is copied off it) and loss (it is gone:
// what the store cannot rebuild is listed as unrecoverable). Steps, not a background job: each
// call moves up to `batch` customers in one change and returns the tasks it queued; the caller
// waits for them and asks for the next step; the step that finds nothing left sends the node its
// removals. Nothing lives only in a controller's memory, so a controller may die between steps
// and running the command again resumes.
//
// Failpoints: node.drain.before_commit / node.drain.after_commit (and node.lost.*), from the
// ChangeRunner, around each step's transaction.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <set>
#include <string>
#include <vector>

#include "controller/services/change_runner.h"
#include "controller/services/content_copy_service.h"
#include "controller/services/customer_service.h"
#include "controller/services/dns_service.h"
#include "controller/services/hosting_options.h"
#include "controller/services/mail_service.h"
#include "controller/services/node_service.h"

namespace hostplane::controller {

// One step of emptying a node.
struct DrainStep {
  Node node;                        // as it is after the step (status draining/drained/lost)
  std::vector<std::string> moved;   // customers moved by this step
  int64_t remaining_customers = 0;  // customers still with something on the node
  bool emptied = false;             // this step sent the node its removals (the last step)
  // What could not be recovered (lost nodes): "site files of shop.example", ...
  std::vector<std::string> unrecoverable;
  std::vector<TaskRecord> tasks;  // the tasks of this step (the CLI waits on them)
  int64_t change_id = 0;
  // Content copies off this node so far (protocol/content.h). The node is emptied only when none
  // is under way; a step that has nothing else to do puts their current tasks in `tasks`.
  using Copies = CopySummary;
  Copies copies;
};

class DrainService {
 public:
  struct Parts {
    const CustomerService& customers;
    const MailService& mail;
    const DnsService& dns;
    const ContentCopyService& copies;
  };
  DrainService(ChangeRunner& runner, Parts parts, const HostingOptions& options)
      : runner_(runner), parts_(parts), options_(options) {}

  // Moves up to `batch` customers off node (every site and service it serves goes to another
  // node of the same role, placed as new ones are, and is re-sent there; zones follow), setting
  // it draining (lost: lost) first. When nothing is left, the step sends the node its removals
  // (drain only; a lost node gets nothing) and marks it drained. Run it until emptied. Errors:
  // kInvalid (batch, role); kNotFound; kConflict (a lost node cannot be drained); kUnavailable
  // (no node has room: nothing of that customer moved). With role (drain only), just that role
  // leaves the node: it is taken off the node's roles and only its objects move (a node that
  // has no other role is drained whole).
  Result<DrainStep> Drain(const Actor& actor, const std::string& node, int batch, bool lost,
                          const std::string& role = "");

  // The step, inside a change (the caller commits).
  Result<DrainStep> Drain(ChangeContext& change, const std::string& node, int batch, bool lost,
                          const std::string& role) const;

 private:
  [[nodiscard]] Status MoveCustomerOff(ChangeContext& change, const Customer& c, const Node& from,
                                       const std::set<std::string>& roles, bool lost,
                                       std::vector<std::string>& unrecoverable) const;
  [[nodiscard]] Status EmptyNode(ChangeContext& change, const Node& node,
                                 const std::set<std::string>& roles) const;

  ChangeRunner& runner_;
  Parts parts_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
