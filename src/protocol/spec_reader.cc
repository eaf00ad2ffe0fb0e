#include "protocol/spec_reader.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace hostplane::protocol {

std::string Indexed(std::string_view key, size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

SpecReader::SpecReader(const Json& object, FieldErrors& errors, std::string where,
                       UnknownMembers unknown)
    : object_(&object), errors_(&errors), where_(std::move(where)) {
  if (unknown == UnknownMembers::kRefuse) {
    asked_ = std::make_shared<std::vector<Asked>>();
    asked_->push_back({object_, where_, {}});
  }
}

const Json* SpecReader::Find(const char* key) const {
  if (asked_) (*asked_)[asked_index_].keys.insert(key);
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

template <typename T>
std::optional<T> SpecReader::Absent(const char* key, std::optional<T> fallback) const {
  if (!fallback) {
    Add(key, {kFieldMissing, "required field \"" + Path(key) + "\" is missing"});
  }
  return fallback;
}

std::nullopt_t SpecReader::Wrong(std::string_view field, const char* expected) const {
  Add(field, {kFieldType, "field \"" + Path(field) + "\" must be " + expected});
  return std::nullopt;
}

std::string SpecReader::Path(std::string_view field) const {
  if (field.empty()) return where_;
  if (where_.empty()) return std::string(field);
  return where_ + "." + std::string(field);
}

std::optional<std::string> SpecReader::String(const char* key,
                                              std::optional<std::string> fallback) const {
  const Json* v = Find(key);
  if (v == nullptr) return Absent(key, std::move(fallback));
  if (!v->is_string()) return Wrong(key, "a string");
  return v->get<std::string>();
}

std::optional<std::string> SpecReader::ServiceStatus(const char* key) const {
  auto status = String(key, std::string("active"));
  if (status && *status != "active" && *status != "suspended") {
    Add(key, {"status.invalid", "The status must be \"active\" or \"suspended\", not " +
                                    QuoteForMessage(*status) + "."});
  }
  return status;
}

std::optional<bool> SpecReader::Bool(const char* key, std::optional<bool> fallback) const {
  const Json* v = Find(key);
  if (v == nullptr) return Absent(key, fallback);
  if (!v->is_boolean()) return Wrong(key, "true or false");
  return v->get<bool>();
}

std::optional<int64_t> SpecReader::Integer(const char* key, int64_t min, int64_t max,
                                           std::optional<int64_t> fallback,
                                           const char* range_code) const {
  const Json* v = Find(key);
  if (v == nullptr) return Absent(key, fallback);
  if (!v->is_number_integer()) return Wrong(key, "an integer");
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  bool in_range = false;
  int64_t value = 0;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    in_range = u <= static_cast<uint64_t>(kMax);
    value = in_range ? static_cast<int64_t>(u) : 0;
  } else {
    value = v->get<int64_t>();
    in_range = true;
  }
  in_range = in_range && value >= min && value <= max;
  if (!in_range) {
    std::string bounds =
        min == kMin && max == kMax
            ? " is out of range"
            : " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    Add(key, {range_code, "field \"" + Path(key) + "\"" + bounds});
    return std::nullopt;
  }
  return value;
}

std::optional<double> SpecReader::NonNegativeNumber(const char* key,
                                                    std::optional<double> fallback) const {
  const Json* v = Find(key);
  if (v == nullptr) return Absent(key, fallback);
  if (!v->is_number()) return Wrong(key, "a number");
  double d = v->get<double>();
  if (!std::isfinite(d) || d < 0) {
    Add(key, {kFieldRange, "field \"" + Path(key) + "\" must not be negative"});
    return std::nullopt;
  }
  return d;
}

std::optional<std::vector<std::string>> SpecReader::Strings(
    const char* key, std::optional<std::vector<std::string>> fallback) const {
  const Json* v = Find(key);
  if (v == nullptr) return Absent(key, std::move(fallback));
  if (!v->is_array()) return Wrong(key, "an array of strings");
  std::vector<std::string> out;
  out.reserve(v->size());
  for (const Json& item : *v) {
    if (!item.is_string()) return Wrong(key, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

const Json* SpecReader::Array(const char* key, bool optional) const {
  static const Json kEmpty = Json::array();
  const Json* v = Find(key);
  if (v == nullptr) {
    if (optional) return &kEmpty;
    Absent<bool>(key, std::nullopt);
    return nullptr;
  }
  if (!v->is_array()) {
    Wrong(key, "an array");
    return nullptr;
  }
  return v;
}

const Json* SpecReader::Object(const char* key) const {
  const Json* v = Find(key);
  if (v == nullptr) {
    Absent<bool>(key, std::nullopt);
    return nullptr;
  }
  if (!v->is_object()) {
    Wrong(key, "an object");
    return nullptr;
  }
  return v;
}

SpecReader SpecReader::Nested(const Json& member, std::string_view field) const {
  SpecReader nested(member, *errors_, Path(field));
  if (asked_) {
    nested.asked_ = asked_;
    nested.asked_index_ = asked_->size();
    asked_->push_back({&member, nested.where_, {}});
  }
  return nested;
}

void SpecReader::RecordUnknown() const {
  if (!asked_) return;
  // One object may have been read by several readers (two passes over a list): what any of them
  // asked for is known.
  std::map<const Json*, std::set<std::string>> keys;
  for (const Asked& a : *asked_) keys[a.object].insert(a.keys.begin(), a.keys.end());
  std::set<const Json*> done;
  for (const Asked& a : *asked_) {
    if (!a.object->is_object() || !done.insert(a.object).second) continue;
    const std::set<std::string>& known = keys[a.object];
    for (const auto& [key, value] : a.object->items()) {
      if (known.contains(key)) continue;
      const std::string path = a.where.empty() ? key : a.where + "." + key;
      errors_->Add(path, {kFieldUnknown, "The field " + QuoteForMessage(path) +
                                             " is not known to this version of hostplane "
                                             "(bundle schema " +
                                             std::to_string(kBundleSchema) + ")."});
    }
  }
}

std::optional<SpecReader> SpecReader::ObjectItem(const Json& array, const char* key,
                                                 size_t i) const {
  const Json& item = array[i];
  if (!item.is_object()) {
    Wrong(Indexed(key, i), "an object");
    return std::nullopt;
  }
  return Nested(item, Indexed(key, i));
}

std::optional<std::string> SpecReader::StringItem(const Json& array, const char* key,
                                                  size_t i) const {
  const Json& item = array[i];
  if (!item.is_string()) return Wrong(Indexed(key, i), "a string");
  return item.get<std::string>();
}

void SpecReader::CheckCanonical(std::string_view field, const std::string& value,
                                const Checked<std::string>& checked, const char* grammar) const {
  if (!checked) {
    Add(field, checked.error());
  } else if (*checked != value) {
    Add(field, {std::string(grammar) + ".not_canonical", "The value " + QuoteForMessage(value) +
                                                             " is not in canonical form (" +
                                                             QuoteForMessage(*checked) + ")."});
  }
}

void SpecReader::Add(std::string_view field, Violation v) const { errors_->Add(Path(field), v); }

}  // namespace hostplane::protocol
