// pure-ftpd's passwd line (agent/drivers/ftp, RenderPasswdLine): a spec the agent's decoder
// accepts (FtpUserSpecFromJson on the fuzzed JSON), turned into a line as FtpDriver does (home
// under an absolute home root), is one line of exactly 18 ':'-separated fields, and
// ParsePasswdLine reads back exactly what was rendered: no value adds a field or a line.

#include <cstdint>
#include <string>

#include "agent/drivers/ftp/ftp_passwd_line.h"
#include "fuzz_check.h"
#include "protocol/ftp_spec.h"

using namespace hostplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(fuzz::Bytes(data, size), nullptr, false);
  if (json.is_discarded()) return 0;
  auto spec = protocol::FtpUserSpecFromJson(json);
  if (!spec) return 0;
  agent::FtpPasswdLine line;
  line.user = spec->user;
  line.password_hash = spec->password_hash;
  line.uid = spec->uid;
  line.gid = spec->gid;
  line.suspended = spec->status == "suspended";
  line.home = "/srv/hostplane/home/" + spec->account;
  if (!spec->home.empty()) line.home += "/" + spec->home;
  if (line.suspended) line.password_hash.clear();

  std::string text = agent::RenderPasswdLine(line);
  FUZZ_CHECK(text.find('\n') == text.size() - 1, "not exactly one line");
  size_t colons = 0;
  for (char c : text) colons += c == ':';
  FUZZ_CHECK(colons == 17, "not 18 fields");
  auto back = agent::ParsePasswdLine(text);
  FUZZ_CHECK(back.has_value(), "the rendered line does not parse");
  FUZZ_CHECK(*back == line, "the rendered line reads back differently");
  return 0;
}
