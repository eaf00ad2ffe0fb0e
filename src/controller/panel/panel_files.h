#pragma once

// The panel's built files (web/, built by Vite into <build>/panel beside the hostplane binary),
// read into memory once at start and answered from there: the controller serves the panel on
// the same origin as /api/v1, so the session cookie and the CSRF check need no CORS.
//
// Serve() decides the whole answer to a GET or HEAD that is not for the API: a file of the build
// (hashed files under /assets/ cached for a year as immutable, everything else revalidated with
// its ETag; text compressed with brotli or gzip once at load, as the request accepts), index.html
// for every other path (the app's routes: /sign-in, /sites/shop.example), and a 404 for a missing
// file under /assets/ or with a file extension (a stale or mistyped asset must not come back as
// HTML). Every answer carries the security headers (SecurityHeaders(): a strict CSP with script-src
// 'self' and no inline script or style, nosniff, Referrer-Policy, frame-ancestors 'none'). Nothing
// is read from disk after Load, so no request path can reach the filesystem: a path is only ever a
// key of the in-memory map.
//
// Independent of any HTTP library: the controller's HTTP front (controller/http) asks it through
// controller/api/panel_route.h for every request no API route matched.
// Load is called once by the owner (the controller runtime); Serve is const and thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::controller {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct PanelRequest {
  std::string_view method;           // "GET", "HEAD", ...
  std::string_view path;             // percent-decoded, without the query ("/assets/index-x.js")
  std::string_view if_none_match;    // the If-None-Match header, "" when absent
  std::string_view accept_encoding;  // the Accept-Encoding header, "" when absent
};

struct PanelReply {
  int status = 200;
  std::string content_type;
  // The file's bytes, compressed when Content-Encoding in headers says so (empty for 304; for
  // HEAD the HTTP server sends the headers only); the body of an error is the API's error JSON.
  // The HTTP server must send it as it is: it is compressed already when it should be.
  std::string body;
  HeaderList headers;  // security headers, Cache-Control, ETag, Vary, Content-Encoding, Allow
};

class PanelFiles {
 public:
  // Reads every file of the panel directory that `files` is rooted at: the files at its top
  // (index.html, favicon.svg) and those under assets/, and compresses the text ones. Errors: kIo
  // (a file cannot be read, or a directory other than assets/), kInvalid (no index.html: not a
  // panel build), kInternal (a compressor failed).
  [[nodiscard]] static Result<PanelFiles> Load(Filesystem& files);

  // nullopt for the paths the panel never answers (/api and below, /healthz, /metrics): the API
  // answers those, including its own 404 and 405. Otherwise the complete answer; a method other
  // than GET and HEAD gets 405 with Allow: GET, HEAD.
  std::optional<PanelReply> Serve(const PanelRequest& request) const;

  // The headers every panel answer carries (also for 304 and errors).
  static const HeaderList& SecurityHeaders();

  size_t file_count() const { return files_.size(); }

 private:
  // One representation of a file: its bytes in one content coding, with its own ETag.
  struct Coded {
    std::string body;
    std::string etag;  // "\"<first 32 hex digits of BLAKE2b-256 of the file>[-gzip|-br]\""
  };
  struct File {
    std::string content_type;
    Coded identity;
    std::optional<Coded> gzip;  // when it is smaller
    std::optional<Coded> br;
    bool immutable = false;
  };
  PanelReply Answer(const File& file, const PanelRequest& request, int status) const;

  std::map<std::string, File, std::less<>> files_;  // by URL path: "/index.html", "/assets/x.js"
};

}  // namespace hostplane::controller
