#include "common/testing/postgres_server.h"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/net/loopback.h"
#include "common/pg/connection.h"

namespace hostplane::testing {
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
constexpr const char* kSuperuser = "hostplane";

// Who runs initdb and postgres: nobody when we are root (both refuse root), else ourselves.
Result<std::optional<Command::Identity>> ServerIdentity() {
  if (::geteuid() != 0) return std::optional<Command::Identity>();
  const passwd* pw = ::getpwnam("nobody");
  if (!pw) return Fail(Error::NotFound("no user 'nobody' to run PostgreSQL as"));
  return std::optional<Command::Identity>(Command::Identity{pw->pw_uid, pw->pw_gid});
}

}  // namespace

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Result<PostgresServer*> PostgresServer::Shared() {
  static std::unique_ptr<PostgresServer> server;
  if (!server) {
    auto started = std::make_unique<PostgresServer>();
    HP_TRY(started->Start());
    server = std::move(started);
  }
  return server.get();
}

Status PostgresServer::Start() {
  const std::string initdb = std::string(kBinDir) + "/initdb";
  const std::string postgres = std::string(kBinDir) + "/postgres";
  if (::access(initdb.c_str(), X_OK) != 0 || ::access(postgres.c_str(), X_OK) != 0) {
    return Fail(Error::NotFound(std::string("PostgreSQL 15 is not installed (no ") + kBinDir +
                                "; Debian package postgresql-15)"));
  }
  HP_ASSIGN_OR_RETURN(const auto identity, ServerIdentity());
  if (dir_.empty()) {
    char tmpl[] = "/tmp/hppg.XXXXXX";  // short: the socket path must fit in 107 bytes
    if (::mkdtemp(tmpl) == nullptr) return Fail(Error::FromErrno("mkdtemp", errno));
    dir_ = tmpl;
    // Ours and 0700 until now: the server's user must own it to create its data folder in it.
    if (identity && ::chown(dir_.c_str(), identity->uid, identity->gid) != 0) {
      return Fail(Error::FromErrno("chown " + dir_, errno));
    }
  }
  if (port_ == 0) {
    HP_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
  }
  const std::string data = dir_ + "/data";
  if (!std::filesystem::exists(data)) {
    PosixCommandRunner runner({initdb});
    Command init;
    init.argv = {initdb,         "-D", data,   "-U",         kSuperuser,
                 "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"};
    init.run_as = identity;
    init.timeout = std::chrono::seconds(120);
    HP_ASSIGN_OR_RETURN(CommandOutput out, runner.Run(init));
    if (!out.ok()) {
      return Fail(Error::Unavailable("initdb failed (exit " + std::to_string(out.exit_code) +
                                     "):\n" + out.out + out.err));
    }
  }
  auto child = ChildProcess::Start(
      {postgres, "-D", data, "-p", std::to_string(port_), "-k", dir_, "-c",
       "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "max_connections=200"},
      dir_ + "/postgres.log", {}, identity);
  if (!child) return Fail(child.error());
  process_.emplace(std::move(*child));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->Running()) {
      process_.reset();
      return Fail(Error::Unavailable("postgres exited at start-up:\n" + log()));
    }
    if (pg::Connection::Open(Url("postgres"))) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Fail(Error::Timeout("postgres did not accept connections on port " +
                             std::to_string(port_) + ":\n" + log()));
}

void PostgresServer::Stop() {
  // Immediate shutdown: the data is thrown away, so the shutdown checkpoint (which fsyncs every
  // test database) would only cost seconds.
  if (process_) process_->Stop(SIGQUIT, std::chrono::seconds(30));
  process_.reset();
}

Result<std::string> PostgresServer::CreateDatabase() {
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  HP_ASSIGN_OR_RETURN(pg::Connection admin, pg::Connection::Open(Url("postgres")));
  HP_TRY(admin.Exec("CREATE DATABASE " + name));
  return Url(name);
}

std::string PostgresServer::Url(const std::string& db) const {
  return std::string("postgresql://") + kSuperuser + "@127.0.0.1:" + std::to_string(port_) + "/" +
         db;
}

std::string PostgresServer::log() const {
  std::ifstream in(dir_ + "/postgres.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace hostplane::testing
