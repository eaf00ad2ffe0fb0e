#include "agent/drivers/acme/acme_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "agent/drivers/acme/certificate.h"
#include "common/text/text.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

constexpr size_t kMaxReason = 400;

// lego logs through Go's log package: "2026/11/24 21:18:57 [INFO] ...".
std::string StripLogTimestamp(const std::string& line) {
  if (line.size() > 20 && line[4] == '/' && line[7] == '/' && line[10] == ' ' && line[13] == ':' &&
      line[16] == ':' && line[19] == ' ') {
    return line.substr(20);
  }
  return line;
}

// Control characters and bytes outside printable ASCII escaped, so a reason can travel in a
// report and be shown on a page or a terminal safely (it is escaped again on output).
std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= kMaxReason) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

bool Contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

CertCheck CheckCertPair(const CertPair& pair, std::vector<std::string> names, int renew_before_days,
                        std::chrono::system_clock::time_point now) {
  auto info = InspectCertificate(pair.chain_pem);
  if (!info) return {CertFit::kUnusable, "unreadable certificate: " + info.error().message};
  if (auto k = CheckKeyMatchesCertificate(pair.chain_pem, pair.key_pem); !k) {
    return {CertFit::kUnusable, k.error().message};
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (info->dns_names != names) return {CertFit::kOtherNames, "the certificate is for other names"};
  if (info->not_after - now <= std::chrono::hours(24) * renew_before_days) {
    return {CertFit::kDue, "the certificate is due for renewal"};
  }
  return {CertFit::kGood, ""};
}

std::string LegoFailureReason(const CommandOutput& out) {
  std::vector<std::string> lines;
  for (const std::string* text : {&out.err, &out.out}) {
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string line = Trim(StripLogTimestamp(text->substr(start, end - start)));
      if (!line.empty() && !line.starts_with("[INFO]")) lines.push_back(std::move(line));
      start = end + 1;
    }
  }
  // The ACME problem ("[shop.example] acme: error: 403 :: urn:ietf:params:acme:error:...") is
  // the most useful; then any line naming an error; then the last line at all.
  for (const char* marker : {"urn:ietf:params:acme:error", "error", "Error"}) {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      if (Contains(*it, marker)) return Printable(*it);
    }
  }
  if (!lines.empty()) return Printable(lines.back());
  return "lego exited with status " + std::to_string(out.exit_code);
}

Error LegoFailure(const CommandOutput& out) {
  std::string reason = "lego: " + LegoFailureReason(out);
  std::string all = out.err + out.out;
  if (Contains(all, "urn:ietf:params:acme:error")) return Error::Validation(reason);
  for (const char* network :
       {"connection refused", "no such host", "i/o timeout", "network is unreachable",
        "TLS handshake timeout", "connection reset", "EOF"}) {
    if (Contains(all, network)) return Error::Unavailable(reason);
  }
  return Error::Validation(reason);
}

AcmeDriver::AcmeDriver(AcmeLayout layout, Filesystem& fs, CommandRunner& runner, const Clock& clock,
                       AcmeDriverOptions options)
    : layout_(std::move(layout)),
      fs_(fs),
      runner_(runner),
      clock_(clock),
      options_(std::move(options)) {}

std::vector<std::string> AcmeDriver::Kinds() const {
  return {protocol::kCertEnsure, protocol::kCertRemove};
}

Result<FileSet> AcmeDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kCertEnsure) {
    HP_TRY(protocol::CertSpecFromJson(task.spec));
  } else if (task.kind == protocol::kCertRemove) {
    HP_TRY(protocol::CertRemovalFromJson(task.spec));
  } else {
    return Fail(Error::Invalid("acme: unknown task kind " + protocol::QuoteForMessage(task.kind)));
  }
  return FileSet{};
}

Status AcmeDriver::Finish(const protocol::Task& task) {
  if (task.kind == protocol::kCertEnsure) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::CertSpecFromJson(task.spec));
    return Ensure(spec);
  }
  HP_ASSIGN_OR_RETURN(auto removal, protocol::CertRemovalFromJson(task.spec));
  return Remove(removal);
}

std::string AcmeDriver::ChainPath(const std::string& domain) const {
  return layout_.certs_dir + "/" + domain + "/fullchain.pem";
}

std::string AcmeDriver::KeyPath(const std::string& domain) const {
  return layout_.certs_dir + "/" + domain + "/privkey.pem";
}

std::string AcmeDriver::LegoCertPath(const std::string& domain, const char* ext) const {
  return layout_.state_dir + "/certificates/" + domain + ext;
}

std::chrono::system_clock::time_point AcmeDriver::Now() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(clock_.NowMillis()));
}

Result<std::optional<CertPair>> AcmeDriver::ReadPair(const std::string& chain,
                                                     const std::string& key) {
  HP_ASSIGN_OR_RETURN(auto c, fs_.ReadFile(chain));
  HP_ASSIGN_OR_RETURN(auto k, fs_.ReadFile(key));
  if (!c || !k) return std::optional<CertPair>();
  return std::optional<CertPair>(CertPair{std::move(*c), std::move(*k)});
}

Status AcmeDriver::Ensure(const protocol::CertSpec& spec) {
  const std::vector<std::string> names = spec.Names();
  HP_ASSIGN_OR_RETURN(auto installed, ReadPair(ChainPath(spec.domain), KeyPath(spec.domain)));
  if (installed &&
      CheckCertPair(*installed, names, spec.renew_before_days, Now()).fit == CertFit::kGood) {
    return hook_pending_ ? AfterInstall() : Ok();
  }

  auto lego = ReadPair(LegoCertPath(spec.domain, ".crt"), LegoCertPath(spec.domain, ".key"));
  if (!lego) return Fail(lego.error());
  CertCheck check = *lego ? CheckCertPair(**lego, names, spec.renew_before_days, Now())
                          : CertCheck{CertFit::kUnusable, "no certificate yet"};
  if (check.fit != CertFit::kGood) {
    // renew keeps the names of lego's copy: only for the same names (then an account exists).
    bool renew = check.fit == CertFit::kDue;
    spdlog::info("acme: {} for {}: {}", renew ? "renewing" : "obtaining a certificate", spec.domain,
                 check.detail);
    HP_TRY(RunLego(spec, renew));
    lego = ReadPair(LegoCertPath(spec.domain, ".crt"), LegoCertPath(spec.domain, ".key"));
    if (!lego) return Fail(lego.error());
    if (!*lego) return Fail(Error::Validation("lego succeeded but wrote no certificate"));
    // A renewal lego skipped at the boundary of renew_before_days still counts: the pair only
    // has to be for these names and not expired.
    CertCheck got = CheckCertPair(**lego, names, 0, Now());
    if (got.fit != CertFit::kGood) {
      return Fail(Error::Validation("the certificate lego obtained is unusable: " + got.detail));
    }
  }
  HP_TRY(Install(spec.domain, **lego));
  hook_pending_ = true;
  return AfterInstall();
}

Status AcmeDriver::RunLego(const protocol::CertSpec& spec, bool renew) {
  HP_TRY(fs_.MakeDirs(layout_.acme_webroot, 0755));
  // --name=value throughout: a value can never be taken for an option.
  Command cmd;
  cmd.argv = {layout_.lego_binary,
              "--accept-tos",
              "--email=" + spec.email,
              "--server=" + spec.directory_url,
              "--path=" + fs_.HostPath(layout_.state_dir),
              "--key-type=ec256",
              "--http",
              "--http.webroot=" + fs_.HostPath(layout_.acme_webroot)};
  for (const auto& name : spec.Names()) cmd.argv.push_back("--domains=" + name);
  if (renew) {
    cmd.argv.insert(cmd.argv.end(), {"renew", "--days=" + std::to_string(spec.renew_before_days),
                                     "--no-random-sleep"});
  } else {
    cmd.argv.push_back("run");
  }
  cmd.timeout = layout_.lego_timeout;
  if (!layout_.ca_bundle.empty()) {
    cmd.env["LEGO_CA_CERTIFICATES"] = fs_.HostPath(layout_.ca_bundle);
  }
  ++lego_runs_;
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error().Wrap("running lego"));
  if (!out->ok()) {
    Error e = LegoFailure(*out);
    spdlog::warn("acme: {}: {}", spec.domain, e.message);
    return Fail(e);
  }
  return Ok();
}

Status AcmeDriver::Install(const std::string& domain, const CertPair& pair) {
  const std::string dir = layout_.certs_dir + "/" + domain;
  HP_TRY(fs_.MakeDirs(dir, 0755));
  if (auto debris = fs_.RemoveTempDebris(dir); !debris) return Fail(debris.error());
  // The key first: nginx is only reloaded afterwards, and a crash in between leaves a mismatch
  // that the next ensure repairs.
  std::vector<FileWrite> writes = {{KeyPath(domain), pair.key_pem, 0600},
                                   {ChainPath(domain), pair.chain_pem, 0644}};
  HP_TRY(fs_.ApplyFiles(writes));
  spdlog::info("acme: installed the certificate of {}", domain);
  return Ok();
}

Status AcmeDriver::AfterInstall() {
  if (options_.after_install) {
    if (auto s = options_.after_install(); !s) {
      return Fail(s.error().Wrap("certificate installed, reloading after it failed"));
    }
  }
  hook_pending_ = false;
  return Ok();
}

Status AcmeDriver::Remove(const protocol::CertRemoval& removal) {
  HP_TRY(fs_.RemoveTreeBeneath(layout_.certs_dir, removal.domain));
  for (const char* ext : {".crt", ".key", ".issuer.crt", ".json"}) {
    HP_TRY(fs_.RemoveFile(LegoCertPath(removal.domain, ext)));
  }
  return Ok();
}

}  // namespace hostplane::agent
