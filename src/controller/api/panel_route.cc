#include "controller/api/panel_route.h"

#include <string>
#include <utility>

#include "controller/panel/panel_files.h"

namespace hostplane::controller {

std::optional<http::HttpResponse> ServePanel(const PanelFiles& panel,
                                             const http::HttpRequest& request) {
  const std::string if_none_match = request.get_header_value("If-None-Match");
  const std::string accept_encoding = request.get_header_value("Accept-Encoding");
  auto reply = panel.Serve({request.method, request.path, if_none_match, accept_encoding});
  if (!reply) return std::nullopt;
  http::HttpResponse response;
  response.status = reply->status;
  response.content_type = std::move(reply->content_type);
  response.body = std::move(reply->body);
  response.headers = std::move(reply->headers);
  return response;
}

}  // namespace hostplane::controller
