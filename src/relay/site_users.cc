#include "relay/site_users.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/passwd/bcrypt.h"
#include "protocol/validate.h"

namespace hostplane::relay {
namespace {

using Json = nlohmann::json;
using protocol::FieldErrors;

// The string member key of object at path, or "" after recording why not.
std::string StringMember(FieldErrors& errors, const Json& object, const std::string& path,
                         const char* key) {
  std::string field = path.empty() ? key : path + "." + key;
  auto it = object.find(key);
  if (it == object.end()) {
    errors.Add(field, {"field.required", field + " is missing"});
    return "";
  }
  if (!it->is_string()) {
    errors.Add(field, {"relay.type", field + " is not a string"});
    return "";
  }
  return it->get<std::string>();
}

void RefuseUnknown(FieldErrors& errors, const Json& object, const std::string& path,
                   const std::set<std::string>& known) {
  for (const auto& [key, value] : object.items()) {
    if (known.count(key)) continue;
    std::string field = (path.empty() ? "" : path + ".") + key;
    errors.Add(field, {"field.unknown", protocol::QuoteForMessage(key) + " is not a known member"});
  }
}

}  // namespace

Result<SiteUsers> ParseSiteUsers(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(Error::InvalidField("file", "relay.json", "the users file is not a JSON object"));
  }
  FieldErrors errors;
  RefuseUnknown(errors, doc, "", {"site", "nodes"});
  SiteUsers out;
  out.site = StringMember(errors, doc, "", "site");
  if (doc.contains("site") && doc["site"].is_string()) {
    if (auto v = protocol::CheckNodeName(out.site); !v) errors.Add("site", v.error());
  }
  auto nodes = doc.find("nodes");
  if (nodes == doc.end()) {
    errors.Add("nodes", {"field.required", "nodes is missing"});
  } else if (!nodes->is_array()) {
    errors.Add("nodes", {"relay.type", "nodes is not a list"});
  } else {
    std::set<std::string> seen;
    for (size_t i = 0; i < nodes->size(); ++i) {
      const Json& n = (*nodes)[i];
      std::string path = "nodes[" + std::to_string(i) + "]";
      if (!n.is_object()) {
        errors.Add(path, {"relay.type", path + " is not an object"});
        continue;
      }
      RefuseUnknown(errors, n, path, {"node", "password_hash"});
      NodeUser user;
      bool has_node = n.contains("node") && n["node"].is_string();
      bool has_hash = n.contains("password_hash") && n["password_hash"].is_string();
      user.node = StringMember(errors, n, path, "node");
      user.password_hash = StringMember(errors, n, path, "password_hash");
      if (has_node) {
        if (auto v = protocol::CheckNodeName(user.node); !v) {
          errors.Add(path + ".node", v.error());
        } else if (!seen.insert(user.node).second) {
          errors.Add(path + ".node", {"relay.duplicate", "node " + user.node + " is listed twice"});
        }
      }
      if (has_hash && !IsBcryptHash(user.password_hash)) {
        errors.Add(path + ".password_hash",
                   {"relay.hash",
                    "a password hash is bcrypt: $2a$, $2b$ or $2y$, a cost 04-31, "
                    "then 53 characters of [./A-Za-z0-9]"});
      }
      out.nodes.push_back(std::move(user));
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return out;
}

}  // namespace hostplane::relay
