#pragma once

// The account driver: one Unix user and group per hosting account, its home
// <home_root>/<login>, and one PHP-FPM pool per PHP version the account uses
// (<pool_dir of V>/<login>.conf, socket <php_socket_dir>/<login>-<V>.sock). Task kinds
// account.ensure and account.remove (protocol/account_spec.h).
//
// Lifecycle (agent/driver.h):
//  - Render: the pool file of every installed version: present for the versions in the spec's
//    "php" when the status is active, absent otherwise (suspended: PHP does not run; nginx
//    answers 503 for the account's sites). The one encoder of the pool format is RenderPool.
//  - Prepare (ensure): groupadd/useradd with the controller's gid/uid and the comment
//    protocol::kAccountUserComment, which marks the user as one hostplane made; idempotent: an
//    existing user is taken over only when it carries that comment and the same ids (kConflict
//    when the name belongs to a user hostplane did not make, exists with another id, or the id
//    has another name), no login shell, no home created by useradd. The home is created and owned
//    through descriptors (openat2 beneath home_root, fchown/fchmod; SECURITY rule 4):
//      <home>       0750 <user>:<nginx group>  nginx's workers traverse it and read docroots;
//                                               other accounts (neither owner nor in that group)
//                                               cannot enter it. Their PHP runs as their own
//                                               user, so it cannot read this account's files.
//      <home>/tmp   0700 <user>:<group>        PHP's temp, upload and session directory
//      <home>/logs  0750 <user>:<group>        PHP error logs (php<V>.error.log)
//  - Validate: `php-fpm<V> -t -y <master conf>` for every installed version.
//  - Reload: SIGUSR2 to the master of every version whose pool directory changed since the last
//    reload (pid file; kUnavailable when it is not running), then waits until the socket of
//    every live pool accepts connections and the socket of every removed pool is gone
//    (kTimeout otherwise).
//  - Finish (remove): userdel and groupdel (never -r: the home is ours to remove, without
//    following links; never a user without hostplane's comment: kConflict), and with remove_home
//    the home tree through openat/unlinkat (Filesystem::RemoveTreeBeneath).
//
// Called by the agent's reconcile thread only.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/account/account_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/sealed_box.h"
#include "protocol/account_spec.h"

namespace hostplane::agent {

// The validated values of one pool: absolute host paths and checked names only.
struct PoolParams {
  std::string login;      // the pool's name
  std::string version;    // "8.2"
  std::string unix_user;  // user and group the workers run as
  std::string unix_group;
  std::string socket;        // absolute host path
  std::string socket_owner;  // nginx's user and group; "" = php-fpm's default (the pool user)
  std::string socket_group;
  std::string home;           // absolute host path, no trailing '/'
  std::string sendmail_path;  // PHP's mail(): msmtp (msmtp_config.h); "" = PHP's default
};

// The encoder of a PHP-FPM pool file.
std::string RenderPool(const PoolParams& p);

// Unix socket paths longer than this are silently truncated by php-fpm (sun_path is 108 bytes).
inline constexpr size_t kMaxSocketPath = 107;

class AccountDriver final : public ServiceDriver {
 public:
  // fs: the agent's root; runner must allow layout's useradd/groupadd/userdel/groupdel and every
  // php-fpm binary of layout.php.
  // box_key opens the sealed submission password of mail_submission (null: such a spec fails).
  AccountDriver(AccountLayout layout, Filesystem& fs, CommandRunner& runner,
                std::shared_ptr<const BoxKey> box_key = nullptr);

  std::string Name() const override { return "account"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> LateKinds() const override { return {protocol::kAccountRemove}; }
  std::vector<std::string> ManagedDirs() const override;
  Result<FileSet> Render(const protocol::Task& task) const override;
  Status Prepare(const protocol::Task& task) override;
  Result<Verdict> Validate() override;
  Status Reload() override;
  Status Finish(const protocol::Task& task) override;

  // The Unix user (and group) name of a login: user_prefix + login.
  std::string UnixName(const std::string& login) const;
  // Root-relative paths of an account's pool file and socket for version v.
  std::string PoolPath(const std::string& login, const std::string& v) const;
  std::string SocketPath(const std::string& login, const std::string& v) const;

 private:
  Result<PoolParams> Params(const std::string& login, const std::string& v) const;
  Status EnsureGroup(const std::string& name, gid_t gid);
  Status EnsureUser(const std::string& name, uid_t uid, gid_t gid);
  Status EnsureHome(const std::string& login, uid_t uid, gid_t gid);
  Status RunTool(std::vector<std::string> argv);
  Result<std::string> PoolDirState(const PhpVersionLayout& v);
  Status WaitForSockets(const std::string& version);
  Status WaitForNoProcesses(uid_t uid, const std::string& name);

  Result<FileChange> RenderMsmtp(const protocol::AccountSpec& spec) const;
  // The sendmail_path of an account without mail_submission (account_layout.h).
  Result<std::string> RefusedSendmailPath(const std::string& login) const;
  std::string MsmtpPath(const std::string& login) const;

  AccountLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  std::shared_ptr<const BoxKey> box_key_;
  // Per version: the pool directory (names and contents) the master loaded at the last reload.
  std::map<std::string, std::string> loaded_;
};

}  // namespace hostplane::agent
