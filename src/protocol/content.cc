#include "protocol/content.h"

#include <algorithm>

#include "common/crypto.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

constexpr int64_t kMaxChunks = kContentMaxBytes / kContentChunkBytes;

bool IsDigest(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "<account>_<suffix>" as database_spec.h makes them (the account is not in the spec, so only
// the shape is checked): [a-z0-9_], at most 64, an underscore neither first nor last.
bool IsDatabaseName(const std::string& s) {
  const size_t us = s.find('_');
  return !s.empty() && s.size() <= 64 && us != std::string::npos && us != 0 && s.back() != '_' &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// transfer, what and object: the members both specs share.
void ReadTarget(const SpecReader& r, int64_t& transfer, std::string& what, std::string& object) {
  if (auto t = r.Integer("transfer", 1, std::numeric_limits<int64_t>::max())) {
    transfer = *t;
  }
  auto w = r.String("what");
  if (w) {
    what = *w;
    if (what != "home" && what != "mail" && what != "database") {
      r.Add("what", {"content.what",
                     "What is copied must be \"home\", \"mail\" or "
                     "\"database\", not " +
                         QuoteForMessage(what) + "."});
    }
  }
  if (auto o = r.String("object")) {
    object = *o;
    if (what == "home") r.CheckCanonical("object", *o, CheckLoginGrammar(*o), "login");
    if (what == "mail") r.CheckCanonical("object", *o, CheckDomain(*o), "domain");
    if (what == "database" && !IsDatabaseName(*o)) {
      r.Add("object", {"db.invalid", "The database name " + QuoteForMessage(*o) +
                                         " is not <account>_<suffix> in a-z, 0-9 and _."});
    }
  }
}

void CheckDigest(const SpecReader& r, const char* key, const std::string& digest) {
  if (!IsDigest(digest)) {
    r.Add(key, {"content.digest", "The digest must be 64 lowercase hex digits (BLAKE2b-256)."});
  }
}

}  // namespace

std::string ContentSubject(const std::string& node) {
  return std::string(kSubjectContent) + "." + node;
}

Json ToJson(const ContentExportSpec& s) {
  return Json{{"transfer", s.transfer}, {"what", s.what}, {"object", s.object}};
}

Result<ContentExportSpec> ContentExportSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("ContentExportSpec: the spec must be an object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  ContentExportSpec s;
  ReadTarget(r, s.transfer, s.what, s.object);
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const ContentImportSpec& s) {
  return Json{{"transfer", s.transfer}, {"what", s.what},   {"object", s.object},
              {"chunks", s.chunks},     {"bytes", s.bytes}, {"digest", s.digest}};
}

Result<ContentImportSpec> ContentImportSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("ContentImportSpec: the spec must be an object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  ContentImportSpec s;
  ReadTarget(r, s.transfer, s.what, s.object);
  if (auto v = r.Integer("chunks", 1, kMaxChunks)) s.chunks = *v;
  if (auto v = r.Integer("bytes", 1, kContentMaxBytes)) s.bytes = *v;
  if (auto v = r.String("digest")) {
    s.digest = *v;
    CheckDigest(r, "digest", s.digest);
  }
  if (errors.empty() &&
      (s.bytes > s.chunks * kContentChunkBytes || s.bytes <= (s.chunks - 1) * kContentChunkBytes)) {
    r.Add("bytes", {"content.size", "The size does not match the number of chunks."});
  }
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

std::string Encode(const ContentRequest& q) {
  Json j{{"node", q.node}, {"transfer", q.transfer}, {"op", q.op}};
  if (q.op == "put" || q.op == "get") j["seq"] = q.seq;
  if (q.op == "put") j["data"] = Base64Encode(q.data);
  if (q.op == "seal") {
    j["chunks"] = q.chunks;
    j["bytes"] = q.bytes;
    j["digest"] = q.digest;
  }
  return DumpMessage(j);
}

Result<ContentRequest> DecodeContentRequest(const std::string& data) {
  constexpr const char* type = "ContentRequest";
  auto j = ParseMessageObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  ContentRequest q;
  auto fail = [&] { return Fail(MessageFieldsError(type, errors)); };
  auto node = r.String("node");
  auto transfer = r.Integer("transfer", 1, std::numeric_limits<int64_t>::max());
  auto op = r.String("op");
  if (!node || !transfer || !op) return fail();
  q.node = *node;
  q.transfer = *transfer;
  q.op = *op;
  HP_TRY(CheckMessageNode(type, q.node));
  if (q.op == "put" || q.op == "get") {
    auto seq = r.Integer("seq", 0, kMaxChunks - 1);
    if (!seq) return fail();
    q.seq = *seq;
  }
  if (q.op == "put") {
    auto b64 = r.String("data");
    if (!b64) return fail();
    auto raw = Base64Decode(*b64);
    if (!raw || raw->empty() || static_cast<int64_t>(raw->size()) > kContentChunkBytes) {
      r.Add("data", {"content.chunk", "A chunk is 1 to " + std::to_string(kContentChunkBytes) +
                                          " bytes of base64."});
      return fail();
    }
    q.data = std::move(*raw);
  } else if (q.op == "seal") {
    auto chunks = r.Integer("chunks", 1, kMaxChunks);
    auto bytes = r.Integer("bytes", 1, kContentMaxBytes);
    auto digest = r.String("digest");
    if (!chunks || !bytes || !digest) return fail();
    q.chunks = *chunks;
    q.bytes = *bytes;
    q.digest = *digest;
    CheckDigest(r, "digest", q.digest);
    if (!errors.empty()) return fail();
  } else if (q.op != "get") {
    r.Add("op", {"content.op", "The operation must be put, seal or get."});
    return fail();
  }
  return q;
}

std::string Encode(const ContentReply& a) {
  Json j{{"ok", a.ok}};
  if (!a.ok) {
    j["code"] = a.code;
    j["error"] = a.error;
  }
  if (!a.data.empty()) j["data"] = Base64Encode(a.data);
  return DumpMessage(j);
}

Result<ContentReply> DecodeContentReply(const std::string& data) {
  constexpr const char* type = "ContentReply";
  auto j = ParseMessageObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  ContentReply a;
  auto ok = r.Bool("ok");
  auto code = r.String("code", std::string());
  auto error = r.String("error", std::string());
  auto b64 = r.String("data", std::string());
  if (!ok || !code || !error || !b64) return Fail(MessageFieldsError(type, errors));
  a.ok = *ok;
  a.code = *code;
  a.error = *error;
  auto raw = Base64Decode(*b64);
  if (!raw || static_cast<int64_t>(raw->size()) > kContentChunkBytes) {
    r.Add("data", {"content.chunk", "A chunk is at most " + std::to_string(kContentChunkBytes) +
                                        " bytes of base64."});
    return Fail(MessageFieldsError(type, errors));
  }
  a.data = std::move(*raw);
  return a;
}

}  // namespace hostplane::protocol
