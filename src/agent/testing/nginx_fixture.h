#pragma once

// A private nginx for tests (shared/service-lab.md section 1): a short 0755 prefix under /tmp, a
// main nginx.conf that includes the sites directory of a HostLayout, nginx in the foreground on
// a free 127.0.0.1 port as a ChildProcess. Header-only, for hp_agent_test.

#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "agent/host_layout.h"
#include "agent/testing/temp_root.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/net/loopback.h"
#include "common/result.h"

namespace hostplane::agent::testing {

// The test layout: everything under the root, nginx on 127.0.0.1:port.
inline HostLayout TestLayout(int port) {
  HostLayout l;
  l.home_root = "home";
  l.state_dir = "agent";
  l.nginx.binary = "/usr/sbin/nginx";
  l.nginx.prefix = "nginx";
  l.nginx.conf = "nginx/nginx.conf";
  l.nginx.sites_dir = "nginx/sites";
  l.nginx.pid_file = "nginx/nginx.pid";
  l.nginx.log_dir = "nginx/logs/sites";
  l.nginx.listen_address = "127.0.0.1";
  l.nginx.http_port = port;
  l.nginx.marker_file = "nginx/sites/_hostplane-gen.conf";
  l.nginx.nginx_user = ::geteuid() == 0 ? "www-data" : "";
  return l;
}

struct HttpAnswer {
  int status = 0;  // 0: no HTTP answer (connection closed, refused)
  std::string body;
};

class NginxFixture {
 public:
  NginxFixture() : layout_(TestLayout(FreeLoopbackPort().value())), fs_(root_.path()) {}
  ~NginxFixture() {
    if (nginx_.pid() > 0) nginx_.Stop(SIGTERM, std::chrono::milliseconds(3000));
  }

  // Writes nginx.conf and starts nginx; returns once it answers.
  [[nodiscard]] Status Start() {
    const auto& n = layout_.nginx;
    for (const char* d : {"nginx/logs/sites", "nginx/tmp", "nginx/sites", "home", "agent"}) {
      HP_TRY(fs_.MakeDirs(d, 0755));
    }
    std::string p = fs_.HostPath(n.prefix);
    std::string user = n.nginx_user.empty() ? "" : "user " + n.nginx_user + ";\n";
    std::string conf = fmt::format(
        "worker_processes 1;\n"
        "pid {pid};\n"
        "error_log {p}/logs/error.log warn;\n"
        "{user}"
        "events {{ worker_connections 256; }}\n"
        "http {{\n"
        "    include /etc/nginx/mime.types;\n"
        "    access_log off;\n"
        "    client_body_temp_path {p}/tmp/body;\n"
        "    proxy_temp_path {p}/tmp/proxy;\n"
        "    fastcgi_temp_path {p}/tmp/fastcgi;\n"
        "    uwsgi_temp_path {p}/tmp/uwsgi;\n"
        "    scgi_temp_path {p}/tmp/scgi;\n"
        "    server_names_hash_bucket_size 128;\n"
        "    server {{ listen 127.0.0.1:{port} default_server; return 444; }}\n"
        "    include {sites}/*.conf;\n"
        "}}\n",
        fmt::arg("pid", fs_.HostPath(n.pid_file)), fmt::arg("p", p), fmt::arg("user", user),
        fmt::arg("port", n.http_port), fmt::arg("sites", fs_.HostPath(n.sites_dir)));
    HP_TRY(fs_.WriteFileAtomic(n.conf, conf, 0644));
    auto child =
        ChildProcess::Start({n.binary, "-p", p, "-c", fs_.HostPath(n.conf), "-g", "daemon off;"},
                            fs_.HostPath("nginx/logs/stderr.log"));
    if (!child) return Fail(child.error());
    nginx_ = std::move(*child);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!nginx_.Running()) {
        auto log = fs_.ReadFile("nginx/logs/stderr.log");
        return Fail(Error::Unavailable("nginx exited: " + (log && *log ? **log : "")));
      }
      httplib::Client c("127.0.0.1", n.http_port);
      c.set_connection_timeout(std::chrono::milliseconds(100));
      auto res = c.Get("/");
      bool answered = res || res.error() != httplib::Error::Connection;
      if (answered && fs_.Exists(n.pid_file)) return Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return Fail(Error::Timeout("nginx did not start"));
  }

  HttpAnswer Get(const std::string& host, const std::string& path = "/") {
    httplib::Client c("127.0.0.1", layout_.nginx.http_port);
    c.set_keep_alive(false);
    c.set_connection_timeout(std::chrono::milliseconds(500));
    c.set_read_timeout(std::chrono::milliseconds(2000));
    auto res = c.Get(path.c_str(), httplib::Headers{{"Host", host}});
    if (!res) return {};
    return {res->status, res->body};
  }

  const std::string& root() const { return root_.path(); }
  const HostLayout& layout() const { return layout_; }
  PosixFilesystem& fs() { return fs_; }
  ChildProcess& nginx() { return nginx_; }

 private:
  TempRoot root_;
  HostLayout layout_;
  PosixFilesystem fs_;
  ChildProcess nginx_;
};

}  // namespace hostplane::agent::testing
