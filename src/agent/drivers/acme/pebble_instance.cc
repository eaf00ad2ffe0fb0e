#include "agent/drivers/acme/pebble_instance.h"

#include <httplib.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "agent/drivers/acme/certificate.h"
#include "common/net/loopback.h"

namespace hostplane::agent {
namespace {

constexpr std::chrono::milliseconds kStopGrace{3000};

Status PickPort(int& port) {
  if (port != 0) return Ok();
  HP_ASSIGN_OR_RETURN(auto p, FreeLoopbackPort());
  port = p;
  return Ok();
}

std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

PebbleInstance::PebbleInstance(Filesystem& fs, PebbleOptions options)
    : fs_(fs), options_(std::move(options)) {}

PebbleInstance::~PebbleInstance() { Stop(); }

std::string PebbleInstance::directory_url() const {
  return "https://" + Loopback(options_.listen_port) + "/dir";
}

std::string PebbleInstance::roots_url() const {
  return "https://" + Loopback(options_.management_port) + "/roots/0";
}

Status PebbleInstance::Start() {
  for (int* port : {&options_.listen_port, &options_.management_port, &options_.dns_port,
                    &options_.dns_management_port}) {
    HP_TRY(PickPort(*port));
  }
  int tls_port = 0;  // TLS-ALPN-01 validation: unused, but pebble needs a port
  HP_TRY(PickPort(tls_port));
  const std::string& dir = options_.dir;
  HP_TRY(fs_.MakeDirs(dir, 0755));
  auto listener = MakeSelfSignedCertificate("hostplane test ACME listener", {"localhost"},
                                            {"127.0.0.1", "::1"}, std::chrono::hours(24 * 30));
  if (!listener) return Fail(listener.error());
  HP_TRY(fs_.WriteFileAtomic(dir + "/listener.key", listener->key_pem, 0600));
  HP_TRY(fs_.WriteFileAtomic(listener_ca(), listener->cert_pem, 0644));
  nlohmann::json config = {{"pebble",
                            {{"listenAddress", Loopback(options_.listen_port)},
                             {"managementListenAddress", Loopback(options_.management_port)},
                             {"certificate", fs_.HostPath(listener_ca())},
                             {"privateKey", fs_.HostPath(dir + "/listener.key")},
                             {"httpPort", options_.http_port},
                             {"tlsPort", tls_port},
                             {"ocspResponderURL", ""},
                             {"externalAccountBindingRequired", false}}}};
  HP_TRY(fs_.WriteFileAtomic(dir + "/pebble.json", config.dump(2) + "\n", 0644));

  const std::string fallback_ip = options_.resolve_all_to_loopback ? "127.0.0.1" : "";
  HP_ASSIGN_OR_RETURN(
      auto dns,
      ChildProcess::Start(
          {options_.challtestsrv_binary, "-dns01", Loopback(options_.dns_port), "-http01", "",
           "-https01", "", "-tlsalpn01", "", "-management", Loopback(options_.dns_management_port),
           "-defaultIPv4", fallback_ip, "-defaultIPv6", ""},
          fs_.HostPath(dir + "/challtestsrv.log")));
  dns_ = std::move(dns);
  auto pebble =
      ChildProcess::Start({options_.pebble_binary, "-config", fs_.HostPath(dir + "/pebble.json"),
                           "-dnsserver", Loopback(options_.dns_port)},
                          fs_.HostPath(dir + "/pebble.log"),
                          {{"PEBBLE_VA_NOSLEEP", "1"}, {"PEBBLE_WFE_NONCEREJECT", "0"}});
  if (!pebble) {
    Stop();
    return Fail(pebble.error());
  }
  pebble_ = std::move(*pebble);
  if (auto ready = WaitUntilReady(); !ready) {
    Stop();
    return ready;
  }
  return Ok();
}

Status PebbleInstance::WaitUntilReady() {
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  auto exited = [&](const char* what, const std::string& log) -> Status {
    auto text = fs_.ReadFile(options_.dir + "/" + log);
    return Fail(Error::Unavailable(std::string(what) +
                                   " exited: " + (text && *text ? **text : std::string())));
  };
  bool dns_ready = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!dns_.Running()) return exited("pebble-challtestsrv", "challtestsrv.log");
    if (!pebble_.Running()) return exited("pebble", "pebble.log");
    dns_ready = dns_ready || LoopbackAccepts(options_.dns_management_port);
    if (dns_ready) {
      httplib::SSLClient c("127.0.0.1", options_.listen_port);
      c.set_ca_cert_path(fs_.HostPath(listener_ca()).c_str());
      c.enable_server_certificate_verification(true);
      c.set_connection_timeout(std::chrono::milliseconds(200));
      if (auto res = c.Get("/dir"); res && res->status == 200) return Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Fail(Error::Timeout("pebble did not answer within the start timeout"));
}

void PebbleInstance::Stop() {
  if (pebble_.pid() > 0 && pebble_.Running()) pebble_.Stop(SIGTERM, kStopGrace);
  if (dns_.pid() > 0 && dns_.Running()) dns_.Stop(SIGTERM, kStopGrace);
}

Status PebbleInstance::AddHost(const std::string& name, const std::string& ipv4) {
  httplib::Client c("127.0.0.1", options_.dns_management_port);
  c.set_connection_timeout(std::chrono::milliseconds(1000));
  nlohmann::json body = {{"host", name}, {"addresses", {ipv4}}};
  auto res = c.Post("/add-a", body.dump(), "application/json");
  if (!res || res->status != 200) {
    return Fail(Error::Unavailable("pebble-challtestsrv did not take the A record of " + name));
  }
  return Ok();
}

Result<std::string> PebbleInstance::FetchRoot() {
  httplib::SSLClient c("127.0.0.1", options_.management_port);
  c.set_ca_cert_path(fs_.HostPath(listener_ca()).c_str());
  c.enable_server_certificate_verification(true);
  c.set_connection_timeout(std::chrono::milliseconds(1000));
  auto res = c.Get("/roots/0");
  if (!res || res->status != 200) {
    return Fail(Error::Unavailable("pebble did not answer " + roots_url()));
  }
  return res->body;
}

}  // namespace hostplane::agent
