#include "cmd/controller_runtime.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cmd/bootstrap.h"
#include "controller/store/store_url.h"
#include "protocol/validate.h"

namespace hostplane::cmd {

Result<std::string> PrepareDataDir(const std::string& dir, mode_t mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::path data = fs::absolute(dir, ec).lexically_normal();
  if (ec || !fs::is_directory(data)) {
    return Fail(Error::Io("cannot use the data directory " + dir +
                          (ec ? ": " + ec.message() : std::string())));
  }
  std::string out = data.string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  if (::chmod(out.c_str(), mode) != 0) return Fail(Error::FromErrno("chmod " + out, errno));
  return out;
}

Result<std::unique_ptr<ControllerRuntime>> ControllerRuntime::Open(
    const std::string& data_dir, Filesystem& files, const Clock& clock,
    const std::string& master_key_path, const std::string& store_url) {
  // The bundle-signing key; every agent pins its public half (SECURITY rule 9).
  HP_ASSIGN_OR_RETURN(auto key, LoadOrCreateSigningKey(data_dir + "/controller.key"));
  std::unique_ptr<ControllerRuntime> rt(new ControllerRuntime(clock, std::move(key)));
  rt->data_dir_ = data_dir;
  // The store's secrets (DKIM keys) are sealed with it; it is never inside store.db.
  const std::string master_path = master_key_path.empty()
                                      ? data_dir + "/secrets.key"
                                      : std::filesystem::absolute(master_key_path).string();
  HP_ASSIGN_OR_RETURN(auto master, controller::LoadOrCreateMasterKey(master_path));
  rt->master_key_ = std::make_shared<const controller::MasterKey>(std::move(master));
  const std::string url = store_url.empty() ? controller::DefaultStoreUrl(data_dir) : store_url;
  HP_ASSIGN_OR_RETURN(auto store, controller::OpenStore(url));
  rt->store_ = std::move(store);
  HP_ASSIGN_OR_RETURN(auto token, EnsureAdminToken(*rt->store_, files));
  rt->token_ = std::move(token);
  return rt;
}

ControllerRuntime::~ControllerRuntime() { Stop(); }

std::string DefaultPanelDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "panel";
  return (exe.parent_path() / "panel").string();
}

Status ControllerRuntime::LoadPanel(const std::string& dir) {
  const bool chosen = !dir.empty();
  const std::string path = chosen ? dir : DefaultPanelDir();
  if (!chosen && !std::filesystem::exists(path + "/index.html")) {
    panel_missing_ = "not built (" + path + " has no index.html; scripts/build builds it)";
    spdlog::warn("panel: {}", panel_missing_);
    return Ok();
  }
  PosixFilesystem files(path);
  auto panel = controller::PanelFiles::Load(files);
  if (!panel) return Fail(panel.error().Wrap("loading the panel"));
  panel_ = std::make_unique<controller::PanelFiles>(std::move(*panel));
  spdlog::info("panel: {} files from {}", panel_->file_count(), path);
  return Ok();
}

std::string ControllerRuntime::panel_status() const {
  if (!panel_) return panel_missing_.empty() ? "not loaded" : panel_missing_;
  return url() + "/";
}

Status ControllerRuntime::Start(Bus& bus, const std::vector<controller::NodeInput>& nodes,
                                const std::string& actor, const std::string& listen, int port,
                                const controller::TaskEngineOptions& engine_options,
                                const controller::HostingOptions& hosting_options) {
  engine_ = std::make_unique<controller::TaskEngine>(*store_, bus, clock_, key_, engine_options);
  // Joining agents are handed this controller's bundle key (and check it against their token).
  controller::HostingOptions hosting = hosting_options;
  hosting.controller_key = key_.public_key().ToString();
  if (!hosting.master_key) hosting.master_key = master_key_;
  for (std::string& name : hosting.reserved_names) {
    auto canonical = protocol::CheckDomain(name);
    if (!canonical) {
      return Fail(Error::InvalidField("reserved_names", canonical.error().code,
                                      "--reserved-name: " + canonical.error().message));
    }
    name = *canonical;
  }
  service_ = std::make_unique<controller::Hosting>(*store_, *engine_, clock_, hosting);
  // Content copies of drains wait in <data-dir>/transfers, shared by controllers of one store.
  controller::ContentSpoolOptions spool_options;
  spool_options.require_node_inbox = engine_options.require_node_inbox;
  spool_ = std::make_unique<controller::ContentSpool>(*store_, bus, data_dir_ + "/transfers",
                                                      spool_options);
  engine_->SetResultHook(service_->result_hook());
  engine_->SetNodeKeyHook(service_->node_key_hook());
  HP_TRY(engine_->Start());
  HP_TRY(spool_->Start());
  lease_ = std::make_unique<controller::LeaderLease>(*store_, lease_options_);
  lease_->Start();
  if (!hosting_options.acme_directory.empty()) StartRenewals();
  for (const auto& node : nodes) HP_TRY(EnsureNode(*service_, node, actor));
  controller::ApiOptions api_options;
  api_options.bind = listen;
  api_options.port = port;
  api_options.panel = panel_.get();
  api_options.login = login_;
  listen_ = listen;
  if (orders_options_.enabled) {
    controller::OrderPipelineOptions o = orders_options_;
    o.gate = lease_->Gate();
    if (o.base_url.empty()) {
      o.base_url =
          login_.base_url.empty() ? fmt::format("http://{}:{}/", listen, port) : login_.base_url;
    }
    o.orders.panel_url = o.base_url;
    if (o.test_gateway_state.empty()) o.test_gateway_state = data_dir_ + "/test-gateway.json";
    HP_ASSIGN_OR_RETURN(
        orders_, controller::OrderPipeline::Create(*store_, *service_, clock_, std::move(o)));
    orders_->Start();
    api_options.orders = &orders_->service();
    api_options.mail_wake = [pipeline = orders_.get()] { pipeline->WakeMail(); };
  } else if (orders_options_.send_mail) {
    HP_TRY(orders_options_.relay.Check());
    outbox_ = std::make_unique<controller::StoreOutbox>(*store_);
    transport_ = std::make_unique<mail::CurlSmtpTransport>(orders_options_.relay);
    mail::SenderPolicy policy;
    policy.gate = lease_->Gate();  // one controller sends the outbox
    mail_sender_ =
        std::make_unique<mail::MailSender>(*outbox_, *transport_, clock_, std::move(policy));
    mail_sender_->Start();
    api_options.mail_wake = [sender = mail_sender_.get()] { sender->Wake(); };
  }
  // The mails of logins (password resets) come from the same sender address as the orders'.
  api_options.login.mail_from = orders_options_.orders.mail_from;
  api_options.login.company = orders_options_.orders.company;
  api_ = std::make_unique<controller::ApiServer>(*service_, *engine_, *store_, clock_, api_options);
  return api_->Start();
}

// Certificates: cert.ensure for each issued one, once a day (the agent renews those within
// renew_before_days of expiry and does nothing for the others), by the controller that holds the
// jobs' lease: the day's round waits for the lease, checked every minute.
void ControllerRuntime::StartRenewals() {
  renewals_ = std::thread([this] {
    auto due = std::chrono::steady_clock::now() + std::chrono::hours(24);
    std::unique_lock lock(renew_mu_);
    while (!renew_cv_.wait_for(lock, std::chrono::minutes(1), [this] { return stopping_; })) {
      if (std::chrono::steady_clock::now() < due) continue;
      lock.unlock();
      bool ran = lease_->RunIfLeading([this] {
        auto sent = service_->certificates().Renew();
        if (!sent) {
          spdlog::warn("certificate renewal round failed: {}", sent.error().message);
        } else if (*sent > 0) {
          spdlog::info("certificate renewal: checking {} certificate(s)", *sent);
        }
      });
      if (ran) due = std::chrono::steady_clock::now() + std::chrono::hours(24);
      lock.lock();
    }
  });
}

void ControllerRuntime::Stop() {
  {
    std::lock_guard lock(renew_mu_);
    stopping_ = true;
  }
  renew_cv_.notify_all();
  if (renewals_.joinable()) renewals_.join();
  // The order worker and the mail sender first: the service they drive stays for the API.
  if (orders_) orders_->Stop();
  if (mail_sender_) mail_sender_->Stop();
  // After every job stopped: released, another controller takes the jobs at once.
  if (lease_) lease_->Stop();
  if (spool_) spool_->Stop();
  if (engine_) engine_->Stop();  // first: no result is recorded for a long poll the API ends
  if (api_) api_->Stop();
}

std::string ControllerRuntime::url() const {
  return fmt::format("http://{}:{}", listen_, api_ ? api_->port() : 0);
}

}  // namespace hostplane::cmd
