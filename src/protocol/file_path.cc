#include "protocol/file_path.h"

#include <cstdint>

namespace hostplane::protocol {
namespace {

Error PathError(std::string_view field, const char* code, const std::string& sentence) {
  return Error::InvalidField(std::string(field), code, std::string(field) + ": " + sentence);
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string FilePath::parent() const {
  std::string out;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!out.empty()) out += '/';
    out += parts[i];
  }
  return out;
}

std::string FilePath::text() const {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

Result<FilePath> CheckFilePath(std::string_view field, std::string_view path) {
  FilePath out;
  if (path.empty()) return out;
  if (path.find('\0') != std::string_view::npos) {
    return Fail(PathError(field, "path.nul", "a path may not contain a NUL byte"));
  }
  if (path.front() == '/') {
    return Fail(PathError(field, "path.absolute",
                          "the path must be relative to the account's home, not start with '/'"));
  }
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      return Fail(PathError(field, "path.control", "a path may not contain control characters"));
    }
    if (c == '\\') {
      return Fail(PathError(field, "path.backslash", "a path may not contain a backslash"));
    }
  }
  if (!ValidUtf8(path)) {
    return Fail(PathError(field, "path.not_utf8", "a path must be valid UTF-8"));
  }
  if (path.size() > kMaxPathBytes) {
    return Fail(PathError(field, "path.too_long",
                          "the path is longer than " + std::to_string(kMaxPathBytes) + " bytes"));
  }
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view part =
        path.substr(start, end == std::string_view::npos ? path.npos : end - start);
    if (part == "..") {
      return Fail(PathError(field, "path.dotdot", "a path may not contain '..'"));
    }
    if (part.empty() || part == ".") {
      return Fail(PathError(field, "path.not_canonical",
                            "a path may not contain an empty or '.' component or end in '/'"));
    }
    if (part.size() > kMaxNameBytes) {
      return Fail(
          PathError(field, "path.name_too_long",
                    "a file name is longer than " + std::to_string(kMaxNameBytes) + " bytes"));
    }
    out.parts.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

Result<FilePath> CheckFileName(std::string_view field, std::string_view path) {
  HP_ASSIGN_OR_RETURN(FilePath p, CheckFilePath(field, path));
  if (p.home()) {
    return Fail(PathError(field, "path.home", "the operation needs a path inside the home"));
  }
  return p;
}

}  // namespace hostplane::protocol
