#include "controller/http/router.h"

#include <algorithm>

namespace hostplane::controller::http {
namespace {

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path.front() != '/' ? 0 : 1;
  while (true) {
    size_t slash = path.find('/', start);
    out.push_back(
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return out;
    start = slash + 1;
  }
}

}  // namespace

size_t Router::Add(const std::string& method, const std::string& path_template) {
  routes_.push_back({method, Split(path_template)});
  return routes_.size() - 1;
}

bool Router::Matches(const Route& route, const std::vector<std::string>& segments,
                     std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (IsParam(want)) {
      if (segments[i].empty()) return false;
      if (params != nullptr) (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::Find(const std::string& method,
                           const std::vector<std::string>& segments) const {
  Match m;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (route.method != method) continue;
    std::map<std::string, std::string> params;
    if (Matches(route, segments, &params)) {
      m.route = i;
      m.params = std::move(params);
      return m;
    }
  }
  for (const Route& route : routes_) {
    if (Matches(route, segments, nullptr) &&
        std::find(m.allowed.begin(), m.allowed.end(), route.method) == m.allowed.end()) {
      m.allowed.push_back(route.method);
    }
  }
  return m;
}

}  // namespace hostplane::controller::http
