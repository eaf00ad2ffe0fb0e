#pragma once

// Typed reads of TOML tables with one precise error per bad key (file and line, a field code),
// and the writer that mirrors them: the machinery of agent_config.cc, whose field lists drive
// both (a key the parser knows is a key RenderAgentConfig writes). Internal to cmd/.

#include <arpa/inet.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/validate.h"

namespace hostplane::cmd::toml_fields {

// Collects one error per bad key, each with its line.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void Add(const std::string& key, const toml::node* where, const std::string& code,
           const std::string& message) {
    if (fields_.count(key) != 0) return;  // the first problem of a key is the one to fix
    fields_[key] = code;
    std::string at = source_;
    if (where != nullptr && where->source().begin.line > 0) {
      at += ":" + std::to_string(where->source().begin.line);
    }
    lines_.push_back(fmt::format("{}: {}: {}", at, key, message));
  }
  bool empty() const { return lines_.empty(); }
  Error ToError() const {
    std::string message;
    for (const auto& line : lines_) message += (message.empty() ? "" : "\n") + line;
    return Error{ErrorCode::kInvalid, message, fields_};
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> lines_;
  std::map<std::string, std::string> fields_;
};

// One TOML table: typed reads that remember which keys are known, then a check for the others.
// A key that is absent leaves the output (the default) alone.
class Section {
 public:
  Section(Problems& problems, const toml::table& table, std::string prefix)
      : problems_(problems), table_(table), prefix_(std::move(prefix)) {}

  std::string Path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  const toml::node* Get(const std::string& key) {
    known_.insert(key);
    return table_.get(key);
  }
  // The node of key when present; nullptr otherwise.
  const toml::node* Find(const std::string& key) { return Get(key); }

  void String(const std::string& key, std::string* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    if (const auto* s = n->as_string()) {
      *out = s->get();
    } else {
      problems_.Add(Path(key), n, "config.type", "must be a string");
    }
  }
  void Integer(const std::string& key, int64_t min, int64_t max, int64_t* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    const auto* i = n->as_integer();
    if (i == nullptr) {
      problems_.Add(Path(key), n, "config.type", "must be an integer");
    } else if (i->get() < min || i->get() > max) {
      problems_.Add(Path(key), n, "config.out_of_range",
                    fmt::format("must be between {} and {}, not {}", min, max, i->get()));
    } else {
      *out = i->get();
    }
  }
  void Bool(const std::string& key, bool* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    if (const auto* b = n->as_boolean()) {
      *out = b->get();
    } else {
      problems_.Add(Path(key), n, "config.type", "must be true or false");
    }
  }
  void Strings(const std::string& key, std::vector<std::string>* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    const auto* array = n->as_array();
    if (array == nullptr) {
      problems_.Add(Path(key), n, "config.type", "must be an array of strings");
      return;
    }
    std::vector<std::string> values;
    for (size_t i = 0; i < array->size(); ++i) {
      const auto* s = array->get(i)->as_string();
      if (s == nullptr) {
        problems_.Add(Path(key), array->get(i), "config.type",
                      fmt::format("element {} must be a string", i));
        return;
      }
      values.push_back(s->get());
    }
    *out = std::move(values);
  }
  // A sub-table; nullopt when absent or not a table (reported).
  std::optional<Section> Table(const std::string& key) {
    const toml::node* n = Get(key);
    if (n == nullptr) return std::nullopt;
    const auto* t = n->as_table();
    if (t == nullptr) {
      problems_.Add(Path(key), n, "config.type", "must be a table ([" + Path(key) + "])");
      return std::nullopt;
    }
    return Section(problems_, *t, Path(key));
  }
  void RefuseUnknownKeys() {
    for (auto&& [key, node] : table_) {
      std::string name(key.str());
      if (known_.count(name) == 0) {
        problems_.Add(Path(name), &node, "config.unknown_key", "unknown key");
      }
    }
  }
  Problems& problems() { return problems_; }
  const std::string& prefix() const { return prefix_; }
  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    for (auto&& [key, node] : table_) keys.emplace_back(key.str());
    return keys;
  }

 private:
  Problems& problems_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> known_;
};

// Reads the keys of one table into a layout. The same field list (the *Fields functions below)
// drives Writer, so every key the parser knows is a key RenderAgentConfig writes, and back.
// A key that is absent leaves the field (its default) alone.
class Reader {
 public:
  explicit Reader(Section& s) : s_(s) {}

  // An absolute host path without ".." components (binaries).
  void Abs(const std::string& key, std::string& out) {
    const toml::node* where = s_.Find(key);
    std::string value = out;
    s_.String(key, &value);
    bool ok = !value.empty() && value[0] == '/' && value.find('\0') == std::string::npos;
    std::istringstream parts(value);
    for (std::string part; ok && std::getline(parts, part, '/');) ok = part != "..";
    if (!ok) {
      s_.problems().Add(s_.Path(key), where, "path.absolute_required",
                        "must be an absolute path without '..' components");
      return;
    }
    out = value;
  }
  // A path relative to host.root, normalised ("etc/nginx/sites").
  void Rel(const std::string& key, std::string& out) { CheckRel(key, out, false); }
  // The same, or "" for "none".
  void OptRel(const std::string& key, std::string& out) { CheckRel(key, out, true); }
  // An IP literal; v4_only for daemons that take IPv4 only.
  void Ip(const std::string& key, std::string& out, bool v4_only = false) {
    const toml::node* where = s_.Find(key);
    std::string value = out;
    s_.String(key, &value);
    unsigned char addr[16];
    bool ok = ::inet_pton(AF_INET, value.c_str(), addr) == 1 ||
              (!v4_only && ::inet_pton(AF_INET6, value.c_str(), addr) == 1);
    if (!ok) {
      s_.problems().Add(
          s_.Path(key), where, "config.invalid_address",
          "'" + value + "' is not an " + (v4_only ? "IPv4" : "IPv4 or IPv6") + " address");
      return;
    }
    out = value;
  }
  template <class Int>
  void Number(const std::string& key, int64_t min, int64_t max, Int& out) {
    int64_t value = static_cast<int64_t>(out);
    s_.Integer(key, min, max, &value);
    out = static_cast<Int>(value);
  }
  void Port(const std::string& key, int& out) { Number(key, 1, 65535, out); }
  void Millis(const std::string& key, int64_t min, int64_t max, std::chrono::milliseconds& out) {
    int64_t value = out.count();
    s_.Integer(key, min, max, &value);
    out = std::chrono::milliseconds(value);
  }
  void Bool(const std::string& key, bool& out) { s_.Bool(key, &out); }
  // A system user or group name; "" only when allow_empty.
  void User(const std::string& key, std::string& out, bool allow_empty) {
    static const std::regex kUser("^[a-z_][a-z0-9_-]{0,31}$");
    Word(key, out, kUser, allow_empty, "config.invalid_user", "is not a system user name");
  }
  // A string matching pattern (words that reach a daemon's configuration).
  void Word(const std::string& key, std::string& out, const std::regex& pattern, bool allow_empty,
            const std::string& code, const std::string& what) {
    const toml::node* where = s_.Find(key);
    std::string value = out;
    s_.String(key, &value);
    if (!(allow_empty && value.empty()) && !std::regex_match(value, pattern)) {
      s_.problems().Add(s_.Path(key), where, code, "'" + value + "' " + what);
      return;
    }
    out = value;
  }
  void Words(const std::string& key, std::vector<std::string>& out, const std::regex& pattern,
             const std::string& code, const std::string& what) {
    const toml::node* where = s_.Find(key);
    std::vector<std::string> values = out;
    s_.Strings(key, &values);
    for (const auto& v : values) {
      if (!std::regex_match(v, pattern)) {
        s_.problems().Add(s_.Path(key), where, code, "'" + v + "' " + what);
        return;
      }
    }
    if (where != nullptr && values.empty()) {
      s_.problems().Add(s_.Path(key), where, "config.required", "name at least one");
      return;
    }
    out = values;
  }

 private:
  void CheckRel(const std::string& key, std::string& out, bool allow_empty) {
    const toml::node* where = s_.Find(key);
    std::string value = out;
    s_.String(key, &value);
    if (allow_empty && value.empty()) {
      out.clear();
      return;
    }
    auto checked = protocol::CheckRelativePath(value);
    if (!checked) {
      s_.problems().Add(s_.Path(key), where, checked.error().code,
                        checked.error().message + " (paths here are relative to host.root)");
      return;
    }
    out = *checked;
  }
  Section& s_;
};

// Writes a layout's fields into a table, with toml++'s serializer doing the quoting.
class Writer {
 public:
  explicit Writer(toml::table& t) : t_(t) {}
  void Abs(const std::string& key, const std::string& v) { t_.insert_or_assign(key, v); }
  void Rel(const std::string& key, const std::string& v) { t_.insert_or_assign(key, v); }
  void OptRel(const std::string& key, const std::string& v) { t_.insert_or_assign(key, v); }
  void Ip(const std::string& key, const std::string& v, bool = false) {
    t_.insert_or_assign(key, v);
  }
  template <class Int>
  void Number(const std::string& key, int64_t, int64_t, Int v) {
    t_.insert_or_assign(key, static_cast<int64_t>(v));
  }
  void Port(const std::string& key, int v) { t_.insert_or_assign(key, int64_t{v}); }
  void Millis(const std::string& key, int64_t, int64_t, std::chrono::milliseconds v) {
    t_.insert_or_assign(key, static_cast<int64_t>(v.count()));
  }
  void Bool(const std::string& key, bool v) { t_.insert_or_assign(key, v); }
  void User(const std::string& key, const std::string& v, bool) { t_.insert_or_assign(key, v); }
  void Word(const std::string& key, const std::string& v, const std::regex&, bool,
            const std::string&, const std::string&) {
    t_.insert_or_assign(key, v);
  }
  void Words(const std::string& key, const std::vector<std::string>& v, const std::regex&,
             const std::string&, const std::string&) {
    toml::array a;
    for (const auto& s : v) a.push_back(s);
    t_.insert_or_assign(key, std::move(a));
  }

 private:
  toml::table& t_;
};

}  // namespace hostplane::cmd::toml_fields
