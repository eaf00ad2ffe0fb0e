#pragma once

// The private nginx of `hostplane up`: its paths under the data directory, its main nginx.conf
// (written at every start) and the HostLayout the all-in-one's agent uses. Production servers
// keep the distribution's nginx.conf and only include the agent's sites directory.

#include <string>

#include "agent/host_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::cmd {

struct NginxPaths {
  std::string binary;      // absolute
  std::string prefix;      // absolute, -p
  std::string conf;        // absolute, -c
  std::string stderr_log;  // nginx's stdout/stderr
  std::string error_log;   // the main error_log
};

// Layout relative to the data directory (the agent's Filesystem root).
agent::HostLayout UpLayout(const std::string& data_dir, int http_port);
NginxPaths UpNginxPaths(const std::string& data_dir);

// Writes nginx/nginx.conf and creates the directories nginx needs.
[[nodiscard]] Status WriteUpNginxConf(Filesystem& files, const agent::HostLayout& layout,
                                      const NginxPaths& paths);

}  // namespace hostplane::cmd
