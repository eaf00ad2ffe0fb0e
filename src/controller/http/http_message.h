#pragma once

// One HTTP request and its answer as the controller's handlers see them, with no Beast type in
// sight: HttpServer (http_server.h) fills an HttpRequest from the parsed message and writes the
// HttpResponse back. The request's accessors keep the names the REST handlers were written
// against (body, params, has_param, get_param_value ...), so moving them onto this server changed
// no handler. A request is read by one thread at a time; nothing here is shared.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hostplane::controller::http {

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // as sent: "/api/v1/sites?customer=acme"
  // The path with each segment percent-decoded ("/api/v1/mailboxes/info@acme.example"); a "%2F"
  // stays inside its segment for the router (segments below), never becomes a separator.
  std::string path;
  std::vector<std::string> segments;  // the decoded segments of the path, without the '/'s
  // Query parameters, decoded ('+' is a space), in order; a name may appear more than once.
  std::multimap<std::string, std::string> params;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  std::string remote_address;  // the peer's IP address, for logs

  bool has_param(const std::string& name) const { return params.count(name) > 0; }
  // The first value of name ("" when absent).
  std::string get_param_value(const std::string& name) const;
  size_t get_param_value_count(const std::string& name) const { return params.count(name); }
  // The first header of that name, compared without case ("" when absent).
  std::string get_header_value(std::string_view name) const;
};

// Splits a request target into the path's decoded segments and the decoded query parameters.
// Invalid percent escapes stay as they are (the handlers' grammars refuse what they do not know).
void ParseTarget(std::string_view target, HttpRequest& request);

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this answer
};

// An answer that is not ready yet: a long poll (GET /api/v1/tasks/{id}/wait) or, later, a
// stream. It holds no thread while it waits: the server calls `poll` on a worker thread whenever
// HttpServer::Wake() is called and at least every HttpServerOptions::recheck, and once more with
// deadline_passed = true at the deadline, when it must answer. A response ends the wait.
struct LongPoll {
  std::chrono::steady_clock::time_point deadline;
  std::function<std::optional<HttpResponse>(bool deadline_passed)> poll;
};

using HttpReply = std::variant<HttpResponse, LongPoll>;

// What the server asks of whoever answers requests (the REST API). Called concurrently.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // On the server's I/O thread as soon as the request's header is read, before any byte of the
  // body: the most body bytes this request may send (a larger one gets 413 unread). Must not
  // block.
  virtual size_t BodyLimit(const HttpRequest& head) const = 0;
  // On a worker thread, with the whole request. May block (store reads and writes).
  virtual HttpReply Handle(const HttpRequest& request) = 0;
  // A refusal the server itself makes (400, 408, 413, 431, 503) in the API's error shape:
  // `code` is machine-readable ("too_large"), `message` a sentence.
  virtual HttpResponse Refusal(int status, const std::string& code,
                               const std::string& message) const = 0;
};

}  // namespace hostplane::controller::http
