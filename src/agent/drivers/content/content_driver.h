#pragma once

// The content driver: the agent's half of copying a tenant's files between servers during a
// drain (protocol/content.h). It writes no configuration; both its kinds are background kinds
// (ServiceDriver::BackgroundKinds): the agent reports them "running" and calls Work on its job
// thread, so a copy of hours holds up none of the node's other tasks:
//
//   content.export  packs <home_root>/<login> or <vmail_root>/<domain> with GNU tar (a
//                   database: mariadb-dump, one consistent snapshot) into
//                   <state_dir>/content/<transfer>.tar (kept until uploaded, so a retry after a
//                   crash resumes with the same archive), uploads it in chunks to the controllers
//                   and seals it with its size and BLAKE2b;
//   content.import  downloads the chunks into <state_dir>/content/<transfer>.in (resuming after
//                   the chunks it has), checks size and digest against the signed task, and
//                   unpacks into the same directory on this node (a database: loads the dump
//                   with the mariadb client into the database the database driver made).
//
// tar runs as the owner of the directory it reads or writes (looked up without following links,
// beneath the root-owned home or mail root), never as root when a tenant owns it: an archive can
// create nothing the tenant could not. Unpacking keeps existing directories' owners and modes
// (--no-overwrite-dir) and never restores the archive's owners (--no-same-owner).
//
// When the agent stops, tar (or mariadb-dump) is killed and the chunk loop ends; the job runs
// again at the next start and resumes (the archive kept, the chunks downloaded).

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/host_layout.h"
#include "common/bus/bus.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "protocol/content.h"

namespace hostplane::agent {

struct ContentDriverOptions {
  std::chrono::milliseconds request_timeout{30'000};  // per chunk
  std::chrono::milliseconds tar_timeout{std::chrono::hours(6)};
};

class ContentDriver final : public ServiceDriver {
 public:
  // node: this server's node name (the requests' subject and body).
  ContentDriver(const HostLayout& layout, Filesystem& fs, CommandRunner& runner, Bus& bus,
                std::string node, ContentDriverOptions options = {});

  std::string Name() const override { return "content"; }
  std::vector<std::string> Kinds() const override;
  // Both: a job starts after the batch that brought it, so an import finds the account's home,
  // the mail domain's directory or the database made by that batch.
  std::vector<std::string> BackgroundKinds() const override { return Kinds(); }
  std::vector<std::string> ManagedDirs() const override;

  // Checks the spec (the agent calls it before it reports a job "running").
  Result<FileSet> Render(const protocol::Task& task) const override;
  Status Prepare(const protocol::Task&) override { return Ok(); }
  Result<Verdict> Validate() override { return Verdict{}; }
  Status Reload() override { return Ok(); }
  Status Finish(const protocol::Task&) override { return Ok(); }
  // Exports or imports. Errors: kUnavailable (the controller, or the agent stopping), kIo
  // (packing, unpacking, a digest that does not match): retried; kInvalid, kForbidden: final.
  Status Work(const protocol::Task& task, const std::atomic<bool>& stopping) override;

 private:
  struct Place {
    std::string base;  // root-relative: home_root or vmail_root ("" for a database)
    std::string name;  // the login or the domain (one path component under base), or database
    bool database = false;
  };
  Result<Place> PlaceOf(const std::string& what, const std::string& object) const;
  std::string Describe(const Place& place) const;
  // The program that writes the archive to its stdout (tar as the directory's owner, or
  // mariadb-dump), and the one that reads it from its stdin (tar, or the mariadb client).
  Result<Command> PackCommand(const Place& place);
  Result<Command> UnpackCommand(const Place& place);
  Status Export(const protocol::ContentExportSpec& spec, const std::atomic<bool>& stopping);
  Status Import(const protocol::ContentImportSpec& spec, const std::atomic<bool>& stopping);
  Status Pack(const Place& place, const std::string& archive, const std::atomic<bool>& stopping);
  Status Unpack(const Place& place, int fd, const std::atomic<bool>& stopping);
  // One request; a refusal is kInvalid (or kUnavailable when the controller may recover),
  // "transfer.closed" is returned as a reply with ok=false for the caller to judge.
  Result<protocol::ContentReply> Ask(const protocol::ContentRequest& request);
  std::string SpoolPath(int64_t transfer, const char* suffix) const;

  HostLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  Bus& bus_;
  const std::string node_;
  ContentDriverOptions options_;
};

}  // namespace hostplane::agent
