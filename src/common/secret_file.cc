#include "common/secret_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/crypto.h"
#include "common/fs/fd.h"

namespace hostplane {
namespace {

constexpr size_t kMaxPrivateFile = 4096;

std::pair<std::string, std::string> SplitParent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Result<std::string> ReadPrivateFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return Fail(Error::NotFound(path + " does not exist"));
    return Fail(Error::FromErrno("opening " + path, errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Fail(Error::FromErrno("stat " + path, errno));
  if (!S_ISREG(st.st_mode)) return Fail(Error::Invalid(path + " is not a regular file"));
  if ((st.st_mode & 077) != 0) {
    return Fail(Error::Invalid(
        fmt::format("{} is accessible by group or others (mode {:03o}); it holds a secret key: "
                    "chmod 600 it",
                    path, st.st_mode & 0777)));
  }
  std::string content;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sodium_memzero(content.data(), content.size());
      return Fail(Error::FromErrno("reading " + path, errno));
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > kMaxPrivateFile) break;
  }
  sodium_memzero(buf, sizeof buf);
  return content;
}

Result<bool> CreatePrivateFileOnce(const std::string& path, const std::string& content) {
  auto [dir, name] = SplitParent(path);
  std::string tmp = dir + "/." + name + "." + RandomHex(8) + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Fail(Error::FromErrno("creating " + tmp, errno));
  auto fail = [&](Error e) {
    fd.Close();
    ::unlink(tmp.c_str());
    return Fail(std::move(e));
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail(Error::FromErrno("chmod " + tmp, errno));
  if (auto written = WriteAll(fd.get(), content, tmp); !written) return fail(written.error());
  if (::fsync(fd.get()) != 0) return fail(Error::FromErrno("fsync " + tmp, errno));
  if (fd.Close() != 0) return fail(Error::FromErrno("closing " + tmp, errno));
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return false;
    return Fail(Error::FromErrno("creating " + path, err));
  }
  ::unlink(tmp.c_str());
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid() || ::fsync(dir_fd.get()) != 0) {
    return Fail(Error::FromErrno("fsync " + dir, errno));
  }
  return true;
}

Result<std::string> LoadOrCreatePrivateFile(const std::string& path,
                                            const std::function<std::string()>& generate) {
  // Two rounds at most: a start that loses the race to create the file reads the winner's.
  for (int round = 0; round < 2; ++round) {
    auto content = ReadPrivateFile(path);
    if (content || content.error().code != ErrorCode::kNotFound) return content;
    std::string fresh = generate();
    auto created = CreatePrivateFileOnce(path, fresh);
    if (!created || !*created) sodium_memzero(fresh.data(), fresh.size());
    if (!created) return Fail(created.error());
    if (*created) return fresh;
  }
  return Fail(Error::Io(path + " appeared and vanished while it was being created"));
}

}  // namespace hostplane
