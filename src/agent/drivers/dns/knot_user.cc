#include "agent/drivers/dns/knot_user.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/fs/fd.h"

namespace hostplane::agent {
namespace {

// Our own directory (not a tenant's): changed through an O_NOFOLLOW descriptor.
Status Own(const std::string& path, uid_t uid, gid_t gid, mode_t mode) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Fail(Error::FromErrno("opening " + path, errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Fail(Error::FromErrno("stat " + path, errno));
  if (st.st_uid != uid || st.st_gid != gid) {
    if (::fchown(fd.get(), uid, gid) != 0) return Fail(Error::FromErrno("chown " + path, errno));
  }
  // After the chown, which clears the setgid bit.
  if ((st.st_mode & 07777) != mode || st.st_uid != uid || st.st_gid != gid) {
    if (::fchmod(fd.get(), mode) != 0) return Fail(Error::FromErrno("chmod " + path, errno));
  }
  return Ok();
}

Status MakeParents(Filesystem& fs, const std::string& rel) {
  auto slash = rel.rfind('/');
  if (slash == std::string::npos || slash == 0) return Ok();
  return fs.MakeDirs(rel.substr(0, slash), 0755);
}

}  // namespace

Result<std::optional<FileOwner>> KnotDaemonUser(const DnsLayout& layout) {
  if (::geteuid() != 0 || layout.os_user.empty()) return std::optional<FileOwner>();
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(layout.os_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
      found == nullptr) {
    return Fail(Error::Invalid("knotd's user " + layout.os_user +
                               " does not exist (Debian's knot package creates it)"));
  }
  return std::optional<FileOwner>(FileOwner{pw.pw_uid, pw.pw_gid});
}

Status MakeSecretDir(Filesystem& fs, const std::string& rel,
                     const std::optional<FileOwner>& daemon) {
  HP_TRY(MakeParents(fs, rel));
  HP_TRY(fs.MakeDirs(rel, 0700));
  if (!daemon) return Own(fs.HostPath(rel), ::geteuid(), ::getegid(), 0700);
  return Own(fs.HostPath(rel), ::geteuid(), daemon->gid, 02750);
}

mode_t SecretFileMode(const std::optional<FileOwner>& daemon) { return daemon ? 0640 : 0600; }

Status MakeDaemonDir(Filesystem& fs, const std::string& rel, mode_t mode,
                     const std::optional<FileOwner>& daemon) {
  HP_TRY(MakeParents(fs, rel));
  HP_TRY(fs.MakeDirs(rel, mode));
  if (!daemon) return Ok();
  return Own(fs.HostPath(rel), daemon->uid, daemon->gid, mode);
}

void RunAsDaemon(Command& cmd, const std::optional<FileOwner>& daemon) {
  if (daemon) cmd.run_as = Command::Identity{daemon->uid, daemon->gid};
}

}  // namespace hostplane::agent
