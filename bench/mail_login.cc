// New mailbox -> IMAPS login: how long from the mail task reaching the agent (BatchApplier with
// the real MailDriver: render, Postfix and Dovecot validators, reload) until the new mailbox logs
// in over IMAPS with its password, the certificate verified against the node's private CA.
// A private Postfix + Dovecot (MailInstance) on 127.0.0.1, curl as the IMAP client (its
// credentials in a 0600 netrc file), polled every 10 ms. Medians over --runs mailboxes, each added
// to the same domain by a new ensure (as the controller sends them).
//
//   build/bench/hp_bench_mail_login --runs 15

#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "agent/batch_applier.h"
#include "agent/drivers/mail/mail_driver.h"
#include "agent/drivers/mail/mail_instance.h"
#include "agent/testing/temp_root.h"
#include "bench_util.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"

using namespace hostplane;

namespace {

constexpr const char* kPassword = "CorrectHorseBatteryStaple9";

int Port() { return FreeLoopbackPort().value(); }

protocol::Task EnsureTask(int64_t revision, const protocol::MailDomainSpec& spec) {
  protocol::Task t;
  t.id = t.revision = revision;
  t.object_key = "maildomain:" + spec.domain;
  t.kind = protocol::kMailDomainEnsure;
  t.spec = protocol::ToJson(spec);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"new mailbox -> IMAPS login latency"};
  int runs = 15;
  app.add_option("--runs", runs, "mailboxes to add, one at a time");
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "Postfix needs root\n");
    return 1;
  }
  agent::testing::TempRoot root;
  PosixFilesystem fs(root.path());
  PosixCommandRunner runner(
      {"/usr/sbin/postfix", "/usr/sbin/postmap", "/usr/bin/doveconf", "/usr/bin/curl"});
  agent::MailLayout l;
  l.postfix_config_dir = "pf/etc";
  l.postfix_queue_dir = "pf/q";
  l.postfix_data_dir = "pf/data";
  l.postfix_log = "log/postfix.log";
  l.map_dir = "pf/maps";
  l.dovecot_conf = "dc/dovecot.conf";
  l.dovecot_base_dir = "dc/run";
  l.dovecot_state_dir = "dc/state";
  l.dovecot_log = "log/dovecot.log";
  l.dovecot_users_dir = "dc/users";
  l.dovecot_instance_name = "hpb-" + std::filesystem::path(root.path()).filename().string();
  l.vmail_root = "vmail";
  l.sieve_dir = "sieve";
  l.dkim_dir = "dkim";
  l.opendkim_socket_dir = "dkr";
  l.spamd_dir = "spamd";
  l.relay_socket_dir = "relay";
  l.tls_cert = "tls/mail.pem";
  l.tls_key = "tls/mail.key";
  l.private_ca_dir = "ca";
  l.policy_socket = "";
  l.hostname = "mx.bench.example";
  passwd* pw = ::getpwnam("hpt_vmail");
  if (pw == nullptr) pw = ::getpwnam("nobody");
  l.vmail_uid = pw->pw_uid;
  l.vmail_gid = pw->pw_gid;
  l.smtp_port = Port();
  l.imap_port = Port();
  l.imaps_port = Port();
  l.submission_port = l.smtps_port = l.pop3_port = l.pop3s_port = 0;
  agent::MailInstance instance(l, fs, runner, {.outbound = false, .dkim = false});
  if (auto s = instance.Start(); !s) {
    std::fprintf(stderr, "mail instance: %s\n", s.error().message.c_str());
    return 1;
  }
  agent::MailDriver driver(l, fs, runner);
  agent::BatchApplier applier(fs, "state");
  const std::string hash = HashServicePassword(kPassword).value();
  protocol::MailDomainSpec spec;
  spec.domain = "bench.example";
  spec.account = "bench";
  std::vector<double> total_ms, apply_ms;
  for (int i = 0; i < runs; ++i) {
    const std::string local = "user" + std::to_string(i);
    spec.mailboxes.emplace_back(local, hash, 100);
    auto task = EnsureTask(i + 1, spec);
    // curl's credentials: a 0600 netrc file, never argv.
    (void)fs.WriteFileAtomic(
        "netrc", "machine 127.0.0.1 login " + local + "@bench.example password " + kPassword + "\n",
        0600);
    const auto t0 = std::chrono::steady_clock::now();
    auto out = applier.Apply(driver, {task});
    const auto t1 = std::chrono::steady_clock::now();
    if (out.results[0].outcome != protocol::TaskOutcome::kApplied) {
      std::fprintf(stderr, "apply failed: %s\n", out.results[0].detail.c_str());
      return 1;
    }
    bool in = false;
    while (!in && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
      Command curl;
      curl.argv = {"/usr/bin/curl",
                   "-sS",
                   "--max-time",
                   "5",
                   "--cacert",
                   fs.HostPath("ca/ca.pem"),
                   "--netrc-file",
                   fs.HostPath("netrc"),
                   "imaps://127.0.0.1:" + std::to_string(l.imaps_port) + "/INBOX",
                   "-X",
                   "NOOP"};
      auto r = runner.Run(curl);
      in = r && r->exit_code == 0;
      if (!in) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto t2 = std::chrono::steady_clock::now();
    if (!in) {
      std::fprintf(stderr, "%s never logged in\n", local.c_str());
      return 1;
    }
    apply_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    total_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
    std::printf("mailbox %2d: applied in %6.0f ms, IMAPS login after %6.0f ms\n", i + 1,
                apply_ms.back(), total_ms.back());
  }
  double load[1] = {0};
  (void)::getloadavg(load, 1);
  std::printf("\n%s, load average %.1f\n", bench::MachineDescription().c_str(), load[0]);
  std::printf("new mailbox -> IMAPS login: p50 %.0f ms, p90 %.0f ms (apply alone: p50 %.0f ms)\n",
              bench::Median(total_ms), bench::Percentile(total_ms, 90), bench::Median(apply_ms));
  instance.Stop();
  return 0;
}
