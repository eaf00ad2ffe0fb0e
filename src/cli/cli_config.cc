#include "cli/cli_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hostplane::cli {

using nlohmann::json;

Result<std::string> CliConfigPath() {
  if (const char* explicit_path = std::getenv("HOSTPLANE_CONFIG");
      explicit_path && *explicit_path) {
    return std::string(explicit_path);
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/hostplane/cli.json";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.config/hostplane/cli.json";
  }
  return Fail(Error::Invalid(
      "cannot tell where the CLI's file goes: set HOSTPLANE_CONFIG, XDG_CONFIG_HOME or HOME"));
}

Result<std::optional<CliConfig>> LoadCliConfig(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<CliConfig>();
    return Fail(Error::FromErrno("stat " + path, errno));
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(Error::Forbidden(
        path +
        " can be read by other users; its token is not used (chmod 600 it and log in again)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Io("cannot read " + path));
  std::stringstream buf;
  buf << in.rdbuf();
  json j = json::parse(buf.str(), nullptr, false);
  if (!j.is_object()) return Fail(Error::Invalid(path + " is not a JSON object"));
  CliConfig c;
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.url = text("url");
  c.token = text("token");
  c.login = text("login");
  c.expires_at = text("expires_at");
  return std::optional<CliConfig>(std::move(c));
}

Status SaveCliConfig(const std::string& path, const CliConfig& config) {
  namespace fs = std::filesystem;
  const fs::path file(path);
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Fail(Error::Io("cannot make " + dir.string() + ": " + ec.message()));
    if (::chmod(dir.c_str(), 0700) != 0)
      return Fail(Error::FromErrno("chmod " + dir.string(), errno));
  }
  const std::string body = json{{"url", config.url},
                                {"token", config.token},
                                {"login", config.login},
                                {"expires_at", config.expires_at}}
                               .dump(2) +
                           "\n";
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(Error::FromErrno("open " + tmp, errno));
  // The umask may only take bits away; 0600 exactly whatever it is.
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < body.size()) {
    ssize_t n = ::write(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : err;
    ::unlink(tmp.c_str());
    return Fail(Error::FromErrno("write " + path, e));
  }
  return Ok();
}

}  // namespace hostplane::cli
