#include "cmd/nginx_conf.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

namespace hostplane::cmd {

// With this many descriptors, per-site error logs fit 100,000+ sites through a reload.
constexpr rlim_t kPerSiteLogsMinFiles = 262144;

agent::HostLayout UpLayout(const std::string& data_dir, int http_port) {
  agent::HostLayout layout;
  layout.home_root = "home";
  layout.state_dir = "agent";
  auto& n = layout.nginx;
  n.binary = FindProgram("nginx").value_or("/usr/sbin/nginx");
  n.prefix = "nginx";
  n.conf = "nginx/nginx.conf";
  n.sites_dir = "nginx/sites";
  n.pid_file = "nginx/nginx.pid";
  n.log_dir = "nginx/logs/sites";
  n.listen_address = "127.0.0.1";
  n.http_port = http_port;
  n.marker_file = "nginx/sites/_hostplane-gen.conf";
  n.nginx_user = ::geteuid() == 0 ? "www-data" : "";
  // Per-site error logs need two descriptors per site in nginx's master during a reload.
  rlimit lim{};
  n.error_log_per_site =
      ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur >= kPerSiteLogsMinFiles;
  return layout;
}

NginxPaths UpNginxPaths(const std::string& data_dir) {
  NginxPaths p;
  p.binary = FindProgram("nginx").value_or("/usr/sbin/nginx");
  p.prefix = data_dir + "/nginx";
  p.conf = data_dir + "/nginx/nginx.conf";
  p.stderr_log = data_dir + "/nginx/logs/nginx.stderr.log";
  p.error_log = data_dir + "/nginx/logs/error.log";
  return p;
}

Status WriteUpNginxConf(Filesystem& files, const agent::HostLayout& layout,
                        const NginxPaths& paths) {
  for (const char* dir : {"nginx/logs/sites", "nginx/tmp/body", "nginx/tmp/proxy",
                          "nginx/tmp/fastcgi", "nginx/tmp/uwsgi", "nginx/tmp/scgi"}) {
    HP_TRY(files.MakeDirs(dir, 0755));
  }
  HP_TRY(files.MakeDirs(layout.nginx.sites_dir, 0755));
  HP_TRY(files.MakeDirs(layout.home_root, 0755));
  HP_TRY(files.MakeDirs(layout.state_dir, 0700));
  const std::string p = paths.prefix;
  // Workers keep the limit we run with (raised as far as allowed before nginx starts).
  rlimit lim{};
  rlim_t nofile = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur : 1024;
  std::string user = layout.nginx.nginx_user.empty()
                         ? std::string()
                         : fmt::format("user {};\n", layout.nginx.nginx_user);
  std::string conf = fmt::format(
      R"(# Written by `hostplane up` at every start; edits are overwritten.
# Sites live in {p}/sites, one file each, written by the hostplane agent.
worker_processes 1;
worker_rlimit_nofile {nofile};
pid {p}/nginx.pid;
error_log {p}/logs/error.log warn;
{user}events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    sendfile on;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path       {p}/tmp/proxy;
    fastcgi_temp_path     {p}/tmp/fastcgi;
    uwsgi_temp_path       {p}/tmp/uwsgi;
    scgi_temp_path        {p}/tmp/scgi;
    server_names_hash_bucket_size 128;
    server_names_hash_max_size 262144;
    server {{
        # An unknown Host: close the connection without an answer.
        listen 127.0.0.1:{port} default_server;
        return 444;
    }}
    include {p}/sites/*.conf;
}}
)",
      fmt::arg("p", p), fmt::arg("user", user), fmt::arg("port", layout.nginx.http_port),
      fmt::arg("nofile", nofile));
  return files.WriteFileAtomic("nginx/nginx.conf", conf, 0644);
}

}  // namespace hostplane::cmd
