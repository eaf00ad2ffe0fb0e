#pragma once

// The nginx driver: one vhost file per site (<sites_dir>/<domain>.conf), validated with
// `nginx -t`, loaded with SIGHUP to the master and confirmed through a marker vhost that answers
// the generation of the last reload (HostLayout::nginx.marker_file). The batch algorithm
// (identical files skipped, batch record, blame/bisect, rollback) is BatchApplier's; this class
// only knows nginx.
//
// Every byte of nginx syntax comes from RenderVhost/RenderMarker, the one encoder for this format
// (shared/SECURITY.md rule 3). Its input is VhostParams, built only from fields that passed the
// protocol grammars again here, in the agent.
//
// A vhost always serves /.well-known/acme-challenge/ from NginxLayout::acme_webroot (suspended
// sites too, so a certificate can be renewed). A site with "php" hands *.php to its account's
// PHP-FPM pool (<php_socket_dir>/<account>-<version>.sock, agent/drivers/account); a suspended
// site answers every other request with 503 and the page <pages_dir>/suspended.html, which this
// driver writes (outside every tenant's home); a site with "https" gets a second server on
// https_port with <certs_dir>/<domain>/{fullchain,privkey}.pem (nginx -t refuses the vhost
// until the certificate exists), TLS 1.2 and 1.3 with a modern cipher list, HTTP/2, and (unless
// the site's https_redirect is off) its http server answers 301 to HTTPS except for ACME.
// A mail domain's mailclient.ensure (protocol/mail_client_spec.h, sent to its mail node) gets a
// vhost <sites_dir>/_mailclient.<domain>.conf for autoconfig.<domain> and autodiscover.<domain>
// serving Thunderbird's and Outlook's set-up documents (mail_client_config.h) from
// <pages_dir>/mail-clients, made from this node's own mail listeners (HostLayout::mail; a node
// without mail refuses the task). Every vhost denies hidden paths ("/." anywhere: .git, .env, .ht*,
// .user.ini) except
// /.well-known/, limits request bodies to the site's upload_max_mb, and falls back by its
// application profile; a PHP site's PHP settings go to PHP-FPM as PHP_ADMIN_VALUE, which
// .user.ini cannot override (the pool's own admin values, open_basedir and disable_functions,
// are never among them).
//
// Called by the agent's reconcile thread only.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/nginx/nginx_vhost.h"
#include "agent/host_layout.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "protocol/messages.h"
#include "protocol/site_settings.h"

namespace hostplane::agent {

struct NginxDriverOptions {
  // Test hook: these domains' vhosts get an unknown directive, so `nginx -t` rejects exactly them.
  std::vector<std::string> break_domains;
  // Owner of docroots and default pages when the account's home is not (yet) owned by the
  // account's Unix user; once it is (agent/drivers/account), new docroots belong to that user and
  // its primary group.
  FileOwner content_owner{0, 0};
  std::chrono::milliseconds reload_timeout{10'000};
  std::chrono::milliseconds poll_interval{5};
};

// The reload marker vhost answering `generation` on 127.0.0.1:<http_port>.
std::string RenderMarker(const std::string& generation, int http_port);
// The page put into an empty docroot.
std::string RenderDefaultIndex(const std::string& domain);
// The page a suspended site answers with (status 503).
std::string RenderSuspendedPage();
// The absolute file path nginx names in a message ("... in /p/sites/a.conf:12"), if any.
std::optional<std::string> BlamedFile(const std::string& message);

class NginxDriver final : public ServiceDriver {
 public:
  NginxDriver(HostLayout layout, Filesystem& fs, CommandRunner& runner, const Clock& clock,
              NginxDriverOptions options);

  std::string Name() const override { return "nginx"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> ManagedDirs() const override;
  Result<FileSet> Render(const protocol::Task& task) const override;
  Status Prepare(const protocol::Task& task) override;
  Result<Verdict> Validate() override;
  Status Reload() override;
  Status Finish(const protocol::Task& task) override;

  // Root-relative path of a site's vhost.
  std::string VhostPath(const std::string& domain) const;
  // Root-relative path of a mail domain's client set-up vhost ("_" never starts a domain name,
  // so it never is a site's).
  std::string MailClientVhostPath(const std::string& domain) const;
  // Root-relative folder of the mail client documents: <pages_dir>/mail-clients, the driver's own
  // (<domain>.config-v1.1.xml, <domain>.autodiscover.xml).
  std::string MailClientDir() const;
  // The generation the last confirmed reload answered (empty before the first).
  const std::string& generation() const { return generation_; }

 private:
  Result<VhostParams> Params(const protocol::SiteSpec& site,
                             const protocol::SiteSettings& settings) const;
  Result<FileSet> RenderMailClient(const protocol::Task& task) const;
  Status WaitForGeneration(const std::string& generation);
  Status EnsureLogDir();
  Status EnsureSharedFiles();
  Result<FileOwner> DocrootOwner(const std::string& account);

  HostLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  const Clock& clock_;
  NginxDriverOptions options_;
  std::string generation_;
  int64_t reloads_ = 0;
  bool log_dir_ready_ = false;
  bool shared_files_ready_ = false;
};

}  // namespace hostplane::agent
