#include "cli/table.h"

#include <algorithm>

namespace hostplane::cli {

using nlohmann::json;

namespace {

// Display width in code points (UTF-8 continuation bytes do not count); good enough for the
// names we show, which are mostly ASCII A-labels.
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

}  // namespace

std::string Printable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(headers.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], Width(Printable(row[i])));
    }
  };
  measure(headers);
  for (const auto& row : rows) measure(row);

  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string l;
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < row.size() ? Printable(row[i]) : "";
      l += cell;
      if (i + 1 < width.size()) l += std::string(width[i] - Width(cell) + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers);
  for (const auto& row : rows) line(row);
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [k, v] : fields) width = std::max(width, k.size() + 1);
  std::string out;
  for (const auto& [k, v] : fields) {
    out += k + ":" + std::string(width - k.size() - 1 + 2, ' ') + Printable(v) + "\n";
  }
  return out;
}

std::string HumanTime(const json& value) {
  if (value.is_null()) return "-";
  if (!value.is_string()) return Cell(value);
  std::string s = value.get<std::string>();
  // 2026-11-24T18:41:52.123Z
  if (s.size() >= 19 && s[10] == 'T') return s.substr(0, 10) + " " + s.substr(11, 8);
  return s;
}

std::string Cell(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    return s.empty() ? "-" : Printable(s);
  }
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value) out += (out.empty() ? "" : ",") + Cell(item);
    return out.empty() ? "-" : out;
  }
  if (value.is_object() && value.value("unlimited", false)) return "unlimited";
  return Printable(value.dump());
}

std::string CellOf(const json& object, std::initializer_list<const char*> names) {
  if (!object.is_object()) return "-";
  for (const char* name : names) {
    if (object.contains(name)) return Cell(object[name]);
  }
  return "-";
}

}  // namespace hostplane::cli
