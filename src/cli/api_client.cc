#include "cli/api_client.h"

#include <httplib.h>

#include <cctype>

#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli {

using nlohmann::json;

int ExitCodeForStatus(int status) {
  if (status >= 200 && status < 300) return kExitOk;
  switch (status) {
    case 400:
    case 422:
      return kExitInvalid;
    case 401:
    case 403:
      return kExitUnauthorized;
    case 404:
      return kExitNotFound;
    case 409:
      return kExitConflict;
    default:
      return kExitUnexpected;
  }
}

bool ApiResponse::has_header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return true;
  }
  return false;
}

std::string Segment(const std::string& value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '~' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

std::string Target(const std::string& path, const Query& query) {
  std::string target = path;
  char sep = '?';
  for (const auto& [k, v] : query) {
    target += sep + Segment(k) + "=" + Segment(v);
    sep = '&';
  }
  return target;
}

}  // namespace

ApiClient::ApiClient(std::string url, std::string token)
    : url_(std::move(url)), token_(std::move(token)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

Result<ApiResponse> ApiClient::Send(const std::string& method, const std::string& target,
                                    const std::optional<json>& body,
                                    std::chrono::milliseconds read_timeout,
                                    const std::string* bytes) {
  httplib::Client client(url_);
  client.set_tcp_nodelay(true);
  if (!client.is_valid()) return Fail(Error::Unavailable("cannot use the URL " + url_));
  client.set_url_encode(false);  // Target() already encoded every segment
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(read_timeout);
  client.set_write_timeout(std::chrono::seconds(30));
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  const std::string payload = body ? body->dump() : std::string();

  auto send = [&]() -> httplib::Result {
    if (method == "POST") return client.Post(target.c_str(), headers, payload, "application/json");
    if (method == "PATCH") {
      return client.Patch(target.c_str(), headers, payload, "application/json");
    }
    if (method == "DELETE") return client.Delete(target.c_str(), headers);
    if (method == "PUT") {
      return client.Put(target.c_str(), headers, bytes ? *bytes : std::string(),
                        "application/octet-stream");
    }
    return client.Get(target.c_str(), headers);
  };
  httplib::Result r = send();
  if (!r) {
    return Fail(Error::Unavailable("cannot reach the controller at " + url_ + ": " +
                                   httplib::to_string(r.error())));
  }
  ApiResponse out;
  out.status = r->status;
  for (const auto& [k, v] : r->headers) out.headers.emplace(k, v);
  out.raw = r->body;
  out.body = json::parse(r->body, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

Result<ApiResponse> ApiClient::Get(const std::string& path, const Query& query,
                                   std::chrono::milliseconds read_timeout) {
  return Send("GET", Target(path, query), std::nullopt, read_timeout);
}

Result<ApiResponse> ApiClient::Post(const std::string& path, const json& body) {
  return Send("POST", path, body, std::chrono::seconds(60));
}

Result<ApiResponse> ApiClient::Patch(const std::string& path, const json& body) {
  return Send("PATCH", path, body, std::chrono::seconds(60));
}

Result<ApiResponse> ApiClient::Delete(const std::string& path, const Query& query) {
  return Send("DELETE", Target(path, query), std::nullopt, std::chrono::seconds(60));
}

Result<ApiResponse> ApiClient::Put(const std::string& path, const Query& query,
                                   const std::string& bytes) {
  return Send("PUT", Target(path, query), std::nullopt, std::chrono::seconds(120), &bytes);
}

void PrintApiError(const ApiResponse& response, std::ostream& err) {
  const json& e = response.body.is_object() ? response.body.value("error", json()) : json();
  if (!e.is_object()) {
    err << "error: the controller answered HTTP " << response.status << "\n";
    return;
  }
  // Messages quote client input; Printable() makes sure none of it reaches the terminal raw.
  const json& message = e.contains("message") ? e["message"] : json();
  err << "error: "
      << Printable(message.is_string() ? message.get<std::string>()
                                       : "HTTP " + std::to_string(response.status))
      << "\n";
  if (e.contains("fields") && e["fields"].is_object()) {
    for (const auto& [field, code] : e["fields"].items()) {
      err << "  " << Printable(field) << ": "
          << Printable(code.is_string() ? code.get<std::string>() : code.dump()) << "\n";
    }
  }
}

}  // namespace hostplane::cli
