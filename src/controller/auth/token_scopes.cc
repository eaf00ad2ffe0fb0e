#include "controller/auth/token_scopes.h"

#include <algorithm>

namespace hostplane::auth {

const std::vector<std::string>& ScopeAreas() {
  static const std::vector<std::string> kAreas = {
      "certificates", "customers", "databases", "dns",   "files", "ftp",    "mail", "nodes",
      "orders",       "plans",     "resellers", "sites", "tasks", "tokens", "users"};
  return kAreas;
}

Result<std::vector<std::string>> CheckScopes(const std::vector<std::string>& scopes) {
  if (scopes.empty()) {
    return Fail(Error::InvalidField("scopes", "scope.empty", "A token needs at least one scope."));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < scopes.size(); ++i) {
    const std::string& s = scopes[i];
    std::string field = "scopes[" + std::to_string(i) + "]";
    if (s != "admin") {
      auto colon = s.find(':');
      std::string area = colon == std::string::npos ? "" : s.substr(0, colon);
      std::string access = colon == std::string::npos ? "" : s.substr(colon + 1);
      if (area.empty() || (access != "read" && access != "write")) {
        return Fail(Error::InvalidField(
            field, "scope.invalid", "A scope is \"admin\" or \"<area>:read\" / \"<area>:write\"."));
      }
      const auto& areas = ScopeAreas();
      if (std::find(areas.begin(), areas.end(), area) == areas.end()) {
        return Fail(Error::InvalidField(field, "scope.unknown_area",
                                        "The scope names an area the API does not have."));
      }
    }
    if (std::find(out.begin(), out.end(), s) != out.end()) {
      return Fail(Error::InvalidField(field, "scope.duplicate", "The scope is listed twice."));
    }
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ScopesAllow(const std::vector<std::string>& scopes, std::string_view area, Access access) {
  std::string a(area);
  for (const auto& s : scopes) {
    if (s == "admin" || s == a + ":write") return true;
    if (access == Access::kRead && s == a + ":read") return true;
  }
  return false;
}

}  // namespace hostplane::auth
