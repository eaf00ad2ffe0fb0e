#include "protocol/content.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace hostplane::protocol {
namespace {

const std::string kDigest = Blake2bHex("archive");

ContentImportSpec GoodImport() {
  return ContentImportSpec{7, "home", "acme", 2, kContentChunkBytes + 10, kDigest};
}

TEST(ContentSpecTest, RoundTrips) {
  for (const ContentExportSpec& e : {ContentExportSpec{3, "mail", "acme.example"},
                                     ContentExportSpec{4, "database", "acme_shop"}}) {
    auto back = ContentExportSpecFromJson(ToJson(e));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, e);
  }
  auto imported = ContentImportSpecFromJson(ToJson(GoodImport()));
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(*imported, GoodImport());
}

TEST(ContentSpecTest, RefusesEachBadFieldWithItsCode) {
  struct Case {
    const char* name;
    std::function<void(Json&)> mutate;
    const char* field;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"transfer zero", [](Json& j) { j["transfer"] = 0; }, "transfer", "field.range"},
      {"transfer text", [](Json& j) { j["transfer"] = "7"; }, "transfer", "field.type"},
      {"what unknown", [](Json& j) { j["what"] = "etc"; }, "what", "content.what"},
      {"home with a path", [](Json& j) { j["object"] = "../root"; }, "object",
       "login.invalid_character"},
      {"mail domain not canonical",
       [](Json& j) {
         j["what"] = "mail";
         j["object"] = "ACME.example";
       },
       "object", "domain.not_canonical"},
      {"mail object not a domain",
       [](Json& j) {
         j["what"] = "mail";
         j["object"] = "a/b";
       },
       "object", "domain.invalid_character"},
      {"database name with a quote",
       [](Json& j) {
         j["what"] = "database";
         j["object"] = "acme_x`; DROP";
       },
       "object", "db.invalid"},
      {"database name without a prefix",
       [](Json& j) {
         j["what"] = "database";
         j["object"] = "shop";
       },
       "object", "db.invalid"},
      {"no chunks", [](Json& j) { j["chunks"] = 0; }, "chunks", "field.range"},
      {"size beyond the chunks", [](Json& j) { j["bytes"] = 3 * kContentChunkBytes; }, "bytes",
       "content.size"},
      {"size too small for the chunks", [](Json& j) { j["bytes"] = 5; }, "bytes", "content.size"},
      {"digest uppercase", [](Json& j) { j["digest"] = std::string(64, 'A'); }, "digest",
       "content.digest"},
      {"digest missing", [](Json& j) { j.erase("digest"); }, "digest", "field.missing"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(GoodImport());
    c.mutate(j);
    auto r = ContentImportSpecFromJson(j);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << c.name;
    ASSERT_TRUE(r.error().fields.count(c.field)) << c.name << ": " << r.error().message;
    EXPECT_EQ(r.error().fields.at(c.field), c.code) << c.name;
  }
}

TEST(ContentRequestTest, RoundTripsEveryOperation) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  ContentRequest put{"web1", 4, "put", 2, bytes, 0, 0, ""};
  auto p = DecodeContentRequest(Encode(put));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->data, bytes);
  EXPECT_EQ(p->seq, 2);
  ContentRequest seal{"web1", 4, "seal", 0, "", 3, 2 * kContentChunkBytes + 1, kDigest};
  auto s = DecodeContentRequest(Encode(seal));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->chunks, 3);
  EXPECT_EQ(s->digest, kDigest);
  ContentReply reply{true, "", "", bytes};
  auto a = DecodeContentReply(Encode(reply));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->data, bytes);
  ContentReply refusal{false, "transfer.closed", "finished", ""};
  auto b = DecodeContentReply(Encode(refusal));
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->ok);
  EXPECT_EQ(b->code, "transfer.closed");
}

TEST(ContentRequestTest, RefusesBadRequests) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"node":"web1","transfer":1,"op":"delete"})", "op"},
      {R"({"node":"web1","transfer":1,"op":"put","seq":0,"data":"!!"})", "data"},
      {R"({"node":"web1","transfer":1,"op":"put","seq":0,"data":""})", "data"},
      {R"({"node":"web1","transfer":1,"op":"get","seq":-1})", "seq"},
      {R"({"node":"web1","transfer":0,"op":"get","seq":0})", "transfer"},
      {R"({"node":"../x","transfer":1,"op":"get","seq":0})", "node"},
      {R"({"node":"web1","transfer":1,"op":"seal","chunks":1,"bytes":1,"digest":"x"})", "digest"},
  };
  for (const auto& [body, field] : cases) {
    auto r = DecodeContentRequest(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << body;
    EXPECT_TRUE(r.error().fields.count(field)) << body << ": " << r.error().message;
  }
  std::string big(kContentChunkBytes + 1, 'z');
  auto r = DecodeContentRequest(R"({"node":"web1","transfer":1,"op":"put","seq":0,"data":")" +
                                Base64Encode(big) + "\"}");
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace hostplane::protocol
