#include "cmd/up_data_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/crypto.h"

namespace hostplane::cmd {
namespace {

namespace fs = std::filesystem;

std::string Mode(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

// "/root is mode 0700, which the daemons' users cannot traverse"
std::string Why(const Untraversable& u) {
  return fmt::format(
      "{} is mode {}, which the daemons' users (www-data, postfix, mysql, ...) "
      "cannot traverse",
      u.dir, Mode(u.mode));
}

bool IsEmptyDir(const std::string& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) && !ec;
}

Status MakeDir0755(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail(Error::Io("cannot create " + dir + ": " + ec.message()));
  if (::chmod(dir.c_str(), 0755) != 0) return Fail(Error::FromErrno("chmod " + dir, errno));
  return Ok();
}

// A directory that is ours to use, with the mode the daemons need.
Result<UpDataDir> UseInPlace(const std::string& dir) {
  HP_TRY(MakeDir0755(dir));
  return UpDataDir{dir, "", ""};
}

}  // namespace

std::optional<Untraversable> FirstUntraversable(const std::string& dir) {
  std::error_code ec;
  fs::path path = fs::weakly_canonical(dir, ec);
  if (ec) path = fs::path(dir).lexically_normal();
  fs::path at = "/";
  for (const auto& part : path.relative_path()) {
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0) return std::nullopt;  // not there yet: we create it 0755
    if ((st.st_mode & S_IXOTH) == 0) return Untraversable{at.string(), st.st_mode};
    at /= part;
  }
  struct stat st {};
  if (::stat(at.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) {
    return Untraversable{at.string(), st.st_mode};
  }
  return std::nullopt;
}

std::string UpInstanceName(const std::string& absolute_path) {
  fs::path p(absolute_path);
  std::string raw = p.parent_path().filename().string() + "-" + p.filename().string();
  std::string name;
  for (char c : raw) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) {
      name += l;
    } else if (!name.empty() && name.back() != '-') {
      name += '-';
    }
  }
  if (name.size() > 24) name.resize(24);
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty()) name = "data";
  return name + "-" + Blake2bHex(absolute_path).substr(0, 8);
}

Result<UpDataDir> PlaceUpDataDir(const std::string& requested, bool daemons_switch_users,
                                 const std::string& relocation_root) {
  std::error_code ec;
  fs::path abs_path = fs::absolute(requested, ec).lexically_normal();
  if (ec)
    return Fail(Error::Io("cannot use the data directory " + requested + ": " + ec.message()));
  std::string abs = abs_path.string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  abs_path = abs;
  // Not root: every daemon runs as this very user, who reaches the folder it named.
  if (!daemons_switch_users) return UseInPlace(abs);

  const std::string target = relocation_root + "/" + UpInstanceName(abs);
  const std::string parent = abs_path.parent_path().string();
  struct stat st {};
  const bool exists = ::lstat(abs.c_str(), &st) == 0;

  if (exists && S_ISLNK(st.st_mode)) {
    fs::path real = fs::canonical(abs_path, ec);
    if (ec || !fs::is_directory(real)) {
      return Fail(Error::Conflict(fmt::format(
          "the data directory {} is a link to {}, which is not a directory; remove the link for a "
          "fresh start (rm {}), or restore what it pointed to",
          abs, fs::read_symlink(abs_path, ec).string(), abs)));
    }
    if (auto blocked = FirstUntraversable(real.parent_path().string())) {
      return Fail(Error::Conflict(
          fmt::format("the data directory {} links to {}, but {}; move that data where they can "
                      "(for example {}) and link it again",
                      abs, real.string(), Why(*blocked), relocation_root)));
    }
    HP_TRY(MakeDir0755(real.string()));
    return UpDataDir{real.string(), abs, ""};
  }
  if (exists && !S_ISDIR(st.st_mode)) {
    return Fail(Error::Conflict("the data directory " + abs + " exists and is not a directory"));
  }

  auto blocked = FirstUntraversable(parent);
  if (!blocked) return UseInPlace(abs);

  if (exists) {
    if (!IsEmptyDir(abs)) {
      return Fail(Error::Conflict(fmt::format(
          "the data directory {} holds data, but {}. Move it where they can reach it and leave a "
          "link in its place:\n  mkdir -p {} && mv {} {} && ln -s {} {}",
          abs, Why(*blocked), relocation_root, abs, target, target, abs)));
    }
    if (::rmdir(abs.c_str()) != 0) return Fail(Error::FromErrno("rmdir " + abs, errno));
  }
  struct stat target_st {};
  if (::lstat(target.c_str(), &target_st) == 0) {
    return Fail(Error::Conflict(fmt::format(
        "{} holds the data of an earlier `hostplane up` for {}, which no longer links to it. "
        "Link it back to go on with it:\n  ln -s {} {}\nor remove it for a fresh start:\n"
        "  rm -rf {}",
        target, abs, target, abs, target)));
  }
  if (auto root_blocked = FirstUntraversable(relocation_root)) {
    return Fail(Error::Conflict(
        fmt::format("the data directory cannot be placed: {}, and so is {} (for {})", Why(*blocked),
                    root_blocked->dir, relocation_root)));
  }
  HP_TRY(MakeDir0755(relocation_root));
  HP_TRY(MakeDir0755(target));
  fs::create_directories(parent, ec);
  if (ec) return Fail(Error::Io("cannot create " + parent + ": " + ec.message()));
  if (::symlink(target.c_str(), abs.c_str()) != 0) {
    int err = errno;
    ::rmdir(target.c_str());
    return Fail(Error::FromErrno("linking " + abs + " to " + target, err));
  }
  return UpDataDir{target, abs, Why(*blocked)};
}

}  // namespace hostplane::cmd
