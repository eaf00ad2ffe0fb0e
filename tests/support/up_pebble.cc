#include "up_pebble.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace hostplane::testing {
namespace {

std::string MadeDataDir(const UpInstance& up) {
  std::error_code ec;
  std::filesystem::create_directories(up.data_dir(), ec);
  ::chmod(up.data_dir().c_str(), 0755);
  return up.data_dir();
}

agent::PebbleOptions OptionsFor(const UpInstance& up) {
  agent::PebbleOptions o;
  o.http_port = up.http_port();  // pebble validates HTTP-01 on the sites' nginx
  o.resolve_all_to_loopback = true;
  return o;
}

}  // namespace

UpPebble::UpPebble(UpInstance& up)
    : up_(up), files_(MadeDataDir(up)), pebble_(files_, OptionsFor(up)) {}

Status UpPebble::Start() {
  HP_TRY(pebble_.Start());
  up_.AddArgs(
      {"--acme-directory", pebble_.directory_url(), "--acme-ca-file", pebble_.listener_ca()});
  return Ok();
}

Result<std::string> UpPebble::WriteRoot() {
  HP_ASSIGN_OR_RETURN(auto root, pebble_.FetchRoot());
  const std::string path = up_.prefix() + "/pebble-root.pem";
  std::ofstream out(path, std::ios::trunc);
  out << root;
  out.close();
  if (!out) return Fail(Error::Io("cannot write " + path));
  return path;
}

}  // namespace hostplane::testing
