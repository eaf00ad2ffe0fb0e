// README.md works as written (CTest label readme). A fresh clone of this repository in a 0700
// folder (like root's home), the README's first command (scripts/up: install, build, start on the
// default ports, no Unix-user prefix) in the background, then every command of its newcomer
// sections as written, in order, in one shell from the clone's root: each must exit 0, each curl
// must show the site its Host header names, and each kdig must get an answer. The commands come
// from the README itself (tests/support/readme_script.h): a wrong command there fails this test.
// Afterwards Ctrl-C (SIGINT to up's process group, as a terminal sends it) must stop everything:
// no process of it left, no port held. The test removes what it made, the customers' Unix users
// included. It holds the CTest RESOURCE_LOCK default_ports.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "cmd/bootstrap.h"
#include "cmd/up_data_dir.h"
#include "common/net/loopback.h"
#include "protocol/validate.h"
#include "readme_script.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int64_t kDefaultUidFirst = 20000;  // `hostplane up`'s default uid range
constexpr int64_t kDefaultUidLast = 59999;

TEST(ReadmeScriptTest, TakesTheShBlocksBetweenTheMarkersAsWritten) {
  const std::string md =
      "# x\n```sh\nnot me\n```\n<!-- readme-test: begin -->\n## Start here\n```sh\nscripts/up\n"
      "```\n```text\nnot me either\n```\n## A first site\n```sh\n. var/x.env\n\n# a comment\n"
      "hostplane a \\\n  --b   # where\necho 'it''s'\n```\n<!-- readme-test: end -->\n"
      "```sh\nscripts/test\n```\n";
  auto w = ParseReadmeWalkthrough(md);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->server.text, "scripts/up");
  EXPECT_EQ(w->server.section, "Start here");
  ASSERT_EQ(w->commands.size(), 3u);
  EXPECT_EQ(w->commands[0].text, ". var/x.env");
  EXPECT_EQ(w->commands[0].line, 15);
  EXPECT_EQ(w->commands[1].text, "hostplane a   --b   # where");
  EXPECT_EQ(w->commands[1].section, "A first site");
  EXPECT_EQ(w->commands[2].text, "echo 'it''s'");

  EXPECT_FALSE(ParseReadmeWalkthrough("```sh\nscripts/up\n```\n"));  // no markers
  EXPECT_FALSE(ParseReadmeWalkthrough(
      "<!-- readme-test: begin -->\n```sh\na\nb\n```\n```sh\nc\n```\n<!-- readme-test: end -->"));
  EXPECT_FALSE(
      ParseReadmeWalkthrough("<!-- readme-test: begin -->\n```sh\na\n```\n```sh\ncat <<EOF\n```\n"
                             "<!-- readme-test: end -->"));
}

TEST(ReadmeScriptTest, RunsInOneShellAndStopsAtTheFirstFailure) {
  std::vector<ReadmeCommand> commands = {{"export HP_X=carried", "", 1},
                                         {"echo \"$HP_X\"", "", 2},
                                         {"false", "", 3},
                                         {"echo no", "", 4}};
  PosixCommandRunner bash({"/bin/bash"});
  Command cmd;
  cmd.argv = {"/bin/bash", "--noprofile", "--norc", "-c", WalkthroughScript(commands, "/")};
  auto out = bash.Run(cmd);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->exit_code, 100);
  auto runs = SplitWalkthroughOutput(out->out, commands.size());
  EXPECT_EQ(runs[0].exit_code, 0);
  EXPECT_EQ(runs[1].exit_code, 0);
  EXPECT_EQ(runs[1].output, "carried\n");
  EXPECT_EQ(runs[2].exit_code, 1);
  EXPECT_EQ(runs[3].exit_code, -1);  // never ran
}

// ---- the walkthrough ----

std::string Env(const char* key) {
  const char* v = std::getenv(key);
  return v ? v : "";
}

// What the shells get from this process: what ccache and git need to find their configuration,
// and nothing of hostplane's (HOSTPLANE_* would short-cut the README's own `. var/...env`).
std::map<std::string, std::string> ShellEnv() {
  std::map<std::string, std::string> env;
  for (const char* key :
       {"HOME", "CCACHE_DIR", "CCACHE_CONFIGPATH", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TERM"}) {
    if (!Env(key).empty()) env[key] = Env(key);
  }
  if (!env.count("HOME")) env["HOME"] = "/root";
  return env;
}

Command Argv(std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  return c;
}

// Account users hostplane made in the default uid range (other tests use their own ranges).
std::set<std::string> DefaultRangeAccountUsers() {
  std::set<std::string> out;
  setpwent();
  while (struct passwd* pw = getpwent()) {
    if (pw->pw_uid >= kDefaultUidFirst && pw->pw_uid <= kDefaultUidLast && pw->pw_gecos &&
        std::string(pw->pw_gecos) == protocol::kAccountUserComment) {
      out.insert(pw->pw_name);
    }
  }
  endpwent();
  return out;
}

// pid -> (ppid, state) of every process.
std::map<int, std::pair<int, char>> Processes() {
  std::map<int, std::pair<int, char>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadFile(e.path().string() + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 > stat.size()) continue;
    char state = stat[close + 2];
    int ppid = std::atoi(stat.c_str() + close + 4);
    out[std::stoi(name)] = {ppid, state};
  }
  return out;
}

// Processes below this one (which is a subreaper, so daemons that double-forked come back to it)
// and any process whose command line names one of the paths, as "pid: cmdline".
std::vector<std::string> Leftovers(const std::vector<std::string>& paths) {
  // Reap what was re-parented to us and has exited.
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  auto procs = Processes();
  std::vector<std::string> out;
  const int self = ::getpid();
  for (const auto& [pid, info] : procs) {
    if (pid == self || info.second == 'Z') continue;
    std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    bool below = false;
    for (int p = info.first, hops = 0; p > 1 && hops < 64; ++hops) {
      if (p == self) {
        below = true;
        break;
      }
      auto it = procs.find(p);
      if (it == procs.end()) break;
      p = it->second.first;
    }
    bool named = false;
    for (const auto& path : paths) named = named || cmdline.find(path) != std::string::npos;
    if (below || named) out.push_back(std::to_string(pid) + ": " + cmdline);
  }
  return out;
}

// The tail of a file, for failure messages.
std::string Tail(const std::string& path, size_t bytes = 6000) {
  std::string s = ReadFile(path);
  return s.size() > bytes ? "..." + s.substr(s.size() - bytes) : s;
}

// A clone, its `up` and everything they made; the destructor removes all of it whatever happened.
class ReadmeRun {
 public:
  ReadmeRun() {
    char tmpl[] = "/tmp/hp-readme.XXXXXX";  // mkdtemp: mode 0700, as root's home is
    if (::mkdtemp(tmpl) != nullptr) dir_ = tmpl;
    users_before_ = DefaultRangeAccountUsers();
  }
  ~ReadmeRun() {
    RemoveCustomers();
    Interrupt();
    for (const auto& user : NewAccountUsers()) {
      PosixCommandRunner admin({"/usr/sbin/userdel", "/usr/sbin/groupdel"});
      (void)admin.Run(Argv({"/usr/sbin/userdel", "--", user}));
      (void)admin.Run(Argv({"/usr/sbin/groupdel", "--", user}));
    }
    std::error_code ec;
    std::string real = data_real_.empty() ? fs::canonical(data_link(), ec).string() : data_real_;
    if (!real.empty() && real != data_link()) fs::remove_all(real, ec);
    if (!dir_.empty() && Env("HOSTPLANE_KEEP_TEST_PREFIX").empty()) fs::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  std::string clone() const { return dir_ + "/hostplane"; }
  std::string data_link() const { return clone() + "/var"; }
  std::string up_log() const { return dir_ + "/up.log"; }
  const std::string& data_real() const { return data_real_; }
  std::string env_file() const { return ReadFile(data_link() + "/hostplane.env"); }

  // git clone of the source tree, at its working state when tracked files have changes.
  Status Clone() {
    if (dir_.empty()) return Fail(Error::Io("mkdtemp failed"));
    PosixCommandRunner git({"/usr/bin/git"});
    Command cmd;
    cmd.env = ShellEnv();
    cmd.timeout = 120s;
    cmd.argv = {"/usr/bin/git", "-C", HOSTPLANE_SOURCE_DIR, "stash", "create"};
    auto stash = git.Run(cmd);
    if (!stash || !stash->ok()) return Fail(Error::Io("git stash create failed"));
    std::string commit = stash->out.substr(0, stash->out.find('\n'));
    cmd.argv = {"/usr/bin/git", "clone", "--quiet", HOSTPLANE_SOURCE_DIR, clone()};
    auto cloned = git.Run(cmd);
    if (!cloned || !cloned->ok()) {
      return Fail(
          Error::Io("git clone failed: " + (cloned ? cloned->err : cloned.error().message)));
    }
    if (!commit.empty()) {  // tracked files changed: the clone gets them too (not untracked ones)
      cmd.argv = {"/usr/bin/git", "-C", clone(), "checkout", "--quiet", commit};
      auto out = git.Run(cmd);
      if (!out || !out->ok()) return Fail(Error::Io("git checkout of the working state failed"));
    }
    return Ok();
  }

  // The README's first command, in the clone, in a process group of its own (as a terminal's
  // foreground job), until its hostplane.env is written and the API answers.
  Status StartServer(const ReadmeCommand& server, std::chrono::seconds timeout) {
    std::string cwd = fs::current_path().string();
    fs::current_path(clone());
    auto child = ChildProcess::Start({"/bin/bash", "--noprofile", "--norc", "-c", server.text},
                                     up_log(), ShellEnv());
    fs::current_path(cwd);
    if (!child) return Fail(child.error());
    server_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!server_->Running()) {
        return Fail(Error::Unavailable("`" + server.text + "` exited:\n" + Tail(up_log())));
      }
      std::string env = env_file();
      std::string token = EnvValue(env, "HOSTPLANE_TOKEN");
      std::string url = EnvValue(env, "HOSTPLANE_URL");
      if (!token.empty() && !url.empty()) {
        api_ = ApiClient{std::atoi(url.c_str() + url.rfind(':') + 1), token};
        if (api_.Call("GET", "/healthz", nullptr, false).status == 200) {
          std::error_code ec;
          data_real_ = fs::canonical(data_link(), ec).string();
          return Ok();
        }
      }
      std::this_thread::sleep_for(200ms);
    }
    return Fail(Error::Timeout("`" + server.text + "` was not up in time:\n" + Tail(up_log())));
  }

  // Deletes every customer with its content and waits: their Unix users are the machine's.
  void RemoveCustomers() {
    if (!server_ || !server_->Running() || api_.port == 0) return;
    std::vector<int64_t> tasks;
    for (const auto& c : api_.Call("GET", "/api/v1/customers?limit=1000")
                             .json()
                             .value("customers", Json::array())) {
      auto r =
          api_.Call("DELETE", "/api/v1/customers/" + c.value("login", "") + "?remove_content=true");
      if (r.status != 202) continue;
      auto ids = UpInstance::TaskIds(r.json());
      tasks.insert(tasks.end(), ids.begin(), ids.end());
    }
    if (!tasks.empty()) (void)api_.WaitTasks(tasks, 120s);
  }

  // Ctrl-C: SIGINT to up's process group. True when it exited within the grace period.
  bool Interrupt(std::chrono::seconds grace = 60s) {
    if (!server_) return true;
    if (server_->Running()) ::kill(-server_->pid(), SIGINT);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (server_->Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    bool stopped = !server_->Running();
    server_.reset();  // SIGTERM, then SIGKILL, if it did not stop
    return stopped;
  }

  std::set<std::string> NewAccountUsers() const {
    std::set<std::string> out;
    for (const auto& u : DefaultRangeAccountUsers()) {
      if (!users_before_.count(u)) out.insert(u);
    }
    return out;
  }

 private:
  std::string dir_;
  std::string data_real_;
  std::set<std::string> users_before_;
  std::optional<ChildProcess> server_;
  ApiClient api_;
};

struct Port {
  std::string name;
  int port = 0;
  bool udp = false;
  bool listens = true;  // while up runs (HTTPS only once a site has a certificate)
};

std::vector<Port> PortsOf(const std::string& env) {
  std::vector<Port> out;
  std::string url = EnvValue(env, "HOSTPLANE_URL");
  if (auto colon = url.rfind(':'); colon != std::string::npos) {
    out.push_back({"api", std::atoi(url.c_str() + colon + 1)});
  }
  for (const char* key :
       {"HOSTPLANE_HTTP_PORT", "HOSTPLANE_HTTPS_PORT", "HOSTPLANE_SMTP_PORT", "HOSTPLANE_IMAP_PORT",
        "HOSTPLANE_FTP_PORT", "HOSTPLANE_DNS_PORT", "HOSTPLANE_DB_PORT"}) {
    int port = std::atoi(EnvValue(env, key).c_str());
    if (port == 0) continue;
    out.push_back({key, port, false, std::string(key) != "HOSTPLANE_HTTPS_PORT"});
    if (std::string(key) == "HOSTPLANE_DNS_PORT") out.push_back({key, port, true, true});
  }
  return out;
}

std::string Describe(const ReadmeCommand& c) {
  return "README.md line " + std::to_string(c.line) + " (" + c.section + "): " + c.text;
}

TEST(Readme, TheNewcomerSectionsWorkAsWrittenFromAFreshCloneInA0700Folder) {
  ASSERT_EQ(::geteuid(), 0) << "the README is written for root (scripts/up installs packages)";
  // Daemons that double-fork come back to this process, so none can escape the check below.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  ReadmeRun run;
  ASSERT_FALSE(run.dir().empty());
  struct stat st {};
  ASSERT_EQ(::stat(run.dir().c_str(), &st), 0);
  ASSERT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_OK(run.Clone());
  auto walkthrough = ParseReadmeWalkthrough(ReadFile(run.clone() + "/README.md"));
  ASSERT_TRUE(walkthrough) << walkthrough.error().message;

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_OK(run.StartServer(walkthrough->server, 1500s));
  const auto ready_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0);
  std::printf("`%s` was up after %lld s (install check, build of the clone, start)\n",
              walkthrough->server.text.c_str(), static_cast<long long>(ready_s.count()));
  // The data is out of the 0700 folder, where the daemons' users reach it.
  EXPECT_NE(run.data_real(), run.data_link());
  EXPECT_FALSE(cmd::FirstUntraversable(run.data_real())) << run.data_real();
  const auto ports = PortsOf(run.env_file());
  ASSERT_EQ(ports.size(), 9u) << "hostplane.env lacks a port:\n" << run.env_file();
  for (const auto& p : ports) {
    if (p.listens && !p.udp) EXPECT_TRUE(LoopbackAccepts(p.port)) << p.name << " " << p.port;
  }

  // The walkthrough as written, in one shell, from the clone's root.
  PosixCommandRunner bash({"/bin/bash"});
  Command cmd;
  cmd.argv = {"/bin/bash", "--noprofile", "--norc", "-c",
              WalkthroughScript(walkthrough->commands, run.clone())};
  cmd.env = ShellEnv();
  cmd.timeout = 900s;
  auto out = bash.Run(cmd);
  ASSERT_TRUE(out) << out.error().message;
  auto runs = SplitWalkthroughOutput(out->out, walkthrough->commands.size());
  int curls = 0, kdigs = 0;
  bool all_ok = true;
  for (size_t i = 0; i < runs.size(); ++i) {
    const ReadmeCommand& c = walkthrough->commands[i];
    if (runs[i].exit_code != 0) {
      ADD_FAILURE() << Describe(c) << "\nexited " << runs[i].exit_code
                    << (runs[i].exit_code == -1 ? " (not run: the shell stopped before it)" : "")
                    << ":\n"
                    << runs[i].output << "\n--- " << walkthrough->server.text << " said:\n"
                    << Tail(run.up_log());
      all_ok = false;
      break;
    }
    const std::string program = c.text.substr(0, c.text.find(' '));
    if (program == "curl") {
      ++curls;
      std::smatch host;
      ASSERT_TRUE(std::regex_search(c.text, host, std::regex(R"(Host:\s*([A-Za-z0-9.-]+))")))
          << Describe(c) << ": a curl without a Host header";
      EXPECT_NE(runs[i].output.find(host[1].str()), std::string::npos)
          << Describe(c) << "\ndid not show the site " << host[1] << ":\n"
          << runs[i].output;
    } else if (program == "kdig") {
      ++kdigs;
      EXPECT_NE(runs[i].output.find_first_not_of(" \n"), std::string::npos)
          << Describe(c) << "\ngot no answer";
    }
  }
  if (all_ok) {
    EXPECT_EQ(out->exit_code, 0) << out->out;
    EXPECT_GE(curls, 1) << "the walkthrough never shows a site with curl";
    EXPECT_GE(kdigs, 1) << "the walkthrough never asks the DNS with kdig";
  }

  // What the walkthrough made goes before up stops (the Unix users are the machine's).
  run.RemoveCustomers();
  ASSERT_TRUE(run.Interrupt()) << "hostplane up was still running 60 s after Ctrl-C:\n"
                               << Tail(run.up_log());
  std::string left;
  for (const auto& l : Leftovers({run.data_real(), run.clone()})) left += l + "\n";
  EXPECT_EQ(left, "") << "still running after Ctrl-C";
  for (const auto& p : ports) {
    auto free = cmd::CheckPortFree("127.0.0.1", p.port, p.name.c_str(), p.udp);
    EXPECT_TRUE(free) << free.error().message;
  }
  std::string users;
  for (const auto& u : run.NewAccountUsers()) users += u + " ";
  EXPECT_EQ(users, "") << "account users left on the machine";
}

}  // namespace
}  // namespace hostplane::testing
