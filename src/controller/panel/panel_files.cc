#include "controller/panel/panel_files.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "controller/panel/compression.h"

namespace hostplane::controller {
namespace {

constexpr std::string_view kAssetsDir = "assets";

// Content types of the files a Vite build writes. Text types say their charset: the build is
// UTF-8, and nosniff forbids the browser to guess.
std::string ContentTypeFor(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    auto it = kTypes.find(name.substr(dot));
    if (it != kTypes.end()) return std::string(it->second);
  }
  return "application/octet-stream";
}

// The types worth compressing (images other than SVG and fonts are compressed already).
bool Compressible(std::string_view content_type) {
  return content_type.substr(0, 5) == "text/" || content_type == "image/svg+xml" ||
         content_type == "application/json" || content_type == "application/manifest+json";
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The API answers these paths (and its own 404/405 below /api/).
bool IsApiPath(std::string_view path) {
  return path == "/api" || StartsWith(path, "/api/") || path == "/healthz" || path == "/metrics";
}

// A path that names a file rather than a screen: under /assets/, or whose last segment ends in
// an extension of the build's files. Screens' paths may hold dots (/sites/shop.example), but no
// domain ends in .js, .css, .map and the like.
bool LooksLikeFile(std::string_view path) {
  if (StartsWith(path, "/assets/")) return true;
  std::string_view last = path.substr(path.rfind('/') + 1);
  size_t dot = last.rfind('.');
  if (dot == std::string_view::npos) return false;
  return ContentTypeFor(last) != "application/octet-stream";
}

// True when If-None-Match lists etag (or is "*"); weak validators compare as equal (RFC 9110
// 13.1.2 uses the weak comparison for If-None-Match).
bool NoneMatch(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item =
        header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (StartsWith(item, "W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  nlohmann::json j = {
      {"error", {{"code", code}, {"message", message}, {"fields", nlohmann::json::object()}}}};
  return j.dump();
}

}  // namespace

const HeaderList& PanelFiles::SecurityHeaders() {
  // CSP: everything from this origin only; no inline script or style, no eval, no plugins, no
  // <base>, forms post only here, and no framing (clickjacking). Referrer-Policy same-origin: the
  // API's CSRF check may fall back on the Referer of our own pages, other sites learn nothing.
  static const HeaderList kHeaders = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"},
  };
  return kHeaders;
}

Result<PanelFiles> PanelFiles::Load(Filesystem& files) {
  PanelFiles panel;
  auto add = [&](const std::string& rel) -> Status {
    auto content = files.ReadFile(rel);
    if (!content) return Fail(content.error());
    if (!*content) return Fail(Error::Io("the panel file " + files.HostPath(rel) + " vanished"));
    File file;
    file.content_type = ContentTypeFor(rel);
    const std::string hash = Blake2bHex(**content).substr(0, 32);
    file.identity = {std::move(**content), "\"" + hash + "\""};
    if (Compressible(file.content_type)) {
      auto gzip = GzipCompress(file.identity.body);
      if (!gzip) return Fail(gzip.error());
      if (gzip->size() < file.identity.body.size()) {
        file.gzip = Coded{std::move(*gzip), "\"" + hash + "-gzip\""};
      }
      auto br = BrotliCompress(file.identity.body);
      if (!br) return Fail(br.error());
      if (br->size() < file.identity.body.size()) {
        file.br = Coded{std::move(*br), "\"" + hash + "-br\""};
      }
    }
    // Vite names every file under assets/ by its content hash: a new build makes new names.
    file.immutable = StartsWith(rel, std::string(kAssetsDir) + "/");
    panel.files_.emplace("/" + rel, std::move(file));
    return Ok();
  };
  HP_ASSIGN_OR_RETURN(auto top, files.ListDir(""));
  for (const std::string& name : top) {
    if (name == kAssetsDir) {
      HP_ASSIGN_OR_RETURN(auto assets, files.ListDir(name));
      for (const std::string& asset : assets) HP_TRY(add(name + "/" + asset));
    } else {
      HP_TRY(add(name));
    }
  }
  if (panel.files_.count("/index.html") == 0) {
    return Fail(Error::Invalid(files.HostPath("") + " has no index.html: not a built panel"));
  }
  return panel;
}

std::optional<PanelReply> PanelFiles::Serve(const PanelRequest& request) const {
  if (IsApiPath(request.path)) return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") {
    PanelReply reply;
    reply.status = 405;
    reply.content_type = "application/json";
    reply.body = ErrorBody("method_not_allowed", "Method " + std::string(request.method) +
                                                     " is not allowed here; use GET, HEAD.");
    reply.headers = SecurityHeaders();
    reply.headers.emplace_back("Allow", "GET, HEAD");
    return reply;
  }
  if (auto it = files_.find(request.path); it != files_.end()) {
    return Answer(it->second, request, 200);
  }
  if (LooksLikeFile(request.path)) {
    PanelReply reply;
    reply.status = 404;
    reply.content_type = "application/json";
    reply.body = ErrorBody("not_found", "No such file.");
    reply.headers = SecurityHeaders();
    reply.headers.emplace_back("Cache-Control", "no-cache");
    return reply;
  }
  return Answer(files_.at("/index.html"), request, 200);
}

PanelReply PanelFiles::Answer(const File& file, const PanelRequest& request, int status) const {
  PanelReply reply;
  reply.content_type = file.content_type;
  reply.headers = SecurityHeaders();
  reply.headers.emplace_back("Cache-Control",
                             file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  // brotli when accepted (smaller), else gzip, else the bytes as they are.
  const Coded* coded = &file.identity;
  std::string encoding;
  if (file.gzip || file.br) {
    reply.headers.emplace_back("Vary", "Accept-Encoding");
    if (file.br && AcceptsEncoding(request.accept_encoding, "br")) {
      coded = &*file.br;
      encoding = "br";
    } else if (file.gzip && AcceptsEncoding(request.accept_encoding, "gzip")) {
      coded = &*file.gzip;
      encoding = "gzip";
    }
  }
  reply.headers.emplace_back("ETag", coded->etag);
  if (!request.if_none_match.empty() && NoneMatch(request.if_none_match, coded->etag)) {
    reply.status = 304;
    return reply;
  }
  if (!encoding.empty()) reply.headers.emplace_back("Content-Encoding", encoding);
  reply.status = status;
  reply.body = coded->body;
  return reply;
}

}  // namespace hostplane::controller
