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
// Called by the agent's reconcile thread only.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/host_layout.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "protocol/messages.h"

namespace hostplane::agent {

struct NginxDriverOptions {
  // Test hook: these domains' vhosts get an unknown directive, so `nginx -t` rejects exactly them.
  std::vector<std::string> break_domains;
  // Owner of docroots and default pages. For now the agent's own uid/gid; per-account Unix users
  // come later.
  FileOwner content_owner{0, 0};
  std::chrono::milliseconds reload_timeout{10'000};
  std::chrono::milliseconds poll_interval{5};
};

// The validated values of one vhost: absolute host paths and canonical names only.
struct VhostParams {
  std::string domain;
  std::vector<std::string> aliases;
  bool suspended = false;
  std::string listen_address;
  int http_port = 80;
  std::string root;        // absolute host path of the docroot
  std::string access_log;  // absolute host paths
  std::string error_log;
  bool test_break = false;  // render the test hook's invalid directive
};

// The encoder of a site's vhost.
std::string RenderVhost(const VhostParams& p);
// The reload marker vhost answering `generation` on 127.0.0.1:<http_port>.
std::string RenderMarker(const std::string& generation, int http_port);
// The page put into an empty docroot.
std::string RenderDefaultIndex(const std::string& domain);
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
  // The generation the last confirmed reload answered (empty before the first).
  const std::string& generation() const { return generation_; }

 private:
  Result<VhostParams> Params(const protocol::SiteSpec& site) const;
  Status WaitForGeneration(const std::string& generation);
  Status EnsureLogDir();

  HostLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  const Clock& clock_;
  NginxDriverOptions options_;
  std::string generation_;
  int64_t reloads_ = 0;
  bool log_dir_ready_ = false;
};

}  // namespace hostplane::agent
