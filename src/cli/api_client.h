#pragma once

// A small client of the hostplane REST API for the CLI: one request per call over cpp-httplib,
// the bearer token attached, path segments and query values percent-encoded here (so a domain
// like "a/b?c" stays one segment), and the JSON answer parsed. A transport failure (connection
// refused, timeout) is an Error (kUnavailable); an HTTP error status is an ApiResponse like any
// other, and PrintApiError shows its {"error": ...} body.

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hostplane::cli {

struct ApiResponse {
  int status = 0;
  nlohmann::json body;  // null when the body was not JSON
  std::string raw;      // the body as received (a downloaded file's bytes)
  std::multimap<std::string, std::string> headers;
  bool ok() const { return status >= 200 && status < 300; }
  bool has_header(const std::string& name) const;
};

using Query = std::vector<std::pair<std::string, std::string>>;

// "/api/v1/sites/" + Segment(domain): percent-encodes every byte outside [A-Za-z0-9._~-].
std::string Segment(const std::string& value);

class ApiClient {
 public:
  // url: "http://host:port" (no path). token may be empty (then no Authorization header).
  ApiClient(std::string url, std::string token);

  // Errors: kUnavailable when the controller cannot be reached or the connection breaks.
  Result<ApiResponse> Get(const std::string& path, const Query& query = {},
                          std::chrono::milliseconds read_timeout = std::chrono::seconds(30));
  Result<ApiResponse> Post(const std::string& path, const nlohmann::json& body);
  Result<ApiResponse> Patch(const std::string& path, const nlohmann::json& body);
  Result<ApiResponse> Delete(const std::string& path, const Query& query = {});
  // PUT of raw bytes (application/octet-stream): a file's content.
  Result<ApiResponse> Put(const std::string& path, const Query& query, const std::string& bytes);

  const std::string& url() const { return url_; }

 private:
  Result<ApiResponse> Send(const std::string& method, const std::string& target,
                           const std::optional<nlohmann::json>& body,
                           std::chrono::milliseconds read_timeout,
                           const std::string* bytes = nullptr);

  std::string url_;
  std::string token_;
};

// Prints "error: <message>" and one "  <field>: <code>" line per field of an error response.
void PrintApiError(const ApiResponse& response, std::ostream& err);

}  // namespace hostplane::cli
