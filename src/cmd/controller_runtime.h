#pragma once

// The controller assembled from a data directory, shared by `hostplane up` (in-process bus) and
// `hostplane serve` (NATS): the bundle-signing key, the store, the first admin token, then
// the task engine, the business service and the REST API on the given bus. Stop() stops them in
// the order that lets long polls end (engine before API).

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/fs/filesystem.h"
#include "common/mail/mail_sender.h"
#include "common/mail/smtp_transport.h"
#include "common/result.h"
#include "common/signing_key.h"
#include "controller/api/api_server.h"
#include "controller/engine/content_spool.h"
#include "controller/engine/leader_lease.h"
#include "controller/engine/task_engine.h"
#include "controller/orders/order_pipeline.h"
#include "controller/panel/panel_files.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"
#include "controller/store/store_outbox.h"

namespace hostplane::cmd {

// Creates dir if needed and returns its absolute, normalised path, with the given mode.
// Errors: kIo with a sentence naming the directory.
[[nodiscard]] Result<std::string> PrepareDataDir(const std::string& dir, mode_t mode);

class ControllerRuntime {
 public:
  // Loads or creates <data_dir>/controller.key and the master key of the store's secrets
  // (master_key_path, default <data_dir>/secrets.key; controller/secrets/master_key.h), opens
  // the store at store_url (controller/store/store_url.h; default sqlite://<data_dir>/store.db;
  // migrations applied) and finds or makes the admin token of
  // <data_dir>/hostplane.env. Errors: those of each step. Content copies of drains are spooled
  // in <data_dir>/transfers (ContentSpool).
  [[nodiscard]] static Result<std::unique_ptr<ControllerRuntime>> Open(
      const std::string& data_dir, Filesystem& files, const Clock& clock,
      const std::string& master_key_path = "", const std::string& store_url = "");
  ~ControllerRuntime();

  // Loads the panel's built files to be served beside the API (call before Start). An empty dir
  // means DefaultPanelDir(); when it has no panel build, the API runs alone and panel_status()
  // says why. A dir given explicitly must hold one. Errors: PanelFiles::Load's.
  [[nodiscard]] Status LoadPanel(const std::string& dir);
  // The login doors' options (base URL, throttle); call before Start.
  void SetLoginOptions(controller::LoginOptions options) { login_ = std::move(options); }
  // The order pipeline (issue 21): off unless options.enabled; call before Start. Its links and
  // mails name the login options' base URL, else the API's own http://listen:port.
  void SetOrderOptions(controller::OrderPipelineOptions options) {
    orders_options_ = std::move(options);
  }
  // The lease under which one controller of those sharing the store runs the jobs that must run
  // once (orders, the mail outbox, certificate renewals); call before Start.
  void SetLeaseOptions(controller::LeaderLeaseOptions options) {
    lease_options_ = std::move(options);
  }
  // "http://listen:port/" when the panel is served, else a sentence saying why not.
  std::string panel_status() const;

  // Starts the engine on bus (with engine_options), makes the nodes that do not exist yet (as
  // actor), and the API on listen:port. Errors: kUnavailable (bus, port), kInvalid (a node's
  // fields).
  [[nodiscard]] Status Start(Bus& bus, const std::vector<controller::NodeInput>& nodes,
                             const std::string& actor, const std::string& listen, int port,
                             const controller::TaskEngineOptions& engine_options = {},
                             const controller::HostingOptions& hosting_options = {});
  void Stop();

  const std::string& admin_token() const { return token_; }
  const SigningKey& signing_key() const { return key_; }
  std::string url() const;  // http://listen:port of the running API

 private:
  ControllerRuntime(const Clock& clock, SigningKey key) : clock_(clock), key_(std::move(key)) {}

  void StartRenewals();

  const Clock& clock_;
  SigningKey key_;
  std::thread renewals_;
  std::mutex renew_mu_;
  std::condition_variable renew_cv_;
  bool stopping_ = false;
  std::unique_ptr<controller::Store> store_;
  std::shared_ptr<const controller::MasterKey> master_key_;
  std::string token_;
  std::string listen_;
  std::string data_dir_;
  std::unique_ptr<controller::TaskEngine> engine_;
  std::unique_ptr<controller::ContentSpool> spool_;
  std::unique_ptr<controller::Hosting> service_;
  std::unique_ptr<controller::PanelFiles> panel_;
  std::string panel_missing_;  // why there is no panel
  controller::LoginOptions login_;
  controller::LeaderLeaseOptions lease_options_;
  std::unique_ptr<controller::LeaderLease> lease_;
  controller::OrderPipelineOptions orders_options_;
  std::unique_ptr<controller::OrderPipeline> orders_;
  // The controller's one mail sender when it takes no orders (with orders it is the pipeline's):
  // password resets and notices go through it.
  std::unique_ptr<controller::StoreOutbox> outbox_;
  std::unique_ptr<mail::SmtpTransport> transport_;
  std::unique_ptr<mail::MailSender> mail_sender_;
  std::unique_ptr<controller::ApiServer> api_;
};

// <directory of the running hostplane binary>/panel: where the build puts the panel
// (build/panel beside build/hostplane) and where a package installs it beside the binary.
std::string DefaultPanelDir();

}  // namespace hostplane::cmd
