#pragma once

// The route table of an HTTP server: a method plus a path template whose "{name}" segments each
// match one non-empty path segment ("/api/v1/sites/{domain}"). Path segments are compared after
// percent-decoding, one by one, so an encoded '/' inside a parameter never changes the route.
// Built once (Add), then read by any number of threads (Find is const).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostplane::controller::http {

class Router {
 public:
  // Adds a route and returns its index (0, 1, ... in the order of Add).
  size_t Add(const std::string& method, const std::string& path_template);

  struct Match {
    std::optional<size_t> route;                // the route of this method and path
    std::map<std::string, std::string> params;  // its "{name}" segments, decoded
    std::vector<std::string> allowed;  // no route for this method but for others: they (405)
  };
  // The first route (in the order of Add) whose method and template match.
  Match Find(const std::string& method, const std::vector<std::string>& segments) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // literal, or "{name}"
  };
  static bool Matches(const Route& route, const std::vector<std::string>& segments,
                      std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace hostplane::controller::http
