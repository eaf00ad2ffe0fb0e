#include "mail/mail_lab.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "agent/testing/driver_test_support.h"
#include "common/crypto.h"
#include "common/net/loopback.h"
#include "common/testing/source_path.h"
#include "protocol/zone_spec.h"

namespace hostplane::testing {

using protocol::Json;

namespace {

int Port() {
  static std::set<int> handed;
  for (;;) {
    int p = FreeLoopbackPort().value();
    if (handed.insert(p).second) return p;
  }
}

}  // namespace

MailLab::MailLab(MailLabOptions options) : options_(options) {
  fs_ = std::make_unique<PosixFilesystem>(root_.path());
  runner_ = std::make_unique<PosixCommandRunner>(std::set<std::string>{
      "/usr/sbin/postfix", "/usr/sbin/postmap", "/usr/bin/doveconf", "/usr/bin/openssl",
      "/usr/bin/python3", "/usr/sbin/knotc", "/usr/bin/kzonecheck", "/usr/sbin/keymgr",
      "/usr/bin/msmtp", "/usr/bin/lftp", "/usr/bin/curl", "/usr/bin/php8.2"});
  box_key_ = std::make_shared<const BoxKey>(BoxKey::Generate().value());
  node_ = Layout("n", true);
  outside_ = Layout("o", false);
  node_.smarthost = "[127.0.0.1]:" + std::to_string(outside_.smtp_port);
  dns_.conf = "k/knot.conf";
  dns_.zone_dir = "k/zones";
  dns_.zone_conf_dir = "k/zconf";
  dns_.run_dir = "k/run";
  dns_.control_socket = "k/run/knot.sock";
  dns_.storage = "k/db";
  dns_.log_file = "log/knot.log";
  dns_.listen_address = "127.0.0.1";
  dns_.port = Port();
}

MailLab::~MailLab() {
  Stop();
  // Debugging aid: HP_MAIL_LAB_PAUSE=<seconds> keeps the prefix (and its logs) for a look.
  if (const char* pause = std::getenv("HP_MAIL_LAB_PAUSE")) {
    std::fprintf(stderr, "mail lab: prefix %s kept for %s s\n", root_.path().c_str(), pause);
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(pause)));
  }
}

agent::MailLayout MailLab::Layout(const std::string& d, bool node) {
  agent::MailLayout l;
  l.postfix_config_dir = d + "/pf/etc";
  l.postfix_queue_dir = d + "/pf/q";
  l.postfix_data_dir = d + "/pf/data";
  l.postfix_log = "log/" + d + "-postfix.log";
  l.map_dir = d + "/pf/maps";
  l.dovecot_conf = d + "/dc/dovecot.conf";
  l.dovecot_base_dir = d + "/dc/run";
  l.dovecot_state_dir = d + "/dc/state";
  l.dovecot_log = "log/" + d + "-dovecot.log";
  l.dovecot_users_dir = d + "/dc/users";
  l.dovecot_instance_name = "hpt-" + std::filesystem::path(root_.path()).filename().string() + d;
  l.vmail_root = d + "/vmail";
  l.sieve_dir = d + "/sieve";
  l.dkim_dir = d + "/dkim";
  l.opendkim_socket_dir = d + "/dkr";
  l.spamd_dir = d + "/spamd";
  l.relay_socket_dir = d + "/relay";
  l.tls_cert = d + "/tls/mail.pem";
  l.tls_key = d + "/tls/mail.key";
  l.private_ca_dir = d + "/ca";
  l.policy_socket = node ? d + "/policy/p.sock" : "";
  l.policy_counters = d + "/policy.db";
  l.hostname = node ? kNodeName : "mx.outside.example";
  passwd* pw = ::getpwnam("hpt_vmail");
  if (pw == nullptr) pw = ::getpwnam("nobody");
  l.vmail_uid = pw->pw_uid;
  l.vmail_gid = pw->pw_gid;
  l.smtp_port = Port();
  l.imap_port = Port();
  l.submission_port = node ? Port() : 0;
  l.smtps_port = node ? Port() : 0;
  l.imaps_port = node ? Port() : 0;
  l.pop3_port = node ? Port() : 0;
  l.pop3s_port = node ? Port() : 0;
  return l;
}

Status MailLab::Start() {
  const auto begin = std::chrono::steady_clock::now();
  auto since = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 begin)
        .count();
  };
  outside_instance_ = std::make_unique<agent::MailInstance>(
      outside_, *fs_, *runner_, agent::MailInstanceOptions{.outbound = false, .dkim = false});
  HP_TRY(outside_instance_->Start());
  std::fprintf(stderr, "mail lab: the internet answers after %lld ms\n",
               static_cast<long long>(since()));
  agent::SendingPolicyServiceOptions p;
  p.socket = fs_->HostPath(node_.policy_socket);
  p.counters = fs_->HostPath(node_.policy_counters);
  agent::MailDriver probe(node_, *fs_, *runner_);
  p.policy_file = fs_->HostPath(probe.SendingPolicyPath());
  auto policy = agent::SendingPolicyService::Start(p, clock_);
  if (!policy) return Fail(policy.error());
  policy_ = std::move(*policy);
  node_instance_ = std::make_unique<agent::MailInstance>(
      node_, *fs_, *runner_,
      agent::MailInstanceOptions{.outbound = true, .dkim = true, .spam = options_.spam});
  HP_TRY(node_instance_->Start());
  std::fprintf(stderr, "mail lab: the node answers after %lld ms\n",
               static_cast<long long>(since()));
  agent::MailDriverOptions driver_options;
  driver_options.box_key = box_key_;
  node_driver_ = std::make_unique<agent::MailDriver>(node_, *fs_, *runner_, driver_options);
  outside_driver_ = std::make_unique<agent::MailDriver>(outside_, *fs_, *runner_);
  node_applier_ = std::make_unique<agent::BatchApplier>(*fs_, "state-n");
  outside_applier_ = std::make_unique<agent::BatchApplier>(*fs_, "state-o");
  if (options_.knot) {
    knot_ = std::make_unique<agent::KnotInstance>(dns_, *fs_, *runner_);
    HP_TRY(knot_->Start());
    knot_driver_ =
        std::make_unique<agent::KnotDriver>(dns_, *fs_, *runner_, agent::KnotDriverOptions{});
    knot_applier_ = std::make_unique<agent::BatchApplier>(*fs_, "state-k");
  }
  return Ok();
}

void MailLab::Stop() {
  const auto begin = std::chrono::steady_clock::now();
  // In parallel: Dovecot alone takes about 3 s to stop.
  std::vector<std::thread> stops;
  if (node_instance_) stops.emplace_back([this] { node_instance_->Stop(); });
  if (outside_instance_) stops.emplace_back([this] { outside_instance_->Stop(); });
  if (knot_) stops.emplace_back([this] { knot_->Stop(); });
  for (auto& t : stops) t.join();
  if (policy_) policy_->Stop();
  if (!stops.empty()) {
    std::fprintf(stderr, "mail lab: stopped in %lld ms\n",
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - begin)
                                            .count()));
  }
  node_instance_.reset();
  outside_instance_.reset();
  knot_.reset();
}

namespace {

Status Applied(agent::BatchApplier& applier, agent::ServiceDriver& driver,
               const protocol::Task& task) {
  auto out = applier.Apply(driver, {task});
  if (out.results.size() != 1) return Fail(Error::Internal("no result"));
  if (out.results[0].outcome != protocol::TaskOutcome::kApplied) {
    return Fail(Error::Internal("task " + task.kind + " not applied: " + out.results[0].detail));
  }
  return Ok();
}

}  // namespace

Status MailLab::ApplyNode(const protocol::Task& task) {
  return Applied(*node_applier_, *node_driver_, task);
}
Status MailLab::ApplyOutside(const protocol::Task& task) {
  return Applied(*outside_applier_, *outside_driver_, task);
}

protocol::Task MailLab::DomainTask(const protocol::MailDomainSpec& spec) {
  return agent::testing::MakeTask(++revision_, "maildomain:" + spec.domain,
                                  protocol::kMailDomainEnsure, protocol::ToJson(spec));
}
protocol::Task MailLab::AccountTask(const protocol::MailAccountSpec& spec) {
  return agent::testing::MakeTask(++revision_, "mailaccount:" + spec.account,
                                  protocol::kMailAccountEnsure, protocol::ToJson(spec));
}

Json MailLab::Probe(Json request) {
  Command cmd;
  cmd.argv = {python(), (SourceTree() / "tests/integration/mail/mail_probe.py").string()};
  cmd.stdin_data = request.dump();
  cmd.timeout = std::chrono::seconds(120);
  auto out = runner_->Run(cmd);
  if (!out) return Json{{"probe_error", out.error().message}};
  Json j = Json::parse(out->out, nullptr, false);
  if (j.is_discarded()) return Json{{"probe_error", out->out + out->err}};
  return j;
}

std::string MailLab::ca_file() const { return fs_->HostPath(node_.private_ca_dir + "/ca.pem"); }

Json MailLab::SendRequest(int port, const std::string& mode, const std::string& user,
                          const std::string& password, const std::string& from,
                          std::vector<std::string> to, const std::string& subject) {
  Json r{{"op", "send"},
         {"port", port},
         {"mode", mode},
         {"cafile", ca_file()},
         {"server_name", kNodeName},
         {"mail_from", from},
         {"rcpt_to", to},
         {"subject", subject}};
  if (!user.empty()) {
    r["user"] = user;
    r["password"] = password;
  }
  return r;
}

Json MailLab::ImapRequest(int port, const std::string& mode, const std::string& user,
                          const std::string& password, const std::string& subject) {
  Json r{{"op", "imap"},
         {"port", port},
         {"mode", mode},
         {"cafile", ca_file()},
         {"server_name", kNodeName},
         {"user", user},
         {"password", password}};
  if (!subject.empty()) r["subject"] = subject;
  return r;
}

Json MailLab::WaitForMessage(const std::string& user, const std::string& password,
                             const std::string& subject, const std::string& folder, bool outside,
                             int seconds) {
  Json last;
  agent::testing::WaitFor(
      [&] {
        Json r = ImapRequest(outside ? outside_.imap_port : node_.imaps_port,
                             outside ? "plain" : "implicit", user, password, subject);
        r["folder"] = folder;
        last = Probe(r);
        return last.value("matches", 0) > 0;
      },
      std::chrono::seconds(seconds), std::chrono::milliseconds(200));
  return last;
}

Result<std::string> MailLab::NewDkimKey() {
  Command cmd;
  cmd.argv = {"/usr/bin/openssl",    "genpkey", "-algorithm", "RSA", "-pkeyopt",
              "rsa_keygen_bits:2048"};
  auto out = runner_->Run(cmd);
  if (!out) return Fail(out.error());
  if (!out->ok()) return Fail(Error::Internal("openssl genpkey: " + out->err));
  return out->out;
}

Result<std::string> MailLab::DkimRecord(const std::string& pem) {
  Command cmd;
  cmd.argv = {"/usr/bin/openssl", "pkey", "-pubout", "-outform", "DER"};
  cmd.stdin_data = pem;
  auto out = runner_->Run(cmd);
  if (!out) return Fail(out.error());
  if (!out->ok()) return Fail(Error::Internal("openssl pkey: " + out->err));
  return "v=DKIM1; k=rsa; p=" + Base64Encode(out->out);
}

Status MailLab::PublishZone(const Json& zone_spec) {
  if (!knot_applier_) return Fail(Error::Internal("the lab runs no Knot"));
  return Applied(
      *knot_applier_, *knot_driver_,
      agent::testing::MakeTask(++revision_, "zone:" + zone_spec["zone"].get<std::string>(),
                               protocol::kZoneEnsure, zone_spec));
}

std::vector<std::string> MailLab::OutsideMaildir(const std::string& domain,
                                                 const std::string& local) {
  std::vector<std::string> out;
  const std::string dir = outside_.vmail_root + "/" + domain + "/" + local + "/Maildir/";
  for (const char* sub : {"new", "cur"}) {
    auto names = fs_->ListDir(dir + sub);
    if (!names) continue;
    for (const auto& n : *names) out.push_back(dir + sub + "/" + n);
  }
  return out;
}

std::string MailLab::Logs() {
  std::string out;
  for (const std::string& f :
       {node_.postfix_log, node_.dovecot_log, outside_.postfix_log, outside_.dovecot_log}) {
    auto t = fs_->ReadFile(f);
    if (t && t->has_value()) {
      const std::string& s = **t;
      out += "--- " + f + "\n" + s.substr(s.size() > 4000 ? s.size() - 4000 : 0);
    }
  }
  return out;
}

}  // namespace hostplane::testing
