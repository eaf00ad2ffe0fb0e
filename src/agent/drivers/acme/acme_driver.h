#pragma once

// The acme driver: TLS certificates over ACME HTTP-01, obtained by Debian's `lego` (run by argv
// through CommandRunner) and installed as <certs_dir>/<domain>/fullchain.pem (leaf + issuers,
// 0644) and privkey.pem (0600, owned by the agent's user: root in production).
//
// cert.ensure is level-triggered: "a certificate for exactly {domain} + aliases, valid for more
// than renew_before_days, is installed". Certificates come from the ACME exchange, not from a
// template, so Render returns no files (it only re-validates the spec) and the work is in Finish:
//   1. the installed pair is read (OpenSSL): if its key matches, its subjectAltNames are exactly
//      the spec's names and it is not due, nothing runs (a replayed task is a no-op, P2);
//   2. else, if lego's own copy (<state_dir>/certificates/<domain>.{crt,key}) passes the same
//      check, it is installed without contacting the CA (the installed files were lost);
//   3. else lego runs: `renew --days N` when its copy has the same names (an account exists),
//      `run` otherwise (new names: renew would keep the old ones); the result is checked the same
//      way (names, expiry, key) before it is installed.
// The two files are renamed into place back to back (Filesystem::ApplyFiles); a crash between
// the renames leaves a pair whose key does not match, which step 1 detects and repairs.
// A refused issuance is kValidation with lego's last error line (the ACME problem, e.g. the
// CA could not fetch the challenge); a CA that cannot be reached is kUnavailable; a lego run
// past lego_timeout is kTimeout. Files already installed stay in place on any failure.
//
// nginx loads a new certificate only on reload. The first certificate of a site is followed by
// the controller's site.ensure with "https": true, which reloads nginx; a renewal of a site that
// is already HTTPS is not, so after every install Finish calls options.after_install (the agent
// wires it to the nginx driver's Reload). When that hook fails, Finish fails (retryable when the
// hook's error is) and calls the hook again on the next ensure, even if nothing is due then.
//
// cert.remove deletes <certs_dir>/<domain>/ and lego's files for the domain (the ACME account,
// shared by all domains of the same email, stays). The controller must first take "https" off
// the site, or nginx's next validation fails on the missing files.
//
// Called by the agent's reconcile thread only.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/acme/acme_layout.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "protocol/cert_spec.h"

namespace hostplane::agent {

struct AcmeDriverOptions {
  // Called after a certificate was installed (see above). Empty: nothing is called.
  std::function<Status()> after_install;
};

// A certificate chain and its key as PEM text.
struct CertPair {
  std::string chain_pem;
  std::string key_pem;
};

// How well an installed (or lego's) pair satisfies a spec.
enum class CertFit {
  kGood,        // the key matches, the names are exactly the spec's, valid past the renewal window
  kDue,         // as kGood, but it expires within renew_before_days
  kOtherNames,  // the subjectAltNames are not exactly the spec's names
  kUnusable,    // unreadable, or the key does not belong to the certificate
};
struct CertCheck {
  CertFit fit = CertFit::kUnusable;
  std::string detail;  // why it is not kGood
};
CertCheck CheckCertPair(const CertPair& pair, std::vector<std::string> names, int renew_before_days,
                        std::chrono::system_clock::time_point now);

// The line of lego's output that says why it failed (its last error line, without the log
// timestamp; control characters escaped, at most 400 bytes).
std::string LegoFailureReason(const CommandOutput& out);
// The error kind for a failed lego run: kValidation when the CA refused (an ACME problem
// document, a bad CA certificate), kUnavailable when the CA could not be reached.
Error LegoFailure(const CommandOutput& out);

class AcmeDriver final : public ServiceDriver {
 public:
  AcmeDriver(AcmeLayout layout, Filesystem& fs, CommandRunner& runner, const Clock& clock,
             AcmeDriverOptions options = {});

  std::string Name() const override { return "acme"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> ManagedDirs() const override { return {}; }
  Result<FileSet> Render(const protocol::Task& task) const override;
  Status Prepare(const protocol::Task& task) override { return Ok(); }
  Result<Verdict> Validate() override { return Verdict{}; }
  Status Reload() override { return Ok(); }
  Status Finish(const protocol::Task& task) override;

  // The work of cert.ensure / cert.remove (Finish decodes the task and calls these), also for a
  // periodic renewal check that does not go through a task.
  [[nodiscard]] Status Ensure(const protocol::CertSpec& spec);
  [[nodiscard]] Status Remove(const protocol::CertRemoval& removal);

  // Root-relative paths of the installed pair.
  std::string ChainPath(const std::string& domain) const;
  std::string KeyPath(const std::string& domain) const;
  // How many times lego was run by this driver (for tests and metrics).
  int lego_runs() const { return lego_runs_; }

 private:
  Result<std::optional<CertPair>> ReadPair(const std::string& chain, const std::string& key);
  std::string LegoCertPath(const std::string& domain, const char* ext) const;
  Status RunLego(const protocol::CertSpec& spec, bool renew);
  Status Install(const std::string& domain, const CertPair& pair);
  Status AfterInstall();
  std::chrono::system_clock::time_point Now() const;

  AcmeLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  const Clock& clock_;
  AcmeDriverOptions options_;
  bool hook_pending_ = false;
  int lego_runs_ = 0;
};

}  // namespace hostplane::agent
