#pragma once

// Where the acme driver keeps things (see host_layout.h: decided once, every path relative to the
// Filesystem root). certs_dir and acme_webroot must be the same directories as NginxLayout's:
// nginx reads <certs_dir>/<domain>/{fullchain,privkey}.pem and serves every vhost's
// /.well-known/acme-challenge/ from <acme_webroot>/.well-known/acme-challenge/.

#include <chrono>
#include <string>

namespace hostplane::agent {

struct AcmeLayout {
  std::string lego_binary = "/usr/bin/lego";
  // lego's --path: accounts/ (ACME account keys) and certificates/ (issued pairs). Under the
  // agent's state dir (HostLayout::state_dir); lego creates it 0700.
  std::string state_dir = "var/lib/hostplane/agent/lego";
  std::string certs_dir = "etc/hostplane/certs";
  std::string acme_webroot = "var/lib/hostplane/acme";
  // A PEM file of CAs trusted for the ACME directory's HTTPS (LEGO_CA_CERTIFICATES); "" = the
  // system trust store. Tests: the private pebble's listener CA (PebbleInstance::listener_ca).
  std::string ca_bundle;
  // One lego run. With real HTTP-01, lego polls each pending authorization about every 5 s.
  std::chrono::milliseconds lego_timeout{300'000};
};

}  // namespace hostplane::agent
