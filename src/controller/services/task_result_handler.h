#pragma once

// The engine's TaskResultHook (engine/task_engine.h): what follows from a task that became final,
// in the report's own transaction — a certificate issued turns its site's HTTPS on, a content
// export applied sends the import, the last copy of a customer sends its zones, a zone's result
// is recorded on the zone. Each result is a
// change of its own, made by the reporting node.
//
// Thread-safe (the engine's report threads call it).

#include <string>
#include <vector>

#include "controller/services/authorizer.h"
#include "controller/services/certificate_service.h"
#include "controller/services/content_copy_service.h"
#include "controller/services/dns_service.h"
#include "controller/services/mail_service.h"

namespace hostplane::controller {

class TaskResultHandler {
 public:
  TaskResultHandler(const Authorizer& authorizer, const CertificateService& certificates,
                    const ContentCopyService& copies, const DnsService& dns,
                    const MailService& mail, const AccountService& accounts)
      : authorizer_(authorizer),
        certificates_(certificates),
        copies_(copies),
        dns_(dns),
        mail_(mail),
        accounts_(accounts) {}

  // Tasks it appends are put in `appended` (the engine rings their nodes after the commit). An
  // error rolls the whole report back (the agent sends it again).
  [[nodiscard]] Status operator()(StoreTxn& tx, const TaskRecord& task, TaskState state,
                                  const std::string& error,
                                  std::vector<TaskRecord>& appended) const;

  // The engine's NodeKeyHook: a node announced a new box key or submission endpoint, so its mail
  // domains are sent again with their DKIM keys sealed to it, and the accounts it holds or serves
  // mail for get PHP's way out again (the submission password sealed to it; the new endpoint) —
  // a change of its own, made by the node.
  [[nodiscard]] Status OnNodeKey(StoreTxn& tx, const Node& node,
                                 std::vector<TaskRecord>& appended) const;

 private:
  const Authorizer& authorizer_;
  const CertificateService& certificates_;
  const ContentCopyService& copies_;
  const DnsService& dns_;
  const MailService& mail_;
  const AccountService& accounts_;
};

}  // namespace hostplane::controller
