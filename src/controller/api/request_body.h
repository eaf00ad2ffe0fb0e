#pragma once

// Strict reading of a JSON request body. The API refuses what it does not understand instead of
// guessing: a body that is not JSON is a 400 (invalid_json); a body that is not an object, a
// field of the wrong type, a missing required field or a field the route does not know is a 422
// with one code per field ("field.type", "field.required", "field.unknown"). Values are only
// shape-checked here; their grammar (domain, login, path ...) is HostingService's job.
//
// Usage: parse, read every field the route knows, then Finish():
//   auto obj = ParseJsonObject(body);  if (!obj) return Fail(obj.error());
//   BodyReader r(*obj);
//   auto login = r.String("login", Presence::kRequired);
//   HP_TRY(r.Finish());  // only now are the values read above meaningful

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/store/store.h"
#include "protocol/validate.h"

namespace hostplane::controller {

// The one reader of request bodies: every route with a body parses it here. Errors:
// InvalidJsonError (400) when body is not JSON; kInvalid {"body": "field.type"} when it is JSON but
// not an object; kInvalid {"<path>": "field.duplicate"} for every key an object has twice, at any
// depth ({"customer": "b", "customer": "a"} is refused, not read as "a").
Result<nlohmann::json> ParseJsonObject(const std::string& body);

enum class Presence { kOptional, kRequired };

// Reads typed fields from one JSON object and collects every problem before failing, so a client
// learns about all its bad fields at once. Not thread-safe; lives for one request.
class BodyReader {
 public:
  explicit BodyReader(const nlohmann::json& object) : object_(object), errors_(&own_errors_) {}

  // nullopt when absent (or null) or of the wrong type; the problem is recorded.
  std::optional<std::string> String(const std::string& name, Presence presence);
  std::optional<std::vector<std::string>> StringArray(const std::string& name, Presence presence);
  std::optional<int64_t> Integer(const std::string& name, Presence presence);
  // An array of integers; an item of another type is "field.type" at "name[i]".
  std::optional<std::vector<int64_t>> IntegerArray(const std::string& name, Presence presence);
  // true or false only (not 0/1, not "true").
  std::optional<bool> Bool(const std::string& name, Presence presence);
  // A plan limit: an integer, or exactly {"unlimited": true} (the outer nullopt when absent or of
  // another shape; the inner one means unlimited). The range is HostingService's to check.
  std::optional<Limit> LimitValue(const std::string& name, Presence presence);
  // A nested object, read with a reader of its own whose problems carry the path
  // "name.field" and are reported by this reader's Finish(). nullptr when absent or not an
  // object. The returned reader lives as long as this one.
  BodyReader* Object(const std::string& name, Presence presence);
  // A nested object handed on whole, for a checker that knows its members (a site's settings):
  // nullopt when absent (or null) or not an object (then recorded as field.type).
  std::optional<nlohmann::json> RawObject(const std::string& name, Presence presence);

  // kInvalid with every recorded problem plus "field.unknown" for each field never read.
  [[nodiscard]] Status Finish();

 private:
  BodyReader(const nlohmann::json& object, std::string prefix, protocol::FieldErrors* errors);
  const nlohmann::json* Lookup(const std::string& name, Presence presence);
  void Problem(const std::string& name, const std::string& code, const std::string& sentence);
  void AddUnknownFields();

  const nlohmann::json& object_;
  std::string prefix_;  // "" at the top, "limits." in a nested object
  std::set<std::string> known_;
  protocol::FieldErrors own_errors_;
  protocol::FieldErrors* errors_;  // own_errors_, or the top reader's
  std::vector<std::unique_ptr<BodyReader>> children_;
};

}  // namespace hostplane::controller
