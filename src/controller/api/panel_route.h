#pragma once

// The panel's files (controller/panel/panel_files.h) on the controller's HTTP front: ApiServer
// calls ServePanel for every request no API route matched, so the API keeps its own 404 and 405
// below /api/ (ServePanel answers nothing there, nor at /healthz and /metrics) and every other
// path is the panel's: a file, index.html for the app's screens, or the panel's 404 or 405. The
// answer is written as PanelFiles made it: its bytes were compressed once at load, and the HTTP
// front adds no coding of its own (for HEAD it sends the headers and the length only).
//
// Stateless; called on the HTTP front's read workers, concurrently (PanelFiles::Serve is const).

#include <optional>

#include "controller/http/http_message.h"

namespace hostplane::controller {

class PanelFiles;

// The panel's answer to request, or nullopt when the path is the API's.
std::optional<http::HttpResponse> ServePanel(const PanelFiles& panel,
                                             const http::HttpRequest& request);

}  // namespace hostplane::controller
