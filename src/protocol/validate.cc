#include "protocol/validate.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <pwd.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>

namespace hostplane::protocol {
namespace {

tl::unexpected<Violation> Refuse(std::string code, std::string message) {
  return tl::unexpected(Violation{std::move(code), std::move(message)});
}

bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) { return IsAsciiLower(c) || IsAsciiDigit(c) || (c >= 'A' && c <= 'Z'); }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Decodes UTF-8 into code points; nullopt on any ill-formed sequence (overlongs, surrogates and
// truncated sequences included, as ICU's U8_NEXT reports them).
std::optional<std::vector<UChar32>> CodePoints(std::string_view s) {
  std::vector<UChar32> out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t length = static_cast<int32_t>(s.size());
  if (s.size() > static_cast<size_t>(INT32_MAX)) return std::nullopt;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

// Characters that have no business in a name shown to a person or written to a file: C0/C1
// controls and DEL, line and paragraph separators, and the bidi embedding/override/isolate
// controls that make text display as something it is not.
bool IsDisplayHazard(UChar32 c) {
  return u_charType(c) == U_CONTROL_CHAR || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

// The sentence form of one character, for "contains the character ..." messages.
std::string DescribeByte(char c) { return QuoteForMessage(std::string_view(&c, 1)); }

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

bool IsReservedDomain(const std::string& name, const std::string& tld) {
  static constexpr std::string_view kInternal = "hostplane.internal";
  if (tld == "invalid" || tld == "localhost") return true;
  if (name == kInternal) return true;
  return name.size() > kInternal.size() &&
         name.compare(name.size() - kInternal.size() - 1, std::string::npos,
                      "." + std::string(kInternal)) == 0;
}

// Service and role names a customer must never get, whether or not this machine has them
// (the controller runs elsewhere than the web nodes), besides whatever getpwnam() knows here.
bool IsReservedLogin(const std::string& name) {
  static const std::set<std::string> kReserved = {
      "root",      "daemon",  "bin",       "sys",      "sync",          "games",      "man",
      "lp",        "mail",    "news",      "uucp",     "proxy",         "www-data",   "backup",
      "list",      "irc",     "gnats",     "nobody",   "nogroup",       "messagebus", "sshd",
      "postfix",   "dovecot", "dovenull",  "mysql",    "postgres",      "bind",       "knot",
      "pdns",      "nginx",   "ftp",       "admin",    "administrator", "hostmaster", "postmaster",
      "webmaster", "abuse",   "hostplane", "adm",      "operator",      "halt",       "shutdown",
      "apache",    "named",   "redis",     "memcache", "opendkim",      "clamav",     "vmail",
      "www",       "ntp",     "chrony",    "polkitd",  "avahi",         "staff",      "wheel",
      "sudo",      "shadow",  "utmp",      "tty",      "disk",          "kmem",       "dialout",
      "tss",       "uuidd",   "syslog",    "_apt",
  };
  return kReserved.count(name) > 0 || name.rfind("systemd", 0) == 0;
}

}  // namespace

UnixUserOwner LookUpUnixUser(const std::string& name) {
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  size_t size = hint > 0 ? static_cast<size_t>(hint) : 4096;
  for (int attempt = 0; attempt < 8; ++attempt, size *= 2) {
    std::vector<char> buf(size);
    struct passwd pwd;
    struct passwd* found = nullptr;
    int rc = getpwnam_r(name.c_str(), &pwd, buf.data(), buf.size(), &found);
    if (rc == ERANGE) continue;
    if (found != nullptr) {
      bool ours =
          found->pw_gecos != nullptr && std::string_view(found->pw_gecos) == kAccountUserComment;
      return ours ? UnixUserOwner::kHostplane : UnixUserOwner::kOther;
    }
    // 0, ENOENT, ESRCH, EBADF and EPERM all mean "no such name" (getpwnam_r(3)).
    if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) {
      return UnixUserOwner::kAbsent;
    }
    return UnixUserOwner::kUnknown;
  }
  return UnixUserOwner::kUnknown;
}

namespace {

constexpr size_t kMaxPath = 255;

bool IsPathComponentChar(char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; }

constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxEmailLocal = 64;

// RFC 5322 atext minus nothing: printable ASCII except the specials, quotes and space.
bool IsEmailLocalChar(char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  static constexpr std::string_view kSpecials = "()<>[]:;@\\,\"";
  return kSpecials.find(c) == std::string_view::npos;
}

constexpr size_t kQuoteMaxChars = 64;

}  // namespace

std::string QuoteForMessage(std::string_view input) {
  std::string out = "\"";
  const auto* bytes = reinterpret_cast<const uint8_t*>(input.data());
  int32_t length = static_cast<int32_t>(std::min<size_t>(input.size(), INT32_MAX));
  size_t chars = 0;
  int32_t i = 0;
  while (i < length) {
    if (chars == kQuoteMaxChars) {
      out += "...";
      break;
    }
    int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    char buf[16];
    if (c < 0) {
      for (int32_t k = start; k < i; ++k) {
        std::snprintf(buf, sizeof buf, "\\x%02x", bytes[k]);
        out += buf;
      }
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (IsDisplayHazard(c) || u_charType(c) == U_FORMAT_CHAR) {
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(reinterpret_cast<const char*>(bytes + start), i - start);
    }
    ++chars;
  }
  out += '"';
  return out;
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
  if (!CodePoints(input)) {
    return Refuse("domain.invalid_character", "The domain name " + quoted + " is not valid UTF-8.");
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
  if (IsReservedDomain(name, tld)) {
    return Refuse("domain.reserved",
                  "The domain name " + quoted +
                      " is reserved (.invalid, .localhost and hostplane.internal are not for "
                      "customers).");
  }
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

Checked<std::string> CheckLoginGrammar(std::string_view input) {
  if (input.empty()) return Refuse("login.empty", "The login is empty.");
  std::string quoted = QuoteForMessage(input);
  if (IsAsciiDigit(input.front())) {
    return Refuse("login.starts_with_digit",
                  "The login " + quoted + " starts with a digit; it must start with a letter.");
  }
  for (char c : input) {
    if (!IsAsciiLower(c) && !IsAsciiDigit(c)) {
      return Refuse("login.invalid_character",
                    "The login " + quoted + " contains the character " + DescribeByte(c) +
                        "; only lowercase letters a-z and digits are allowed.");
    }
  }
  if (input.size() > 16) {
    return Refuse("login.too_long", "The login " + quoted + " is longer than 16 characters.");
  }
  if (input.size() < 3) {
    return Refuse("login.too_short", "The login " + quoted + " is shorter than 3 characters.");
  }
  std::string name(input);
  if (IsReservedLogin(name)) {
    return Refuse("login.reserved", "The login " + quoted + " is reserved for the system.");
  }
  return name;
}

Checked<std::string> CheckLogin(std::string_view input) {
  auto grammar = CheckLoginGrammar(input);
  if (!grammar) return grammar;
  const std::string& name = *grammar;
  std::string quoted = QuoteForMessage(input);
  switch (LookUpUnixUser(name)) {
    case UnixUserOwner::kAbsent:
    case UnixUserOwner::kHostplane:
      return name;
    case UnixUserOwner::kOther:
      return Refuse("login.reserved", "The login " + quoted +
                                          " is an existing account on this system that hostplane "
                                          "does not manage.");
    case UnixUserOwner::kUnknown:
      break;
  }
  return Refuse("login.reserved",
                "The login " + quoted + " could not be checked against the system's accounts.");
}

Checked<std::string> CheckRelativePath(std::string_view input) {
  if (input.empty()) return Refuse("path.empty", "The path is empty.");
  std::string quoted = QuoteForMessage(input);
  for (char c : input) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Refuse("path.control_character",
                    "The path " + quoted + " contains a control character.");
    }
  }
  if (input.find('\\') != std::string_view::npos) {
    return Refuse("path.backslash", "The path " + quoted + " contains a backslash.");
  }
  if (input.front() == '/') {
    return Refuse("path.absolute",
                  "The path " + quoted + " is absolute; it must be relative to the account.");
  }
  std::string normalised;
  size_t start = 0;
  while (start <= input.size()) {
    size_t slash = input.find('/', start);
    if (slash == std::string_view::npos) slash = input.size();
    std::string_view part = input.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return Refuse("path.dot_dot", "The path " + quoted + " contains \"..\".");
    }
    for (char c : part) {
      if (!IsPathComponentChar(c)) {
        return Refuse("path.invalid_character",
                      "The path " + quoted + " contains the character " + DescribeByte(c) +
                          "; only letters, digits, '.', '_', '-' and '/' are allowed.");
      }
    }
    if (!normalised.empty()) normalised += '/';
    normalised.append(part);
    if (normalised.size() > kMaxPath) break;
  }
  if (normalised.empty()) {
    return Refuse("path.empty", "The path " + quoted + " names no directory.");
  }
  if (normalised.size() > kMaxPath) {
    return Refuse("path.too_long",
                  "The path " + quoted + " is longer than " + std::to_string(kMaxPath) + " bytes.");
  }
  return normalised;
}

Checked<std::string> CheckEmail(std::string_view input) {
  std::string quoted = QuoteForMessage(input);
  if (input.size() > kMaxEmail) {
    return Refuse("email.too_long", "The email address " + quoted + " is longer than " +
                                        std::to_string(kMaxEmail) + " characters.");
  }
  size_t at = input.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == input.size()) {
    return Refuse("email.invalid",
                  "The email address " + quoted + " is not of the form name@domain.");
  }
  std::string_view local = input.substr(0, at);
  if (local.size() > kMaxEmailLocal) {
    return Refuse("email.too_long", "The part before '@' in " + quoted + " is longer than " +
                                        std::to_string(kMaxEmailLocal) + " characters.");
  }
  bool chars_ok = std::all_of(local.begin(), local.end(), IsEmailLocalChar);
  if (!chars_ok || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return Refuse("email.invalid", "The part before '@' in " + quoted +
                                       " may not contain spaces, quotes, <>, ',', ';' or other "
                                       "special characters, nor start, end or repeat '.'.");
  }
  auto domain = CheckDomain(input.substr(at + 1));
  if (!domain) return domain;
  return std::string(local) + "@" + *domain;
}

Checked<std::string> CheckPassword(std::string_view input) {
  // Never quote a password back, not even in an error.
  if (input.size() < 12) {
    return Refuse("password.too_short", "The password is shorter than 12 bytes.");
  }
  if (input.size() > 1024) {
    return Refuse("password.too_long", "The password is longer than 1024 bytes.");
  }
  auto cps = CodePoints(input);
  if (!cps) return Refuse("password.invalid_utf8", "The password is not valid UTF-8.");
  for (UChar32 c : *cps) {
    if (u_charType(c) == U_CONTROL_CHAR) {
      return Refuse("password.control_character", "The password contains a control character.");
    }
  }
  return std::string(input);
}

Checked<std::string> CheckLocalPart(std::string_view input) {
  std::string quoted = QuoteForMessage(input);
  if (input.empty()) return Refuse("local_part.invalid", "The mailbox name is empty.");
  if (input.size() > 64) {
    return Refuse("local_part.too_long",
                  "The mailbox name " + quoted + " is longer than 64 characters.");
  }
  if (input.find('+') != std::string_view::npos) {
    return Refuse(
        "local_part.plus_reserved",
        "The mailbox name " + quoted + " contains '+', which is reserved for address extensions.");
  }
  if (input.find("..") != std::string_view::npos) {
    return Refuse("local_part.dot_dot", "The mailbox name " + quoted + " contains \"..\".");
  }
  std::string lower = AsciiLower(input);
  auto edge_ok = [](char c) { return IsAsciiLower(c) || IsAsciiDigit(c); };
  bool ok = edge_ok(lower.front()) && edge_ok(lower.back()) &&
            std::all_of(lower.begin(), lower.end(),
                        [&](char c) { return edge_ok(c) || c == '.' || c == '_' || c == '-'; });
  if (!ok) {
    return Refuse("local_part.invalid",
                  "The mailbox name " + quoted +
                      " may contain only letters, digits, '.', '_' and '-', and must start and "
                      "end with a letter or digit.");
  }
  return lower;
}

Checked<std::string> CheckDisplayName(std::string_view input) {
  auto cps = CodePoints(input);
  if (!cps) return Refuse("name.invalid_utf8", "The name is not valid UTF-8.");
  for (UChar32 c : *cps) {
    if (IsDisplayHazard(c)) {
      return Refuse("name.control_character",
                    "The name " + QuoteForMessage(input) + " contains a control character.");
    }
  }
  // Trim White_Space code points at both ends, on code point boundaries.
  const auto* bytes = reinterpret_cast<const uint8_t*>(input.data());
  int32_t length = static_cast<int32_t>(input.size());
  int32_t begin = 0;
  while (begin < length) {
    int32_t next = begin;
    UChar32 c;
    U8_NEXT(bytes, next, length, c);
    if (!u_isUWhiteSpace(c)) break;
    begin = next;
  }
  int32_t end = length;
  while (end > begin) {
    int32_t prev = end;
    UChar32 c;
    U8_PREV(bytes, begin, prev, c);
    if (!u_isUWhiteSpace(c)) break;
    end = prev;
  }
  std::string trimmed(input.substr(begin, end - begin));
  if (trimmed.empty()) return Refuse("name.empty", "The name is empty.");
  if (trimmed.size() > 200) {
    return Refuse("name.too_long",
                  "The name " + QuoteForMessage(trimmed) + " is longer than 200 bytes.");
  }
  return trimmed;
}

Checked<std::string> CheckNodeName(std::string_view input) {
  bool ok = !input.empty() && input.size() <= 63 && IsAsciiLower(input.front()) &&
            input.back() != '-' && std::all_of(input.begin(), input.end(), [](char c) {
              return IsAsciiLower(c) || IsAsciiDigit(c) || c == '-';
            });
  if (!ok) {
    return Refuse("node.invalid", "The node name " + QuoteForMessage(input) +
                                      " must be lowercase letters, digits and '-', start with a "
                                      "letter, not end with '-', and be at most 63 characters.");
  }
  return std::string(input);
}

Checked<int64_t> CheckInteger(std::string_view input, int64_t min, int64_t max) {
  std::string quoted = QuoteForMessage(input);
  std::string range = "from " + std::to_string(min) + " to " + std::to_string(max);
  auto not_integer = [&] {
    return Refuse("number.not_integer",
                  "The value " + quoted + " is not a whole number written in plain digits.");
  };
  std::string_view digits = input;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) {
    if (min >= 0) return not_integer();
    digits.remove_prefix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsAsciiDigit)) {
    return not_integer();
  }
  if (digits.size() > 1 && digits.front() == '0') return not_integer();
  if (negative && digits == "0") return not_integer();  // "-0": zero is written "0"
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(input.data(), input.data() + input.size(), value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && (value < min || value > max))) {
    return Refuse("number.out_of_range", "The value " + quoted + " is not " + range + ".");
  }
  if (ec != std::errc() || ptr != input.data() + input.size()) return not_integer();
  return value;
}

void FieldErrors::Add(const std::string& field, const Violation& v) {
  fields_.emplace_back(field, v);
}

Error FieldErrors::ToError() const {
  Error e = Error::Invalid("");
  for (const auto& [field, violation] : fields_) {
    if (!e.message.empty()) e.message += "; ";
    e.message += violation.message;
    e.fields.emplace(field, violation.code);  // the first violation of a field wins
  }
  return e;
}

}  // namespace hostplane::protocol
