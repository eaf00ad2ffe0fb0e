#pragma once

// What the REST handlers share (api_server.cc: customers, sites, nodes, plans, tasks;
// api_services.cc: the services beside sites): the call and reply of one request, strict query
// parameters, and the JSON shapes of a change and a list. Internal to controller/api.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "controller/auth/token_scopes.h"
#include "controller/http/http_message.h"
#include "controller/services/hosting.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {

using nlohmann::json;

struct ApiCall {
  const http::HttpRequest& req;
  Actor actor;
  std::map<std::string, std::string> path;  // path parameters by template name
  // The session cookie's value when the request was authenticated by one; empty for a bearer
  // token or no authentication.
  std::string session_token;
};

struct ApiWait;

struct ApiReply {
  int status = 200;
  json body;
  // When set, sent as is instead of body (metrics, the OpenAPI document).
  std::optional<std::string> raw;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the answer is not ready: the HTTP front polls `wait` (a long poll) and sends what
  // it returns; the members above are ignored.
  std::shared_ptr<ApiWait> wait;
};

// A reply that waits without holding a thread (http::LongPoll): poll returns the reply once it
// is ready (nullopt: not yet); with deadline_passed it must return one.
struct ApiWait {
  std::chrono::steady_clock::time_point deadline;
  std::function<Result<std::optional<ApiReply>>(bool deadline_passed)> poll;
};

namespace api {

// For the routes a token reaches without an Authorizer check of an object (one's own login, its
// sessions, password and second factor): the token's scopes must allow the area.
[[nodiscard]] inline Status RequireScope(const Actor& actor, const char* area,
                                         auth::Access access) {
  if (actor.scopes && !auth::ScopesAllow(*actor.scopes, area, access)) {
    return Fail(Error::Forbidden("The token's scopes do not allow this."));
  }
  return Ok();
}

// For the routes of a browser session itself (the current session, "log in as").
[[nodiscard]] inline Status RequireBrowserSession(const ApiCall& call) {
  if (!call.session_token.empty()) return Ok();
  return Fail(Error::InvalidField(
      "session", "session.required",
      "This request came with a token, not a browser session; a token is shown and revoked with "
      "`hostplane token`."));
}

// For the routes that change one's own login (password, second factor): refused while acting
// for someone, whose login it would otherwise change.
[[nodiscard]] inline Status RequireNotActing(const Actor& actor) {
  if (!actor.acting_person) return Ok();
  return Fail(Error{ErrorCode::kConflict,
                    "You are acting as " + actor.name + ": stop acting to change your own login.",
                    {{"session", "acting_as.active"}}});
}

inline constexpr int kDefaultLimit = 100;  // a page of a list
inline constexpr int kMaxLimit = 1000;
inline constexpr size_t kMaxSearch = 253;  // a domain name's length

// Query parameters, read as strictly as bodies: each route names the parameters it knows.
class QueryReader {
 public:
  QueryReader(const http::HttpRequest& req, std::set<std::string> known) : req_(req) {
    for (const auto& [name, value] : req.params) {
      if (known.count(name) == 0) {
        errors_.Add(name, {"field.unknown", "The query has an unknown parameter."});
      } else if (req.get_param_value_count(name) > 1) {
        errors_.Add(name, {"field.repeated", "A query parameter appears more than once."});
      }
    }
  }

  std::optional<std::string> String(const std::string& name) {
    if (!req_.has_param(name)) return std::nullopt;
    return req_.get_param_value(name);
  }

  std::optional<int64_t> Integer(const std::string& name, int64_t min, int64_t max) {
    if (!req_.has_param(name)) return std::nullopt;
    auto v = protocol::CheckInteger(req_.get_param_value(name), min, max);
    if (!v) {
      errors_.Add(name, v.error());
      return std::nullopt;
    }
    return *v;
  }

  bool Bool(const std::string& name) {
    if (!req_.has_param(name)) return false;
    std::string v = req_.get_param_value(name);
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    errors_.Add(name, {"field.type", "Parameter \"" + name + "\" must be true or false."});
    return false;
  }

  // ?after=<id>&limit=<n>, the keyset of every list route: after.invalid for an after that is not
  // an id (0 or more), limit.out_of_range for a limit that is not 1..kMaxLimit.
  Page ReadPage() {
    Page page;
    page.limit = kDefaultLimit;
    if (req_.has_param("after")) {
      auto v = protocol::CheckInteger(req_.get_param_value("after"), 0, INT64_MAX);
      if (v) {
        page.after_id = *v;
      } else {
        errors_.Add("after", {"after.invalid",
                              "\"after\" must be the next_after of the previous "
                              "page (an id: 0 or more). " +
                                  v.error().message});
      }
    }
    if (req_.has_param("limit")) {
      auto v = protocol::CheckInteger(req_.get_param_value("limit"), 1, kMaxLimit);
      if (v) {
        page.limit = static_cast<int>(*v);
      } else {
        errors_.Add("limit", {"limit.out_of_range", "\"limit\" must be a whole number from 1 to " +
                                                        std::to_string(kMaxLimit) + ". " +
                                                        v.error().message});
      }
    }
    return page;
  }

  // ?q=<text>: the lists that search keep the items whose name contains it (names are stored in
  // lower case, so the search is too). q.too_long over kMaxSearch characters.
  void ReadSearch(Page& page) {
    if (!req_.has_param("q")) return;
    std::string q = req_.get_param_value("q");
    if (q.size() > kMaxSearch) {
      errors_.Add("q", {"q.too_long", "The search is longer than " + std::to_string(kMaxSearch) +
                                          " characters."});
      return;
    }
    std::transform(q.begin(), q.end(), q.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    page.search = std::move(q);
  }

  [[nodiscard]] Status Finish() const {
    if (errors_.empty()) return Ok();
    return Fail(errors_.ToError());
  }

 private:
  const http::HttpRequest& req_;
  protocol::FieldErrors errors_;
};

template <typename T>
json ChangeJson(const char* key, const Change<T>& change) {
  json tasks = json::array();
  for (const auto& t : change.tasks) tasks.push_back(ToJson(t));
  return {
      {key, ToJson(change.object)}, {"tasks", std::move(tasks)}, {"change_id", change.change_id}};
}

// {"<key>": [...], "next_after": id of the last item when the page is full, else null}.
template <typename T>
json ListJson(const char* key, const std::vector<T>& items, std::optional<int> limit) {
  json arr = json::array();
  auto& rows = arr.get_ref<json::array_t&>();
  rows.reserve(items.size());
  for (const auto& item : items) rows.push_back(ToJson(item));
  json out(json::value_t::object);
  out[key] = std::move(arr);
  if (limit) {
    bool full = !items.empty() && static_cast<int>(items.size()) >= *limit;
    out["next_after"] = full ? json(items.back().id) : json(nullptr);
  }
  return out;
}

inline ApiReply Reply(int status, json body) {
  ApiReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace api
}  // namespace hostplane::controller
