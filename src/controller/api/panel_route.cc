#include "controller/api/panel_route.h"

#include <httplib.h>

#include "controller/panel/panel_files.h"

namespace hostplane::controller {

void MountPanel(httplib::Server& server, const PanelFiles& panel) {
  auto handler = [&panel](const httplib::Request& req, httplib::Response& res) {
    auto reply = panel.Serve({req.method, req.path, req.get_header_value("If-None-Match")});
    if (!reply) {
      res.status = 404;  // the API's error handler writes its 404 or 405
      return;
    }
    res.status = reply->status;
    for (const auto& [name, value] : reply->headers) res.set_header(name, value);
    if (reply->status != 304) res.set_content(reply->body, reply->content_type);
  };
  // httplib answers HEAD with the GET handlers and leaves the body out. The other methods get
  // the panel's 405 on its paths, and the API's 404/405 below /api/ (registered last, so every
  // API route of the method matches first).
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);
}

}  // namespace hostplane::controller
