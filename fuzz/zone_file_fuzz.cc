// Knot's zone file (agent/drivers/dns/zone_file.h, RenderZoneFile and EncodeTxt) from a zone the
// agent's decoder accepts (ZoneSpecFromJson on the fuzzed JSON). Structural round trip: the
// only directives are the encoder's own $ORIGIN and $TTL; every other line after the SOA is
// "<name> <ttl> IN <type> <rdata>"; every record of the spec is there, a TXT value's quoted
// strings (at most 255 bytes each) read back as the raw value, a CAA value's quoted part as its
// text; and nothing else is there but the name servers' NS and glue. EncodeTxt alone, on any
// bytes, reads back the same way.

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "agent/drivers/dns/zone_file.h"
#include "fuzz_check.h"
#include "protocol/zone_spec.h"

using namespace hostplane;

namespace {

// The test oracle for EncodeTxt: RFC 1035 <character-string>s separated by one space, each in
// double quotes with \" \\ and \DDD escapes; nullopt when the text is not exactly that or a
// string holds more than 255 bytes.
std::optional<std::string> ReadCharacterStrings(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (true) {
    if (i >= text.size() || text[i] != '"') return std::nullopt;
    ++i;
    size_t bytes = 0;
    while (true) {
      if (i >= text.size()) return std::nullopt;
      char c = text[i];
      if (c == '"') break;
      if (c == '\\') {
        if (i + 1 >= text.size()) return std::nullopt;
        char n = text[i + 1];
        if (n == '"' || n == '\\') {
          out += n;
          i += 2;
        } else if (i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(n))) {
          int v = std::stoi(text.substr(i + 1, 3));
          if (v > 255) return std::nullopt;
          out += static_cast<char>(v);
          i += 4;
        } else {
          return std::nullopt;
        }
      } else {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) return std::nullopt;  // raw bytes outside printable ASCII
        out += c;
        ++i;
      }
      ++bytes;
    }
    if (bytes > 255) return std::nullopt;
    ++i;  // the closing quote
    if (i == text.size()) return out;
    if (text[i] != ' ') return std::nullopt;
    ++i;
  }
}

using Line = std::tuple<std::string, int64_t, std::string, std::string>;  // name ttl type rdata

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(fuzz::Bytes(data, size));
  auto txt = ReadCharacterStrings(agent::EncodeTxt(bytes));
  FUZZ_CHECK(txt.has_value() && *txt == bytes, "EncodeTxt does not read back");

  auto json = nlohmann::json::parse(bytes, nullptr, false);
  if (json.is_discarded()) return 0;
  auto zone = protocol::ZoneSpecFromJson(json);
  if (!zone) return 0;
  std::string file = agent::RenderZoneFile(*zone);
  FUZZ_CHECK(!file.empty() && file.back() == '\n', "no final newline");

  std::vector<std::string> lines;
  for (size_t start = 0; start < file.size();) {
    size_t nl = file.find('\n', start);
    lines.push_back(file.substr(start, nl - start));
    start = nl + 1;
  }
  FUZZ_CHECK(lines.size() >= 4, "no header");
  FUZZ_CHECK(lines[0].starts_with("; "), "comment");
  FUZZ_CHECK(lines[1] == "$ORIGIN " + zone->zone + ".", "$ORIGIN");
  FUZZ_CHECK(lines[2] == "$TTL " + std::to_string(zone->default_ttl), "$TTL");
  FUZZ_CHECK(lines[3].starts_with("@ ") && lines[3].find(" IN SOA ") != std::string::npos, "SOA");

  std::multimap<std::tuple<std::string, int64_t, std::string>, std::string> found;
  for (size_t i = 4; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    FUZZ_CHECK(!l.empty() && l[0] != '$' && l[0] != ';' && l[0] != ' ', "a directive or blank");
    size_t a = l.find(' ');
    size_t b = l.find(' ', a + 1);
    size_t c = l.find(' ', b + 1);
    size_t d = l.find(' ', c + 1);
    FUZZ_CHECK(d != std::string::npos, "a record line with fewer than five fields");
    FUZZ_CHECK(l.substr(b + 1, c - b - 1) == "IN", "class not IN");
    std::string name = l.substr(0, a);
    int64_t ttl = std::stoll(l.substr(a + 1, b - a - 1));
    found.emplace(std::make_tuple(name, ttl, l.substr(c + 1, d - c - 1)), l.substr(d + 1));
  }
  size_t extra = 1;  // the apex NS naming soa.mname when nothing else is one
  for (const auto& ns : zone->servers.name_servers) extra += 1 + ns.addresses.size();
  FUZZ_CHECK(found.size() <= zone->records.size() + extra, "lines the spec does not explain");

  for (const auto& r : zone->records) {
    auto [lo, hi] = found.equal_range(std::make_tuple(r.name, r.ttl, r.type));
    bool seen = false;
    for (auto it = lo; it != hi && !seen; ++it) {
      const std::string& rdata = it->second;
      if (r.type == "TXT") {
        auto back = ReadCharacterStrings(rdata);
        seen = back && *back == r.value;
      } else if (r.type == "CAA") {
        size_t second = r.value.find(' ', r.value.find(' ') + 1);
        std::string head = r.value.substr(0, second + 1);
        auto back = rdata.starts_with(head) ? ReadCharacterStrings(rdata.substr(head.size()))
                                            : std::nullopt;
        seen = back && *back == r.value.substr(second + 1);
      } else {
        seen = rdata == r.value;
      }
    }
    FUZZ_CHECK(seen, "a record of the spec is missing or reads back differently");
  }
  return 0;
}
