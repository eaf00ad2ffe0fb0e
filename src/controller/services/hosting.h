#pragma once

// The controller's business layer, wired: the Authorizer, the ChangeRunner and one service per
// aggregate, built once in dependency order. It holds no logic of its own: the REST API, the
// bootstrap and the tests reach a service through it (hosting.sites().Create(actor, in)); an
// operation that composes several services runs them in one change with runner().Run.
//
// Owned by the controller runtime (cmd/controller_runtime.h), which installs result_hook() in the
// TaskEngine. Thread-safe: every service may be called from any thread.

#include "common/clock.h"
#include "controller/engine/task_engine.h"
#include "controller/services/account_service.h"
#include "controller/services/authorizer.h"
#include "controller/services/certificate_service.h"
#include "controller/services/change_runner.h"
#include "controller/services/content_copy_service.h"
#include "controller/services/customer_service.h"
#include "controller/services/database_service.h"
#include "controller/services/dns_service.h"
#include "controller/services/drain_service.h"
#include "controller/services/file_service.h"
#include "controller/services/ftp_service.h"
#include "controller/services/hosting_options.h"
#include "controller/services/mail_service.h"
#include "controller/services/node_service.h"
#include "controller/services/plan_service.h"
#include "controller/services/reseller_service.h"
#include "controller/services/resource_list_service.h"
#include "controller/services/site_service.h"
#include "controller/services/task_result_handler.h"
#include "controller/services/task_service.h"
#include "controller/services/token_service.h"
#include "controller/services/user_service.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class Hosting {
 public:
  // store, engine and clock must outlive it.
  Hosting(Store& store, TaskEngine& engine, const Clock& clock, HostingOptions options = {});
  Hosting(const Hosting&) = delete;
  Hosting& operator=(const Hosting&) = delete;

  CustomerService& customers() { return customers_; }
  PlanService& plans() { return plans_; }
  ResellerService& resellers() { return resellers_; }
  UserService& users() { return users_; }
  TokenService& tokens() { return tokens_; }
  SiteService& sites() { return sites_; }
  MailService& mail() { return mail_; }
  FtpService& ftp() { return ftp_; }
  DnsService& dns() { return dns_; }
  DatabaseService& databases() { return databases_; }
  CertificateService& certificates() { return certificates_; }
  NodeService& nodes() { return nodes_; }
  DrainService& drains() { return drains_; }
  TaskService& tasks() { return tasks_; }
  ResourceListService& resources() { return resources_; }
  FileService& files() { return files_; }
  // The engine's TaskResultHook (TaskEngine::SetResultHook).
  const TaskResultHandler& result_hook() const { return result_hook_; }
  // The engine's NodeKeyHook (TaskEngine::SetNodeKeyHook).
  NodeKeyHook node_key_hook() const {
    return [this](StoreTxn& tx, const Node& node, std::vector<TaskRecord>& appended) {
      return result_hook_.OnNodeKey(tx, node, appended);
    };
  }
  const SecretVault& vault() const { return vault_; }
  // Runs several services' steps in one change (one transaction, one change id).
  ChangeRunner& runner() { return runner_; }
  const HostingOptions& options() const { return options_; }

 private:
  const HostingOptions options_;
  const Authorizer authorizer_{};
  ChangeRunner runner_;
  const SecretVault vault_;
  const MailAccountService mail_accounts_;
  const AccountService accounts_;
  DnsService dns_;
  SiteService sites_;
  MailService mail_;
  FtpService ftp_;
  DatabaseService databases_;
  CertificateService certificates_;
  CustomerService customers_;
  PlanService plans_;
  ResellerService resellers_;
  UserService users_;
  TokenService tokens_;
  NodeService nodes_;
  ContentCopyService copies_;
  DrainService drains_;
  TaskService tasks_;
  ResourceListService resources_;
  FileService files_;
  TaskResultHandler result_hook_;
};

}  // namespace hostplane::controller
