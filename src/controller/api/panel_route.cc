#include "controller/api/panel_route.h"

#include <httplib.h>

#include <memory>
#include <string>

#include "controller/panel/panel_files.h"

namespace hostplane::controller {

void MountPanel(httplib::Server& server, const PanelFiles& panel) {
  auto handler = [&panel](const httplib::Request& req, httplib::Response& res) {
    const std::string if_none_match = req.get_header_value("If-None-Match");
    const std::string accept_encoding = req.get_header_value("Accept-Encoding");
    auto reply = panel.Serve({req.method, req.path, if_none_match, accept_encoding});
    if (!reply) {
      res.status = 404;  // the API's error handler writes its 404 or 405
      return;
    }
    res.status = reply->status;
    for (const auto& [name, value] : reply->headers) res.set_header(name, value);
    if (reply->body.empty()) return;
    if (reply->status >= 400) {
      // A small JSON error, set as content so that ApiServer's error handler, which rewrites
      // every >= 400 answer without a body, leaves it as it is.
      res.set_content(reply->body, reply->content_type);
      return;
    }
    // A content provider of known length, because httplib compresses a body set with
    // set_content itself (brotli at quality 11: 0.2-0.4 s for the panel's script, on every
    // request); PanelFiles compressed it once at load already.
    auto body = std::make_shared<const std::string>(std::move(reply->body));
    res.set_content_provider(body->size(), reply->content_type,
                             [body](size_t offset, size_t length, httplib::DataSink& sink) {
                               return sink.write(body->data() + offset, length);
                             });
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
