#include "protocol/validate.h"

#include <pwd.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "protocol/validate_detail.h"

namespace hostplane::protocol {
namespace {

using detail::AsciiLower;
using detail::CodePoints;
using detail::DescribeByte;
using detail::IsAsciiAlnum;
using detail::IsAsciiDigit;
using detail::IsAsciiLower;
using detail::IsDisplayHazard;
using detail::Refuse;

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
    if (part.front() == '-') {
      return Refuse("path.leading_hyphen",
                    "The path " + quoted +
                        " has a component starting with '-', which a program would read as an "
                        "option.");
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
  // Checked again in canonical form: a domain's A-labels may be longer than its UTF-8, and an
  // address accepted here must be accepted again (found by fuzz/email_fuzz.cc).
  std::string canonical = std::string(local) + "@" + *domain;
  if (canonical.size() > kMaxEmail) {
    return Refuse("email.too_long", "The email address " + quoted + " is longer than " +
                                        std::to_string(kMaxEmail) +
                                        " characters once its domain is in ASCII form.");
  }
  return canonical;
}

Checked<std::string> CheckPassword(std::string_view input,
                                   const std::vector<std::string>& user_names) {
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
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
  std::vector<UChar> utf16(input.size() + 1);
  int32_t utf16_length = 0;
  if (U_SUCCESS(status)) {
    u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &utf16_length, input.data(),
                  static_cast<int32_t>(input.size()), &status);
  }
  UBool normalised =
      U_SUCCESS(status) && unorm2_isNormalized(nfc, utf16.data(), utf16_length, &status);
  if (U_FAILURE(status)) {
    return Refuse("password.invalid_utf8", "The password could not be checked as Unicode text.");
  }
  if (!normalised) {
    return Refuse("password.not_nfc",
                  "The password has characters written in decomposed form (such as \"e\" "
                  "followed by a combining accent); mail and FTP servers compare the exact "
                  "bytes, so a client typing the composed form could not log in. Use the "
                  "composed form (NFC) of each character.");
  }
  const std::string lowered = AsciiLower(input);
  for (const std::string& name : user_names) {
    if (!name.empty() && lowered == AsciiLower(name)) {
      return Refuse("password.same_as_user", "The password is the same as the user name.");
    }
  }
  return std::string(input);
}

Checked<std::string> CheckPassword(std::string_view input) { return CheckPassword(input, {}); }

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

Checked<std::string> CheckText(std::string_view input, size_t max_bytes, bool multiline,
                               const std::string& grammar) {
  if (input.empty()) return Refuse(grammar + ".empty", "The text is empty.");
  if (input.size() > max_bytes) {
    return Refuse(grammar + ".too_long",
                  "The text is longer than " + std::to_string(max_bytes) + " bytes.");
  }
  auto cps = CodePoints(input);
  if (!cps) return Refuse(grammar + ".invalid_utf8", "The text is not valid UTF-8.");
  for (UChar32 c : *cps) {
    if (multiline && (c == '\n' || c == '\t')) continue;
    if (IsDisplayHazard(c)) {
      return Refuse(grammar + ".control_character",
                    "The text " + QuoteForMessage(input) + " contains a control character.");
    }
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