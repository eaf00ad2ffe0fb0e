#include "protocol/account_spec.h"

#include <algorithm>
#include <optional>
#include <set>

#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

// Reads members of a spec object, recording each violation under the member's name.
class SpecFields {
 public:
  SpecFields(const Json& j, FieldErrors& errors) : j_(j), errors_(errors) {}

  std::optional<std::string> String(const char* key, std::optional<std::string> fallback) {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, std::move(fallback));
    if (!v->is_string()) return Wrong(key, "a string");
    return v->get<std::string>();
  }

  std::optional<bool> Bool(const char* key, std::optional<bool> fallback) {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, fallback);
    if (!v->is_boolean()) return Wrong(key, "true or false");
    return v->get<bool>();
  }

  // A JSON integer in [min, max]: floats and strings are wrong types.
  std::optional<int64_t> Integer(const char* key, int64_t min, int64_t max) {
    const Json* v = Find(key);
    if (v == nullptr) return Absent<int64_t>(key, std::nullopt);
    if (!v->is_number_integer()) return Wrong(key, "an integer");
    bool in_range = false;
    int64_t value = 0;
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      in_range = u >= static_cast<uint64_t>(min) && u <= static_cast<uint64_t>(max);
      value = in_range ? static_cast<int64_t>(u) : 0;
    } else {
      value = v->get<int64_t>();
      in_range = value >= min && value <= max;
    }
    if (!in_range) {
      errors_.Add(
          key, {"field.range", "The field \"" + std::string(key) + "\" must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max) + "."});
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::vector<std::string>> Strings(const char* key,
                                                  std::optional<std::vector<std::string>> fb) {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, std::move(fb));
    if (!v->is_array()) return Wrong(key, "an array of strings");
    std::vector<std::string> out;
    for (const Json& item : *v) {
      if (!item.is_string()) return Wrong(key, "an array of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  // A login, already in the canonical form of CheckLoginGrammar.
  std::string Login(const char* key) {
    auto v = String(key, std::nullopt);
    if (!v) return {};
    auto checked = CheckLoginGrammar(*v);
    if (!checked) {
      errors_.Add(key, checked.error());
    } else if (*checked != *v) {
      errors_.Add(key, {"login.not_canonical",
                        "The login " + QuoteForMessage(*v) + " is not in canonical form."});
    }
    return *v;
  }

 private:
  const Json* Find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  template <typename T>
  std::optional<T> Absent(const char* key, std::optional<T> fallback) {
    if (!fallback) {
      errors_.Add(key,
                  {"field.missing", "The required field \"" + std::string(key) + "\" is missing."});
    }
    return fallback;
  }
  std::nullopt_t Wrong(const char* key, const char* expected) {
    errors_.Add(key,
                {"field.type", "The field \"" + std::string(key) + "\" must be " + expected + "."});
    return std::nullopt;
  }

  const Json& j_;
  FieldErrors& errors_;
};

}  // namespace

bool IsPhpVersion(const std::string& v) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() < 3 || v.size() > 4 || !digit(v[0]) || v[1] != '.') return false;
  return std::all_of(v.begin() + 2, v.end(), digit);
}

Json ToJson(const AccountSpec& s) {
  return Json{
      {"login", s.login}, {"uid", s.uid}, {"gid", s.gid}, {"status", s.status}, {"php", s.php}};
}

Result<AccountSpec> AccountSpecFromJson(const Json& j) {
  if (!j.is_object()) return Fail(Error::Invalid("AccountSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecFields f(j, errors);
  AccountSpec s;
  s.login = f.Login("login");
  s.uid = f.Integer("uid", kMinAccountId, kMaxAccountId).value_or(0);
  s.gid = f.Integer("gid", kMinAccountId, kMaxAccountId).value_or(0);
  if (auto status = f.String("status", std::string("active"))) {
    s.status = *status;
    if (s.status != "active" && s.status != "suspended") {
      errors.Add("status",
                 {"status.invalid", "The status must be \"active\" or \"suspended\", not " +
                                        QuoteForMessage(s.status) + "."});
    }
  }
  if (auto php = f.Strings("php", std::vector<std::string>{})) {
    std::set<std::string> seen;
    for (size_t i = 0; i < php->size(); ++i) {
      const std::string& v = (*php)[i];
      std::string field = "php[" + std::to_string(i) + "]";
      if (!IsPhpVersion(v)) {
        errors.Add(field, {"php.invalid",
                           "The PHP version " + QuoteForMessage(v) + " is not of the form 8.2."});
      } else if (!seen.insert(v).second) {
        errors.Add(field, {"php.duplicate",
                           "The PHP version " + QuoteForMessage(v) + " is listed twice."});
      }
    }
    s.php = std::vector<std::string>(seen.begin(), seen.end());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const AccountRemoval& r) {
  return Json{{"login", r.login}, {"uid", r.uid}, {"gid", r.gid}, {"remove_home", r.remove_home}};
}

Result<AccountRemoval> AccountRemovalFromJson(const Json& j) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("AccountRemoval: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecFields f(j, errors);
  AccountRemoval r;
  r.login = f.Login("login");
  r.uid = f.Integer("uid", kMinAccountId, kMaxAccountId).value_or(0);
  r.gid = f.Integer("gid", kMinAccountId, kMaxAccountId).value_or(0);
  r.remove_home = f.Bool("remove_home", false).value_or(false);
  if (!errors.empty()) return Fail(errors.ToError());
  return r;
}

}  // namespace hostplane::protocol
