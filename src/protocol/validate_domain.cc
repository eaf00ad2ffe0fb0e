#include <arpa/inet.h>
#include <idn2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <set>

#include "protocol/validate.h"
#include "protocol/validate_detail.h"

// The grammars of names: domains (IDNA, scripts, invisible code points), the reserved names, and
// the owner names of DNS records. The rest of validate.h is in validate.cc.

namespace hostplane::protocol {
namespace {

using detail::AsciiLower;
using detail::CodePoints;
using detail::DescribeByte;
using detail::IsAsciiAlnum;
using detail::IsAsciiDigit;
using detail::IsAsciiLower;
using detail::Refuse;

constexpr size_t kMaxDomainInput = 1024;  // far above any valid name; bounds the IDNA work
constexpr size_t kMaxDomain = 253;
constexpr size_t kMaxLabel = 63;

// Dotted quads and everything else inet_pton accepts, bare or in brackets, with or without
// one trailing dot.
bool IsIpLiteral(std::string_view input) {
  std::string s(input);
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Checked<std::string> IdnaError(int rc, std::string_view input) {
  std::string quoted = QuoteForMessage(input);
  switch (rc) {
    case IDN2_TOO_BIG_DOMAIN:
      return Refuse("domain.too_long", "The domain name " + quoted + " is longer than " +
                                           std::to_string(kMaxDomain) + " characters.");
    case IDN2_TOO_BIG_LABEL:
      return Refuse("domain.label_too_long", "A label of the domain name " + quoted +
                                                 " is longer than " + std::to_string(kMaxLabel) +
                                                 " characters.");
    case IDN2_HYPHEN_STARTEND:
    case IDN2_2HYPHEN:
      return Refuse("domain.hyphen", "A label of the domain name " + quoted +
                                         " starts or ends with '-', or has \"--\" in the third "
                                         "and fourth positions.");
    default:
      // idn2_strerror returns static English text, never the input.
      return Refuse("domain.idna", "The domain name " + quoted +
                                       " is not a valid internationalized domain name (" +
                                       idn2_strerror(rc) + ").");
  }
}

// UTS #46 non-transitional processing to A-labels, as resolvers do it.
Checked<std::string> ToALabels(std::string_view input) {
  std::string in(input);  // NUL-terminated; NUL itself was refused before
  uint8_t* out = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(in.c_str()), &out,
                          IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<uint8_t, decltype(&idn2_free)> owned(out, &idn2_free);
  if (rc != IDN2_OK) return IdnaError(rc, input);
  return AsciiLower(reinterpret_cast<const char*>(owned.get()));
}

std::optional<std::string> ToUnicode(const std::string& alabel) {
  char* out = nullptr;
  int rc = idn2_to_unicode_8z8z(alabel.c_str(), &out, 0);
  std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
  if (rc != IDN2_OK || owned == nullptr) return std::nullopt;
  return std::string(owned.get());
}

std::vector<std::string> SplitLabels(const std::string& name) {
  std::vector<std::string> labels;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    labels.push_back(
        name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels;
}

// The script combinations Unicode's "highly restrictive" level (UTS #39 5.2) allows in one
// label besides a single script.
bool IsAllowedScriptMix(const std::set<UScriptCode>& scripts) {
  static const std::array<std::set<UScriptCode>, 3> kAllowed = {{
      {USCRIPT_LATIN, USCRIPT_HAN, USCRIPT_HIRAGANA, USCRIPT_KATAKANA},
      {USCRIPT_LATIN, USCRIPT_HAN, USCRIPT_BOPOMOFO},
      {USCRIPT_LATIN, USCRIPT_HAN, USCRIPT_HANGUL},
  }};
  for (const auto& allowed : kAllowed) {
    if (std::includes(allowed.begin(), allowed.end(), scripts.begin(), scripts.end())) {
      return true;
    }
  }
  return false;
}

// The scripts of a U-label other than Common and Inherited (digits, '-', combining marks).
std::set<UScriptCode> ScriptsOf(const std::string& ulabel) {
  std::set<UScriptCode> scripts;
  auto cps = CodePoints(ulabel);
  if (!cps) return scripts;
  for (UChar32 c : *cps) {
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &err);
    if (U_FAILURE(err)) script = USCRIPT_UNKNOWN;
    if (script == USCRIPT_COMMON || script == USCRIPT_INHERITED) continue;
    scripts.insert(script);
  }
  return scripts;
}

std::string ScriptNames(const std::set<UScriptCode>& scripts) {
  std::string out;
  size_t i = 0;
  for (UScriptCode s : scripts) {
    if (i > 0) out += (i + 1 == scripts.size()) ? " and " : ", ";
    out += uscript_getName(s);
    ++i;
  }
  return out;
}

// Code points a reader does not see, which UTS #46 maps to nothing (U+200B ZERO WIDTH SPACE,
// U+00AD SOFT HYPHEN, U+FEFF, U+2060 WORD JOINER, variation selectors) or which render as
// nothing or as blank (Hangul fillers, format and bidi controls, spaces other than ASCII's). IDNA
// would drop or refuse some of them after mapping; refused before it, the customer learns which
// character was in the name instead of getting a different name than the one typed. ZWNJ and ZWJ
// are not here: non-transitional IDNA keeps them where its CONTEXTJ rules allow (Persian, Indic
// scripts) and refuses them elsewhere.
bool IsInvisible(UChar32 c) {
  if (c < 0x80 || c == 0x200C || c == 0x200D) return false;
  return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
         u_charType(c) == U_FORMAT_CHAR || u_charType(c) == U_CONTROL_CHAR || u_isUWhiteSpace(c);
}

// The built-in reserved names (validate.h, CheckReservedName). "arpa" has exceptions: the reverse
// zones below in-addr.arpa and ip6.arpa.
constexpr std::array<std::string_view, 6> kBuiltinReserved = {
    "localhost", "localhost.localdomain", "local", "invalid", "arpa", "hostplane.internal"};
constexpr std::array<std::string_view, 2> kReverseTrees = {"in-addr.arpa", "ip6.arpa"};

bool IsAtOrBelow(std::string_view name, std::string_view base) {
  return name == base || (name.size() > base.size() && name.ends_with(base) &&
                          name[name.size() - base.size() - 1] == '.');
}

bool IsStrictlyBelowReverseTree(std::string_view name) {
  return std::any_of(kReverseTrees.begin(), kReverseTrees.end(), [&](std::string_view tree) {
    return name != tree && IsAtOrBelow(name, tree);
  });
}

constexpr size_t kMaxOwnerInput = 8192;  // far above any valid name; bounds the work

}  // namespace

std::optional<Violation> CheckReservedName(std::string_view name,
                                           const std::vector<std::string>& extra) {
  auto reserved = [&](std::string_view entry) {
    return Violation{"domain.reserved", "The domain name " + QuoteForMessage(name) +
                                            " is reserved: " +
                                            (name == entry || IsAtOrBelow(name, entry)
                                                 ? "it is or lies under " + QuoteForMessage(entry)
                                                 : "it lies above " + QuoteForMessage(entry)) +
                                            ", which no customer may hold."};
  };
  for (std::string_view entry : kBuiltinReserved) {
    if (entry == "arpa" && IsStrictlyBelowReverseTree(name)) continue;
    if (IsAtOrBelow(name, entry)) return reserved(entry);
  }
  for (const std::string& entry : extra) {
    // Above counts too: a zone "example.net" would answer for "panel.example.net".
    if (IsAtOrBelow(name, entry) || IsAtOrBelow(entry, name)) return reserved(entry);
  }
  return std::nullopt;
}

Checked<std::string> CheckDomain(std::string_view input) {
  if (input.empty()) return Refuse("domain.empty", "The domain name is empty.");
  std::string quoted = QuoteForMessage(input);
  if (input.size() > kMaxDomainInput) {
    return Refuse("domain.too_long", "The domain name " + quoted + " is longer than " +
                                         std::to_string(kMaxDomain) + " characters.");
  }
  if (IsIpLiteral(input)) {
    return Refuse("domain.ip_literal",
                  "The domain name " + quoted + " is an IP address, not a domain name.");
  }
  auto code_points = CodePoints(input);
  if (!code_points) {
    return Refuse("domain.invalid_character", "The domain name " + quoted + " is not valid UTF-8.");
  }
  for (UChar32 c : *code_points) {
    if (!IsInvisible(c)) continue;
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
    return Refuse("domain.disallowed_codepoint",
                  "The domain name " + quoted + " contains " + code +
                      ", a character that does not show (IDNA would silently remove or refuse "
                      "it); type the name without it.");
  }
  // ASCII outside letters, digits, '-' and '.' is refused here, before IDNA: libidn2's STD3
  // mode would silently drop such characters instead ("ex ample" -> "example").
  for (char c : input) {
    if (static_cast<unsigned char>(c) < 0x80 && !IsAsciiAlnum(c) && c != '-' && c != '.') {
      return Refuse("domain.invalid_character", "The domain name " + quoted +
                                                    " contains the character " + DescribeByte(c) +
                                                    "; only letters, digits, '-' and '.' are "
                                                    "allowed.");
    }
  }
  auto ascii = ToALabels(input);
  if (!ascii) return ascii;
  std::string name = std::move(*ascii);
  if (!name.empty() && name.back() == '.') name.pop_back();  // one trailing dot: the root
  if (name.empty()) return Refuse("domain.empty", "The domain name " + quoted + " is empty.");
  // Fullwidth digits and dots map to an address ("１２７.０.０.１").
  if (IsIpLiteral(name)) {
    return Refuse("domain.ip_literal",
                  "The domain name " + quoted + " is an IP address, not a domain name.");
  }

  std::vector<std::string> labels = SplitLabels(name);
  for (const std::string& label : labels) {
    if (label.empty()) {
      return Refuse("domain.label_empty", "The domain name " + quoted +
                                              " has an empty label (two dots in a row, or a "
                                              "leading dot).");
    }
    if (label.size() > kMaxLabel) {
      return Refuse("domain.label_too_long", "The label " + QuoteForMessage(label) +
                                                 " is longer than " + std::to_string(kMaxLabel) +
                                                 " characters.");
    }
    for (char c : label) {
      // What IDNA mapped into ASCII ("＄" -> "$") is checked again here.
      if (!IsAsciiLower(c) && !IsAsciiDigit(c) && c != '-') {
        return Refuse("domain.invalid_character",
                      "The domain name " + quoted + " contains the character " + DescribeByte(c) +
                          " after IDNA mapping; only letters, digits, '-' and '.' are allowed.");
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return Refuse("domain.hyphen",
                    "The label " + QuoteForMessage(label) + " starts or ends with '-'.");
    }
    if (label.size() >= 4 && label.compare(2, 2, "--") == 0 && label.compare(0, 4, "xn--") != 0) {
      return Refuse("domain.hyphen", "The label " + QuoteForMessage(label) +
                                         " has \"--\" in the third and fourth positions, which "
                                         "only IDNA labels (xn--) may have.");
    }
  }
  if (name.size() > kMaxDomain) {
    return Refuse("domain.too_long", "The domain name " + quoted + " is longer than " +
                                         std::to_string(kMaxDomain) + " characters.");
  }
  const std::string& tld = labels.back();
  if (auto reserved = CheckReservedName(name)) return tl::unexpected(*reserved);
  if (labels.size() < 2) {
    return Refuse("domain.single_label", "The domain name " + quoted +
                                             " has a single label; a name like example.com has "
                                             "at least two.");
  }
  if (std::all_of(tld.begin(), tld.end(), IsAsciiDigit)) {
    return Refuse("domain.numeric_tld", "The top-level domain of " + quoted + " is all digits.");
  }
  for (const std::string& label : labels) {
    if (label.compare(0, 4, "xn--") != 0) continue;  // pure ASCII: Latin and Common only
    auto ulabel = ToUnicode(label);
    if (!ulabel) {
      return Refuse("domain.idna",
                    "The label " + QuoteForMessage(label) + " is not a valid IDNA A-label.");
    }
    std::set<UScriptCode> scripts = ScriptsOf(*ulabel);
    if (scripts.size() > 1 && !IsAllowedScriptMix(scripts)) {
      return Refuse("domain.mixed_script", "The label " + QuoteForMessage(*ulabel) + " mixes the " +
                                               ScriptNames(scripts) +
                                               " scripts, which is how look-alike names are "
                                               "made.");
    }
  }
  return name;
}

Checked<std::string> CheckDnsOwnerName(std::string_view zone, std::string_view input) {
  auto bad = [&](const std::string& why) {
    return Refuse("record.name_invalid", "The name " + QuoteForMessage(input) + " " + why + ".");
  };
  if (input.empty()) return bad("is empty");
  if (input.size() > kMaxOwnerInput) return bad("is too long");
  if (input == "@") return std::string("@");
  std::string name = AsciiLower(input);
  if (name.back() == '.') {
    const std::string apex = std::string(zone) + ".";
    const std::string suffix = "." + apex;
    if (name == apex) return std::string("@");
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) {
      return bad("is not inside the zone " + std::string(zone));
    }
    name.resize(name.size() - suffix.size());
  }
  if (name.size() + 1 + zone.size() > kMaxDomain) {
    return bad("makes an owner name longer than 253 bytes");
  }
  std::vector<std::string> labels = SplitLabels(name);
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    if (i == 0 && label == "*") continue;  // the wildcard label, leftmost only
    bool chars_ok = !label.empty() && label.size() <= kMaxLabel &&
                    std::all_of(label.begin(), label.end(), [](char c) {
                      return IsAsciiLower(c) || IsAsciiDigit(c) || c == '-' || c == '_';
                    });
    if (!chars_ok) {
      return bad(
          "must be \"@\" or labels of letters, digits, '-' and '_' (1 to 63 each), "
          "optionally starting with \"*.\"");
    }
    if (label.front() == '-' || label.back() == '-') {
      return bad("has a label that starts or ends with '-', which no host name may have");
    }
  }
  return name;
}

}  // namespace hostplane::protocol
