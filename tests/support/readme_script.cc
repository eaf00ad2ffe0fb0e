#include "readme_script.h"

#include <fmt/format.h>

#include <sstream>

namespace hostplane::testing {
namespace {

constexpr const char* kBegin = "<!-- readme-test: begin -->";
constexpr const char* kEnd = "<!-- readme-test: end -->";
constexpr const char* kMarker = "@@hp-readme";

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Single quotes for bash: 'it'\''s'.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

Result<ReadmeWalkthrough> ParseReadmeWalkthrough(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line;
  int n = 0;
  bool inside = false, seen_begin = false, seen_end = false;
  bool in_fence = false, sh_fence = false;
  int fence_line = 0;
  std::string section;
  std::vector<std::vector<ReadmeCommand>> blocks;
  std::string pending;  // a command continued with a trailing backslash
  int pending_line = 0;
  auto bad = [&](const std::string& what) {
    return Fail(Error::Invalid(fmt::format("README.md line {}: {}", n, what)));
  };
  while (std::getline(in, line)) {
    ++n;
    std::string t = Trim(line);
    if (in_fence) {
      if (t.rfind("```", 0) == 0) {
        if (!pending.empty()) return bad("a command ends with a backslash at the end of its block");
        in_fence = false;
        continue;
      }
      if (!sh_fence || !inside) continue;
      if (t.find("<<") != std::string::npos) return bad("a here-document cannot be run by line");
      if (pending.empty() && (t.empty() || t[0] == '#')) continue;
      if (pending.empty()) pending_line = n;
      bool continued = !t.empty() && t.back() == '\\';
      pending += continued ? line.substr(0, line.rfind('\\')) : line;
      if (continued) continue;
      blocks.back().push_back({Trim(pending), section, pending_line});
      pending.clear();
      continue;
    }
    if (t.rfind("```", 0) == 0) {
      in_fence = true;
      fence_line = n;
      sh_fence = Trim(t.substr(3)) == "sh";
      if (sh_fence && inside) blocks.emplace_back();
      continue;
    }
    if (t.rfind("## ", 0) == 0) section = Trim(t.substr(3));
    if (t == kBegin) {
      if (seen_begin) return bad("a second begin marker");
      seen_begin = inside = true;
    } else if (t == kEnd) {
      if (!inside) return bad("an end marker without a begin marker");
      inside = false;
      seen_end = true;
    }
  }
  if (in_fence) {
    n = fence_line;
    return bad("this code fence is never closed");
  }
  if (!seen_begin || !seen_end) {
    return Fail(Error::Invalid(std::string("README.md has no ") + (seen_begin ? kEnd : kBegin) +
                               " marker around its newcomer sections"));
  }
  if (blocks.empty() || blocks.front().size() != 1) {
    return Fail(Error::Invalid(
        "README.md: the first sh block of the newcomer sections must hold exactly one command, "
        "the one that starts the all-in-one"));
  }
  ReadmeWalkthrough w;
  w.server = blocks.front().front();
  for (size_t i = 1; i < blocks.size(); ++i) {
    w.commands.insert(w.commands.end(), blocks[i].begin(), blocks[i].end());
  }
  if (w.commands.empty()) {
    return Fail(Error::Invalid("README.md: no command follows the one that starts the all-in-one"));
  }
  return w;
}

std::string WalkthroughScript(const std::vector<ReadmeCommand>& commands,
                              const std::string& workdir) {
  std::string s = "exec 2>&1\nset -o pipefail\ncd " + ShellQuote(workdir) + " || exit 99\n";
  for (size_t i = 0; i < commands.size(); ++i) {
    s += fmt::format("printf '\\n{} begin {}\\n'\n", kMarker, i);
    s += commands[i].text + "\n";
    s += fmt::format(
        "hp_rc=$?; printf '\\n{} end {} %s\\n' \"$hp_rc\"; [ \"$hp_rc\" -eq 0 ] || exit 100\n",
        kMarker, i);
  }
  return s;
}

std::vector<CommandRun> SplitWalkthroughOutput(const std::string& output, size_t count) {
  std::vector<CommandRun> runs(count);
  std::istringstream in(output);
  std::string line;
  long current = -1;
  const std::string begin = std::string(kMarker) + " begin ";
  const std::string end = std::string(kMarker) + " end ";
  while (std::getline(in, line)) {
    if (line.rfind(begin, 0) == 0) {
      current = std::strtol(line.c_str() + begin.size(), nullptr, 10);
      if (current < 0 || static_cast<size_t>(current) >= count) current = -1;
      continue;
    }
    if (line.rfind(end, 0) == 0) {
      char* rest = nullptr;
      long index = std::strtol(line.c_str() + end.size(), &rest, 10);
      if (index >= 0 && static_cast<size_t>(index) < count && rest != nullptr) {
        runs[index].exit_code = static_cast<int>(std::strtol(rest, nullptr, 10));
        // The marker starts on a fresh line: drop the newline printed before it.
        if (!runs[index].output.empty() && runs[index].output.back() == '\n') {
          runs[index].output.pop_back();
        }
      }
      current = -1;
      continue;
    }
    if (current >= 0) runs[current].output += line + "\n";
  }
  return runs;
}

}  // namespace hostplane::testing
