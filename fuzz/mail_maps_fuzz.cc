// A mail domain's lines in Postfix's lookup tables and Dovecot's passwd-file
// (agent/drivers/mail/mail_maps.h) from a spec the agent's decoder accepts
// (MailDomainSpecFromJson on the fuzzed JSON). Structural round trip: every map line is
// "<key> <value>" split at its first space, one line per mailbox (key "local@domain", value
// "domain/local/Maildir/"), one per forwarder (its targets joined by ", " give back the list)
// plus the catch-all's lines, at most one line in the access map; the passwd-file has a comment
// and one line per mailbox of exactly 9 ':'-separated fields whose user, hash, uid, gid and home
// read back. No value adds a line, a field or a key of another domain.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/drivers/mail/mail_maps.h"
#include "fuzz_check.h"
#include "protocol/mail_spec.h"

using namespace hostplane;

namespace {

struct Entry {
  std::string key;
  std::string value;
};

// The map's lines, each split at its first space; FUZZ_CHECK fails on a line without one.
std::vector<Entry> Entries(const std::string& map) {
  std::vector<Entry> out;
  FUZZ_CHECK(map.empty() || map.back() == '\n', "the map does not end with a newline");
  size_t start = 0;
  while (start < map.size()) {
    size_t nl = map.find('\n', start);
    std::string line = map.substr(start, nl - start);
    start = nl + 1;
    size_t sp = line.find(' ');
    FUZZ_CHECK(sp != std::string::npos && sp > 0, "a line without a key");
    FUZZ_CHECK(line.find_first_of("\r\t") == std::string::npos, "a raw CR or tab");
    out.push_back({line.substr(0, sp), line.substr(sp + 1)});
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(fuzz::Bytes(data, size), nullptr, false);
  if (json.is_discarded()) return 0;
  auto spec = protocol::MailDomainSpecFromJson(json);
  if (!spec) return 0;
  const std::string& domain = spec->domain;

  auto mailboxes = Entries(agent::RenderMailboxMap(*spec));
  FUZZ_CHECK(mailboxes.size() == spec->mailboxes.size(), "mailbox map: wrong number of lines");
  for (size_t i = 0; i < mailboxes.size(); ++i) {
    const auto& m = spec->mailboxes[i];
    FUZZ_CHECK(mailboxes[i].key == m.local + "@" + domain, "mailbox map: key");
    FUZZ_CHECK(mailboxes[i].value == domain + "/" + m.local + "/Maildir/", "mailbox map: value");
  }

  auto aliases = Entries(agent::RenderAliasMap(*spec));
  size_t expected = spec->forwarders.size();
  if (!spec->catch_all.empty()) expected += spec->mailboxes.size() + 1;
  FUZZ_CHECK(aliases.size() == expected, "alias map: wrong number of lines");
  for (size_t i = 0; i < spec->forwarders.size(); ++i) {
    const auto& f = spec->forwarders[i];
    FUZZ_CHECK(aliases[i].key == f.local + "@" + domain, "alias map: key");
    std::vector<std::string> targets;
    size_t start = 0;
    while (true) {
      size_t sep = aliases[i].value.find(", ", start);
      targets.push_back(aliases[i].value.substr(start, sep - start));
      if (sep == std::string::npos) break;
      start = sep + 2;
    }
    FUZZ_CHECK(targets == f.targets, "alias map: targets do not read back");
  }
  if (!spec->catch_all.empty()) {
    FUZZ_CHECK(aliases.back().key == "@" + domain, "alias map: catch-all key");
    FUZZ_CHECK(aliases.back().value == spec->catch_all, "alias map: catch-all value");
  }

  auto access = Entries(agent::RenderAccessMap(*spec));
  FUZZ_CHECK(access.size() <= 1, "access map: more than one line");
  for (const auto& e : access) FUZZ_CHECK(e.key == domain, "access map: key of another domain");

  agent::PasswdParams params{5000, 5000, "/var/vmail"};
  auto passwd = agent::RenderPasswdFile(*spec, params);
  if (!passwd) return 0;  // a hash IsServicePasswordHash refuses: refused, nothing written
  std::vector<std::string> lines;
  for (size_t start = 0; start < passwd->size();) {
    size_t nl = passwd->find('\n', start);
    FUZZ_CHECK(nl != std::string::npos, "passwd-file: no final newline");
    lines.push_back(passwd->substr(start, nl - start));
    start = nl + 1;
  }
  FUZZ_CHECK(lines.size() == spec->mailboxes.size() + 1, "passwd-file: wrong number of lines");
  FUZZ_CHECK(lines[0].starts_with("# "), "passwd-file: no comment first");
  for (size_t i = 0; i < spec->mailboxes.size(); ++i) {
    const auto& m = spec->mailboxes[i];
    std::vector<std::string> f;
    for (size_t start = 0;;) {
      size_t colon = lines[i + 1].find(':', start);
      f.push_back(lines[i + 1].substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    // The extra userdb field "userdb_quota_rule=*:storage=<N>M" holds a ":" of its own.
    FUZZ_CHECK(f.size() == 9, "passwd-file: not 9 fields");
    FUZZ_CHECK(f[0] == m.local + "@" + domain, "passwd-file: user");
    FUZZ_CHECK(f[1] == "{CRYPT}" + m.password_hash, "passwd-file: hash");
    FUZZ_CHECK(f[2] == "5000" && f[3] == "5000", "passwd-file: uid or gid");
    FUZZ_CHECK(f[5] == "/var/vmail/" + domain + "/" + m.local, "passwd-file: home");
  }
  return 0;
}
