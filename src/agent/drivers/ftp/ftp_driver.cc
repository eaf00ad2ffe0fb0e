#include "agent/drivers/ftp/ftp_driver.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/passwd/service_password.h"
#include "common/text/text.h"

namespace hostplane::agent {
namespace {

constexpr const char* kFragmentSuffix = ".line";

// The home is written into a ':'-separated line: host paths come from the operator's layout, not
// from tenants, but anything that could end a field or a line is refused all the same.
Status CheckHostPath(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Fail(Error::Invalid("FTP home " + path + " is not an absolute host path"));
  }
  for (unsigned char c : path) {
    if (c <= 0x20 || c >= 0x7f || c == ':' || c == '\\') {
      return Fail(Error::Invalid("FTP home " + protocol::QuoteForMessage(path) +
                                 " contains a character a puredb line cannot hold"));
    }
  }
  return Ok();
}

// A fd of dir `sub` beneath the directory `base_fd`, resolved without following any link.
int OpenDirBeneath(int base_fd, const std::string& sub) {
  struct open_how how {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(
      ::syscall(SYS_openat2, base_fd, sub.empty() ? "." : sub.c_str(), &how, sizeof how));
}

// Why the home of `line` cannot serve a login, or nullopt when it can. home_root is the absolute
// host path of the account homes; the home must lie beneath it.
Result<std::optional<std::string>> HomeProblem(const std::string& home_root,
                                               const FtpPasswdLine& line) {
  const std::string prefix = home_root + "/";
  if (!line.home.starts_with(prefix)) {
    return std::optional<std::string>(
        fmt::format("FTP user {}: home {} is not beneath {}", line.user, line.home, home_root));
  }
  int base = ::open(home_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (base < 0) return Fail(Error::FromErrno("opening " + home_root, errno));
  int fd = OpenDirBeneath(base, line.home.substr(prefix.size()));
  int err = errno;
  ::close(base);
  if (fd < 0) {
    const char* why = err == ENOENT    ? "does not exist"
                      : err == ENOTDIR ? "is not a directory"
                      : err == ELOOP   ? "has a symbolic link in its path (refused)"
                      : err == EXDEV   ? "escapes the home root (refused)"
                                       : std::strerror(err);
    return std::optional<std::string>(
        fmt::format("FTP user {}: home {} {}", line.user, line.home, why));
  }
  struct stat st {};
  int rc = ::fstat(fd, &st);
  err = errno;
  ::close(fd);
  if (rc != 0) return Fail(Error::FromErrno("stat " + line.home, err));
  if (static_cast<int64_t>(st.st_uid) != line.uid) {
    return std::optional<std::string>(fmt::format("FTP user {}: home {} belongs to uid {}, not {}",
                                                  line.user, line.home, st.st_uid, line.uid));
  }
  return std::optional<std::string>();
}

}  // namespace

FtpDriver::FtpDriver(FtpLayout layout, Filesystem& fs, CommandRunner& runner)
    : layout_(std::move(layout)), fs_(fs), runner_(runner) {}

std::vector<std::string> FtpDriver::Kinds() const {
  return {protocol::kFtpUserEnsure, protocol::kFtpUserRemove};
}

std::vector<std::string> FtpDriver::ManagedDirs() const {
  std::string passwd_dir = layout_.passwd_file.substr(0, layout_.passwd_file.rfind('/') + 1);
  if (!passwd_dir.empty()) passwd_dir.pop_back();
  std::vector<std::string> dirs = {layout_.users_dir};
  if (!passwd_dir.empty() && passwd_dir != layout_.users_dir) dirs.push_back(passwd_dir);
  return dirs;
}

std::string FtpDriver::FragmentPath(const std::string& user) const {
  return layout_.users_dir + "/" + user + kFragmentSuffix;
}

Result<FtpPasswdLine> FtpDriver::Line(const protocol::FtpUserSpec& spec) const {
  FtpPasswdLine line;
  line.user = spec.user;
  line.password_hash = spec.password_hash;
  line.uid = spec.uid;
  line.gid = spec.gid;
  line.suspended = spec.status == "suspended";
  std::string rel = layout_.home_root + "/" + spec.account;
  if (!spec.home.empty()) rel += "/" + spec.home;
  line.home = fs_.HostPath(rel);
  while (line.home.size() > 1 && line.home.back() == '/') line.home.pop_back();
  HP_TRY(CheckHostPath(line.home));
  return line;
}

Result<FileSet> FtpDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kFtpUserEnsure) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::FtpUserSpecFromJson(task.spec));
    HP_ASSIGN_OR_RETURN(auto line, Line(spec));
    return FileSet{{FragmentPath(spec.user), RenderPasswdLine(line), 0600}};
  }
  if (task.kind == protocol::kFtpUserRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::FtpUserRemovalFromJson(task.spec));
    return FileSet{{FragmentPath(removal.user), std::nullopt, 0600}};
  }
  return Fail(Error::Invalid("the ftp driver does not handle task kind " + task.kind));
}

Status FtpDriver::Prepare(const protocol::Task& task) {
  if (task.kind != protocol::kFtpUserEnsure) return Ok();
  HP_ASSIGN_OR_RETURN(auto spec, protocol::FtpUserSpecFromJson(task.spec));
  HP_TRY(fs_.MakeDirs(layout_.home_root, 0755));
  std::string sub = spec.account;
  if (!spec.home.empty()) sub += "/" + spec.home;
  FileOwner owner{static_cast<uid_t>(spec.uid), static_cast<gid_t>(spec.gid)};
  return fs_.MakeDirsBeneath(layout_.home_root, sub, 0755, owner);
}

Status FtpDriver::Finish(const protocol::Task&) { return Ok(); }

Status FtpDriver::Assemble() {
  HP_TRY(fs_.MakeDirs(layout_.users_dir, 0700));
  HP_ASSIGN_OR_RETURN(auto names, fs_.ListDir(layout_.users_dir));
  std::sort(names.begin(), names.end());
  std::string passwd;
  for (const auto& name : names) {
    if (name.starts_with(".") || !name.ends_with(kFragmentSuffix)) continue;
    HP_ASSIGN_OR_RETURN(auto content, fs_.ReadFile(layout_.users_dir + "/" + name));
    if (!content.has_value()) continue;  // removed meanwhile
    passwd += *content;
    if (!passwd.empty() && passwd.back() != '\n') passwd += '\n';
  }
  HP_ASSIGN_OR_RETURN(auto live, fs_.ReadFile(layout_.passwd_file));
  if (!live.has_value() || *live != passwd) {
    HP_TRY(fs_.WriteFileAtomic(layout_.passwd_file, passwd, 0600));
  }
  // Always rebuilt (about 3 ms): the pdb may lag an unchanged passwd file after a crash between
  // the two writes. Assemble only runs when a batch changed files, or at start-up.
  const std::string pdb_dir = layout_.pdb_file.substr(0, layout_.pdb_file.rfind('/') + 1);
  if (!pdb_dir.empty()) HP_TRY(fs_.MakeDirs(pdb_dir, 0755));
  Command cmd;
  cmd.argv = {layout_.pure_pw, "mkdb", fs_.HostPath(layout_.pdb_file), "-f",
              fs_.HostPath(layout_.passwd_file)};
  cmd.timeout = std::chrono::milliseconds(60'000);
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error());
  if (out->ok()) {
    mkdb_failure_.reset();
  } else {
    // pure-pw leaves its half-written <pdb>.index (and .data) behind; the pdb itself is untouched.
    for (const char* debris : {".index", ".data"})
      HP_TRY(fs_.RemoveFile(layout_.pdb_file + debris));
    std::string words = Trim(out->err + out->out);
    mkdb_failure_ = fmt::format("pure-pw mkdb exited with status {}{}{}", out->exit_code,
                                words.empty() ? "" : ": ", words);
  }
  return Ok();
}

Result<Verdict> FtpDriver::Validate() {
  if (mkdb_failure_) return Verdict{false, *mkdb_failure_, std::nullopt};
  if (!fs_.Exists(layout_.pdb_file)) {
    return Verdict{false, "the puredb " + fs_.HostPath(layout_.pdb_file) + " was not built",
                   std::nullopt};
  }
  HP_ASSIGN_OR_RETURN(auto names, fs_.ListDir(layout_.users_dir));
  std::sort(names.begin(), names.end());
  const std::string home_root = fs_.HostPath(layout_.home_root);
  for (const auto& name : names) {
    if (name.starts_with(".") || !name.ends_with(kFragmentSuffix)) continue;
    const std::string rel = layout_.users_dir + "/" + name;
    HP_ASSIGN_OR_RETURN(auto content, fs_.ReadFile(rel));
    if (!content.has_value()) continue;
    auto line = ParsePasswdLine(*content);
    if (!line) return Verdict{false, "FTP user file " + rel + " is not a puredb line", rel};
    HP_ASSIGN_OR_RETURN(auto problem, HomeProblem(home_root, *line));
    if (problem) return Verdict{false, *problem, rel};
  }
  return Verdict{};
}

}  // namespace hostplane::agent
