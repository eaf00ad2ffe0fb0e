#include "cmd/up_status.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/table.h"
#include "common/net/loopback.h"

namespace hostplane::cmd {
namespace {

using nlohmann::json;

enum class Liveness { kRunning, kStopped, kUnknown };

// `up` holds an exclusive flock on <data-dir>/controller.lock for as long as it runs.
Liveness LockHeld(const std::string& data_dir) {
  std::string path = data_dir + "/controller.lock";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Liveness::kStopped : Liveness::kUnknown;
  Liveness out = Liveness::kStopped;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    out = errno == EWOULDBLOCK ? Liveness::kRunning : Liveness::kUnknown;
  }
  ::close(fd);  // also releases our shared lock, if we got it
  return out;
}

struct Options {
  std::string data_dir;
  std::string output = "table";
};

int Run(const Options& opt) {
  std::string dir = opt.data_dir;
  if (dir.empty()) {
    const char* env = std::getenv("HOSTPLANE_DATA_DIR");
    dir = env && *env ? env : "var";
  }
  std::error_code ec;
  std::string real = std::filesystem::canonical(dir, ec).string();
  if (ec) {
    std::fprintf(stderr,
                 "error: no data directory %s here: hostplane up has not run with it (give the "
                 "one it used with --data-dir)\n",
                 dir.c_str());
    return 3;
  }
  std::ifstream in(real + "/" + kUpStatusFile);
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  Result<UpStatus> status = Fail(Error::NotFound(kUpStatusFile));
  if (in) status = UpStatusFromJson(j);
  if (!status) {
    std::fprintf(stderr,
                 "error: %s has no readable %s: hostplane up has not finished starting there "
                 "(or it is the data directory of `hostplane serve`)\n",
                 real.c_str(), kUpStatusFile);
    return 3;
  }
  Liveness live = LockHeld(real);
  std::vector<std::string> states;
  bool all_answer = true;
  for (const auto& e : status->endpoints) {
    if (live != Liveness::kRunning) {
      states.push_back("stopped");
    } else if (e.port == 0) {
      states.push_back("running");
    } else if (LoopbackAccepts(e.port)) {
      states.push_back("answering");
    } else {
      states.push_back("NOT ANSWERING");
      all_answer = false;
    }
  }
  const std::string link_note =
      status->data_link.empty() ? "" : " (" + status->data_link + " links to it)";
  if (opt.output == "json") {
    json out = UpStatusToJson(*status);
    out["running"] = live == Liveness::kRunning;
    for (size_t i = 0; i < states.size(); ++i) out["endpoints"][i]["state"] = states[i];
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    if (live == Liveness::kRunning) {
      std::printf("hostplane up is running (pid %d, since %s)\n", status->pid,
                  cli::HumanTime(status->started_at).c_str());
    } else if (live == Liveness::kStopped) {
      std::printf("hostplane up is not running; it last ran (pid %d) from %s\n", status->pid,
                  cli::HumanTime(status->started_at).c_str());
    } else {
      std::printf("cannot tell whether hostplane up runs: %s/controller.lock is not readable\n",
                  real.c_str());
    }
    std::printf("  data    %s%s\n  binary  %s\n\n", status->data_dir.c_str(), link_note.c_str(),
                status->binary.c_str());
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < states.size(); ++i) {
      const auto& e = status->endpoints[i];
      std::string state = states[i];
      if (!e.note.empty()) state += " (" + e.note + ")";
      rows.push_back({e.service, e.daemon, e.where, state});
    }
    std::printf("%s", cli::RenderTable({"SERVICE", "DAEMON", "WHERE", "STATE"}, rows).c_str());
    if (live == Liveness::kStopped && !status->argv.empty()) {
      std::printf("\nStart it again with:\n  cd %s && %s\n", ShellCommand({status->cwd}).c_str(),
                  ShellCommand(status->argv).c_str());
    }
  }
  if (live != Liveness::kRunning) return 8;
  return all_answer ? 0 : 1;
}

}  // namespace

std::vector<std::string> OwnCommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> out;
  std::string arg;
  while (std::getline(in, arg, '\0')) out.push_back(arg);
  return out;
}

std::string ShellCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    bool plain = !a.empty() && a.find_first_not_of(
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                                   "vwxyz0123456789_./:=@%+,-") == std::string::npos;
    if (!out.empty()) out += ' ';
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

json UpStatusToJson(const UpStatus& s) {
  json endpoints = json::array();
  for (const auto& e : s.endpoints) {
    endpoints.push_back({{"service", e.service},
                         {"daemon", e.daemon},
                         {"where", e.where},
                         {"port", e.port},
                         {"note", e.note}});
  }
  return {{"pid", s.pid},           {"started_at", s.started_at}, {"binary", s.binary},
          {"data_dir", s.data_dir}, {"data_link", s.data_link},   {"cwd", s.cwd},
          {"argv", s.argv},         {"endpoints", endpoints}};
}

Result<UpStatus> UpStatusFromJson(const json& j) {
  auto bad = [](const std::string& field) {
    return Fail(Error::Invalid("up.json: " + field + " is missing or of the wrong type"));
  };
  if (!j.is_object()) return bad("the document");
  UpStatus s;
  auto str = [&](const char* key, std::string& out) {
    if (!j.contains(key) || !j[key].is_string()) return false;
    out = j[key].get<std::string>();
    return true;
  };
  if (!j.contains("pid") || !j["pid"].is_number_integer()) return bad("pid");
  s.pid = j["pid"].get<int>();
  using Field = std::pair<const char*, std::string*>;
  for (auto [key, out] : std::initializer_list<Field>{{"started_at", &s.started_at},
                                                      {"binary", &s.binary},
                                                      {"data_dir", &s.data_dir},
                                                      {"data_link", &s.data_link},
                                                      {"cwd", &s.cwd}}) {
    if (!str(key, *out)) return bad(key);
  }
  if (!j.contains("argv") || !j["argv"].is_array()) return bad("argv");
  for (const auto& a : j["argv"]) {
    if (!a.is_string()) return bad("argv[]");
    s.argv.push_back(a.get<std::string>());
  }
  if (!j.contains("endpoints") || !j["endpoints"].is_array()) return bad("endpoints");
  for (const auto& e : j["endpoints"]) {
    if (!e.is_object()) return bad("endpoints[]");
    UpEndpoint ep;
    for (auto [key, out] : std::initializer_list<Field>{{"service", &ep.service},
                                                        {"daemon", &ep.daemon},
                                                        {"where", &ep.where},
                                                        {"note", &ep.note}}) {
      if (!e.contains(key) || !e[key].is_string()) return bad(std::string("endpoints[].") + key);
      *out = e[key].get<std::string>();
    }
    if (!e.contains("port") || !e["port"].is_number_integer()) return bad("endpoints[].port");
    ep.port = e["port"].get<int>();
    s.endpoints.push_back(std::move(ep));
  }
  return s;
}

void AddStatusCommand(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<Options>();
  CLI::App* status = app.add_subcommand(
      "status",
      "Show what the all-in-one (`hostplane up`) runs and where, and whether each port answers");
  status->add_option("--data-dir", opt->data_dir,
                     "The data directory of that `hostplane up` (default: $HOSTPLANE_DATA_DIR, "
                     "else ./var)");
  status->add_option("--output,-o", opt->output, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  status->footer(
      "Exit codes: 0 running and every port answers, 1 a port does not answer, 3 hostplane up "
      "never ran with this data directory, 8 not running.");
  status->callback([opt, &exit_code] { exit_code = Run(*opt); });
}

}  // namespace hostplane::cmd
