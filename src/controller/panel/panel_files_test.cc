#include "controller/panel/panel_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/fs/filesystem.h"

namespace hostplane::controller {
namespace {

// A panel build in a temporary directory, laid out as Vite writes it.
class PanelDir {
 public:
  PanelDir() {
    char tmpl[] = "/tmp/hp-panel.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
    files_ = std::make_unique<PosixFilesystem>(path_);
  }
  ~PanelDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void Write(const std::string& rel, const std::string& content) {
    ASSERT_TRUE(files_->WriteFileAtomic(rel, content, 0644));
  }
  Filesystem& files() { return *files_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<PosixFilesystem> files_;
};

constexpr const char* kIndex =
    "<!doctype html><html lang=\"en\"><script type=\"module\" "
    "src=\"/assets/index-AbC123.js\"></script><div id=\"app\"></div></html>";

class PanelFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    dir_.Write("index.html", kIndex);
    dir_.Write("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    dir_.Write("assets/index-AbC123.js", "console.log('panel');");
    dir_.Write("assets/index-Xyz789.css", "body{margin:0}");
    auto panel = PanelFiles::Load(dir_.files());
    ASSERT_TRUE(panel) << panel.error().message;
    panel_ = std::make_unique<PanelFiles>(std::move(*panel));
  }

  PanelReply Get(std::string_view path, std::string_view if_none_match = "") {
    auto reply = panel_->Serve({"GET", path, if_none_match, ""});
    EXPECT_TRUE(reply.has_value()) << path;
    return reply.value_or(PanelReply{});
  }

  static std::string Header(const PanelReply& reply, const std::string& name) {
    for (const auto& [n, v] : reply.headers) {
      if (n == name) return v;
    }
    return "";
  }

  PanelDir dir_;
  std::unique_ptr<PanelFiles> panel_;
};

TEST_F(PanelFilesTest, LoadsTheTopFilesAndTheAssets) { EXPECT_EQ(panel_->file_count(), 4u); }

TEST(PanelFilesLoad, RefusesADirectoryWithoutIndexHtml) {
  PanelDir dir;
  dir.Write("assets/index-AbC123.js", "x");
  auto panel = PanelFiles::Load(dir.files());
  ASSERT_FALSE(panel);
  EXPECT_EQ(panel.error().code, ErrorCode::kInvalid);
  EXPECT_NE(panel.error().message.find("index.html"), std::string::npos);
}

TEST(PanelFilesLoad, RefusesAnUnexpectedDirectory) {
  PanelDir dir;
  dir.Write("index.html", kIndex);
  dir.Write("other/x.js", "x");
  auto panel = PanelFiles::Load(dir.files());
  ASSERT_FALSE(panel);
  EXPECT_EQ(panel.error().code, ErrorCode::kIo);
}

TEST_F(PanelFilesTest, LeavesTheApiPathsToTheApi) {
  for (const char* path :
       {"/api", "/api/", "/api/v1/sites", "/api/v1/nope", "/healthz", "/metrics"}) {
    EXPECT_FALSE(panel_->Serve({"GET", path, "", ""}).has_value()) << path;
    EXPECT_FALSE(panel_->Serve({"POST", path, "", ""}).has_value()) << path;
  }
  // Only whole segments: these are the app's.
  EXPECT_EQ(Get("/apis").body, kIndex);
  EXPECT_EQ(Get("/healthz2").body, kIndex);
}

TEST_F(PanelFilesTest, AnswersTheAppsRoutesWithIndexHtml) {
  for (const char* path :
       {"/", "/sign-in", "/forgot-password", "/sites/shop.acme.example",
        "/mailboxes/info@acme.example", "/no/such/screen", "/../../etc/passwd", "/index.html"}) {
    PanelReply reply = Get(path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(reply.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(reply.body, kIndex) << path;
    EXPECT_EQ(Header(reply, "Cache-Control"), "no-cache") << path;
  }
}

TEST_F(PanelFilesTest, ServesHashedAssetsAsImmutable) {
  PanelReply js = Get("/assets/index-AbC123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log('panel');");
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  PanelReply css = Get("/assets/index-Xyz789.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  PanelReply icon = Get("/favicon.svg");
  EXPECT_EQ(icon.content_type, "image/svg+xml");
  EXPECT_EQ(Header(icon, "Cache-Control"), "no-cache");
}

TEST_F(PanelFilesTest, MissingFilesAreNotFoundNotTheApp) {
  for (const char* path : {"/assets/index-Old000.js", "/assets/", "/assets/x", "/favicon.ico",
                           "/robots.txt", "/sites/app.js"}) {
    PanelReply reply = Get(path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.content_type, "application/json") << path;
    auto body = nlohmann::json::parse(reply.body, nullptr, false);
    EXPECT_EQ(body["error"]["code"], "not_found") << path;
    EXPECT_FALSE(Header(reply, "Content-Security-Policy").empty()) << path;
  }
}

TEST_F(PanelFilesTest, EveryAnswerCarriesTheSecurityHeaders) {
  for (const PanelReply& reply : {Get("/"), Get("/assets/index-AbC123.js"), Get("/assets/nope.js"),
                                  *panel_->Serve({"POST", "/sign-in", "", ""})}) {
    std::string csp = Header(reply, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("style-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
    EXPECT_EQ(Header(reply, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(Header(reply, "Referrer-Policy"), "same-origin");
    EXPECT_EQ(Header(reply, "X-Frame-Options"), "DENY");
  }
}

TEST_F(PanelFilesTest, RevalidatesWithTheETag) {
  PanelReply first = Get("/");
  std::string etag = Header(first, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // quoted 32 hex digits
  EXPECT_EQ(etag.front(), '"');
  const std::vector<std::string> matching = {etag, "W/" + etag, "\"other\", " + etag, "*",
                                             " " + etag + " ,\"x\""};
  for (const std::string& header : matching) {
    PanelReply again = Get("/", header);
    EXPECT_EQ(again.status, 304) << header;
    EXPECT_TRUE(again.body.empty()) << header;
    EXPECT_EQ(Header(again, "ETag"), etag) << header;
  }
  EXPECT_EQ(Get("/", "\"other\"").status, 200);
  // A screen's path has the ETag of index.html; an asset has its own.
  EXPECT_EQ(Header(Get("/sign-in"), "ETag"), etag);
  EXPECT_NE(Header(Get("/assets/index-AbC123.js"), "ETag"), etag);
}

TEST_F(PanelFilesTest, SendsTextCompressedOnceAsTheRequestAccepts) {
  // A script big enough to be worth compressing.
  std::string script;
  for (int i = 0; i < 500; ++i) script += "console.log('panel line " + std::to_string(i) + "');\n";
  dir_.Write("assets/big-Big000.js", script);
  dir_.Write("assets/logo-Png000.png", std::string(300, 'x'));
  auto loaded = PanelFiles::Load(dir_.files());
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto get = [&](std::string_view path, std::string_view accept, std::string_view etag = "") {
    return *loaded->Serve({"GET", path, etag, accept});
  };

  PanelReply plain = get("/assets/big-Big000.js", "");
  EXPECT_EQ(plain.body, script);
  EXPECT_EQ(Header(plain, "Content-Encoding"), "");
  EXPECT_EQ(Header(plain, "Vary"), "Accept-Encoding");

  PanelReply br = get("/assets/big-Big000.js", "gzip, deflate, br, zstd");
  EXPECT_EQ(Header(br, "Content-Encoding"), "br");
  EXPECT_LT(br.body.size(), script.size() / 4);
  PanelReply gzip = get("/assets/big-Big000.js", "gzip, br;q=0");
  EXPECT_EQ(Header(gzip, "Content-Encoding"), "gzip");
  EXPECT_EQ(static_cast<unsigned char>(gzip.body[0]), 0x1f);

  // Each representation has its own validator.
  std::set<std::string> etags = {Header(plain, "ETag"), Header(br, "ETag"), Header(gzip, "ETag")};
  EXPECT_EQ(etags.size(), 3u);
  EXPECT_EQ(get("/assets/big-Big000.js", "br", Header(br, "ETag")).status, 304);
  EXPECT_EQ(get("/assets/big-Big000.js", "br", Header(plain, "ETag")).status, 200);

  // A PNG is compressed already: sent as it is, whatever the request accepts.
  PanelReply png = get("/assets/logo-Png000.png", "br, gzip");
  EXPECT_EQ(Header(png, "Content-Encoding"), "");
  EXPECT_EQ(Header(png, "Vary"), "");
  EXPECT_EQ(png.body, std::string(300, 'x'));
}

TEST_F(PanelFilesTest, RefusesMethodsOtherThanGetAndHead) {
  auto head = panel_->Serve({"HEAD", "/sign-in", "", ""});
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    auto reply = panel_->Serve({method, "/sign-in", "", ""});
    ASSERT_TRUE(reply) << method;
    EXPECT_EQ(reply->status, 405) << method;
    EXPECT_EQ(Header(*reply, "Allow"), "GET, HEAD") << method;
    auto body = nlohmann::json::parse(reply->body, nullptr, false);
    EXPECT_EQ(body["error"]["code"], "method_not_allowed") << method;
  }
}

}  // namespace
}  // namespace hostplane::controller
