#pragma once

// Mounts the panel's files (controller/panel/panel_files.h) on today's cpp-httplib server as the
// last route of every method, after every API route: what PanelFiles does not answer (/api/...,
// /healthz, /metrics) falls through as a bodiless 404 to ApiServer's error handler, which writes
// the API's own 404 or 405. When the Boost.Beast server of issue 12 replaces cpp-httplib, its
// handler calls PanelFiles::Serve the same way for a path no API route matched; this file goes with
// httplib.

namespace httplib {
class Server;
}  // namespace httplib

namespace hostplane::controller {

class PanelFiles;

// `panel` must outlive the server.
void MountPanel(httplib::Server& server, const PanelFiles& panel);

}  // namespace hostplane::controller
