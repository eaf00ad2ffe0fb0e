#include "controller/api/request_body.h"

#include <set>
#include <string>
#include <vector>

#include "controller/api/api_error.h"

namespace hostplane::controller {

using nlohmann::json;

namespace {

// Follows nlohmann's parse events to know where the parser is, and records every key that an
// object already had: nlohmann keeps the last of duplicate keys, while another reader of the same
// bytes (a proxy, an audit tool, the panel) may keep the first, so a body with duplicates means
// different things to different readers (request smuggling). Paths as BodyReader writes them:
// "limits.sites", "aliases[1].name".
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back({true, ChildPath(), {}, 0, {}});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back({false, ChildPath(), {}, 0, {}});
        break;
      case json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.key = parsed.is_string() ? parsed.get<std::string>() : std::string();
        if (!f.keys.insert(f.key).second) duplicates_.push_back(Join(f.path, f.key));
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        Advance();
        break;
      case json::parse_event_t::value:
        Advance();
        break;
    }
    return true;
  }

  const std::vector<std::string>& duplicates() const { return duplicates_; }

 private:
  struct Frame {
    bool object;
    std::string path;
    std::set<std::string> keys;
    size_t index;     // arrays: the index of the next element
    std::string key;  // objects: the key whose value comes next
  };

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  std::string ChildPath() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    return f.object ? Join(f.path, f.key) : f.path + "[" + std::to_string(f.index) + "]";
  }
  void Advance() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }

  std::vector<Frame> frames_;
  std::vector<std::string> duplicates_;
};

}  // namespace

Result<json> ParseJsonObject(const std::string& body) {
  DuplicateKeyFinder finder;
  json parsed = json::parse(
      body,
      [&finder](int depth, json::parse_event_t event, json& j) { return finder(depth, event, j); },
      /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Fail(InvalidJsonError("it could not be parsed"));
  if (!finder.duplicates().empty()) {
    protocol::FieldErrors errors;
    for (const auto& path : finder.duplicates()) {
      // The key is client input: it goes into the field map (JSON-escaped on output) only.
      errors.Add(path, {"field.duplicate", "A field appears more than once in the request body."});
    }
    return Fail(errors.ToError());
  }
  if (!parsed.is_object()) {
    return Fail(
        Error::InvalidField("body", "field.type", "The request body must be a JSON object."));
  }
  return parsed;
}

BodyReader::BodyReader(const json& object, std::string prefix, protocol::FieldErrors* errors)
    : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

const json* BodyReader::Lookup(const std::string& name, Presence presence) {
  known_.insert(name);
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) {
    if (presence == Presence::kRequired) Problem(name, "field.required", "is required");
    return nullptr;
  }
  return &*it;
}

void BodyReader::Problem(const std::string& name, const std::string& code,
                         const std::string& sentence) {
  errors_->Add(prefix_ + name,
               protocol::Violation{code, "Field \"" + prefix_ + name + "\" " + sentence + "."});
}

std::optional<std::string> BodyReader::String(const std::string& name, Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Problem(name, "field.type", "must be a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::vector<std::string>> BodyReader::StringArray(const std::string& name,
                                                                Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    Problem(name, "field.type", "must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_string()) {
      errors_->Add(
          prefix_ + name + "[" + std::to_string(i) + "]",
          protocol::Violation{"field.type", "Field \"" + prefix_ + name + "\" must hold strings."});
      ok = false;
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<bool> BodyReader::Bool(const std::string& name, Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    Problem(name, "field.type", "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> BodyReader::Integer(const std::string& name, Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX})) {
    Problem(name, "field.type", "must be an integer");
    return std::nullopt;
  }
  return v->get<int64_t>();
}

std::optional<std::vector<int64_t>> BodyReader::IntegerArray(const std::string& name,
                                                             Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    Problem(name, "field.type", "must be an array of integers");
    return std::nullopt;
  }
  std::vector<int64_t> out;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_number_integer() ||
        (item.is_number_unsigned() && item.get<uint64_t>() > uint64_t{INT64_MAX})) {
      errors_->Add(prefix_ + name + "[" + std::to_string(i) + "]",
                   protocol::Violation{"field.type",
                                       "Field \"" + prefix_ + name + "\" must hold integers."});
      ok = false;
      continue;
    }
    out.push_back(item.get<int64_t>());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Limit> BodyReader::LimitValue(const std::string& name, Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer() &&
      !(v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX})) {
    return Limit(v->get<int64_t>());
  }
  // Unlimited is a flag, never a magic number: only this exact object means it.
  if (*v == json{{"unlimited", true}}) return Limit(std::nullopt);
  Problem(name, "field.type", "must be an integer or {\"unlimited\": true}");
  return std::nullopt;
}

BodyReader* BodyReader::Object(const std::string& name, Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    Problem(name, "field.type", "must be an object");
    return nullptr;
  }
  children_.push_back(
      std::unique_ptr<BodyReader>(new BodyReader(*v, prefix_ + name + ".", errors_)));
  return children_.back().get();
}

std::optional<json> BodyReader::RawObject(const std::string& name, Presence presence) {
  const json* v = Lookup(name, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) {
    Problem(name, "field.type", "must be an object");
    return std::nullopt;
  }
  return *v;
}

void BodyReader::AddUnknownFields() {
  for (const auto& [name, value] : object_.items()) {
    if (known_.count(name) == 0) {
      // The name is client input: it goes into the field map (JSON-escaped on output) but the
      // sentence stays generic.
      errors_->Add(prefix_ + name,
                   protocol::Violation{"field.unknown", "The request has an unknown field."});
    }
  }
  for (const auto& child : children_) child->AddUnknownFields();
}

Status BodyReader::Finish() {
  AddUnknownFields();
  if (errors_->empty()) return Ok();
  return Fail(errors_->ToError());
}

}  // namespace hostplane::controller
