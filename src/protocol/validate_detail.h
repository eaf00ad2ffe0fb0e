#pragma once

// Small text helpers shared by the files that implement validate.h (validate.cc: accounts, paths,
// passwords, numbers; validate_domain.cc: domains, reserved names, DNS owner names). Internal to
// src/protocol: nothing outside includes it.

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/validate.h"

namespace hostplane::protocol::detail {

inline tl::unexpected<Violation> Refuse(std::string code, std::string message) {
  return tl::unexpected(Violation{std::move(code), std::move(message)});
}

inline bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlnum(char c) {
  return IsAsciiLower(c) || IsAsciiDigit(c) || (c >= 'A' && c <= 'Z');
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Decodes UTF-8 into code points; nullopt on any ill-formed sequence (overlongs, surrogates and
// truncated sequences included, as ICU's U8_NEXT reports them).
inline std::optional<std::vector<UChar32>> CodePoints(std::string_view s) {
  std::vector<UChar32> out;
  if (s.size() > static_cast<size_t>(INT32_MAX)) return std::nullopt;
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t length = static_cast<int32_t>(s.size());
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
inline bool IsDisplayHazard(UChar32 c) {
  return u_charType(c) == U_CONTROL_CHAR || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

// The sentence form of one character, for "contains the character ..." messages.
inline std::string DescribeByte(char c) { return QuoteForMessage(std::string_view(&c, 1)); }

}  // namespace hostplane::protocol::detail
