#include "protocol/file_request.h"

#include <algorithm>
#include <limits>

#include "common/crypto.h"
#include "protocol/messages.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

constexpr int64_t kMaxId = 4'294'967'294;  // the largest uid_t that is not (uid_t)-1
constexpr int64_t kMaxOffset = int64_t{1} << 50;
constexpr int64_t kMaxListLimit = 10'000;

bool IsNonce(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Json RequestJson(const FileRequest& r, bool with_sig) {
  Json j{{"node", r.node},
         {"account", r.account},
         {"uid", r.uid},
         {"gid", r.gid},
         {"op", FileOpName(r.op)},
         {"nonce", r.nonce},
         {"expires_ms", r.expires_ms},
         {"path", r.path},
         {"to", r.to},
         {"paths", r.paths},
         {"overwrite", r.overwrite},
         {"offset", r.offset},
         {"length", r.length},
         {"limit", r.limit},
         {"sort", r.sort},
         {"descending", r.descending},
         {"data", Base64Encode(r.data)},
         {"last", r.last},
         {"exclusive", r.exclusive},
         {"at_once", r.at_once},
         {"mode", r.mode},
         {"signer", r.signer}};
  if (r.if_mtime_ns) j["if_mtime_ns"] = *r.if_mtime_ns;
  if (with_sig) j["sig"] = r.sig;
  return j;
}

ErrorCode CodeFromName(const std::string& name) {
  for (ErrorCode c :
       {ErrorCode::kInvalid, ErrorCode::kNotFound, ErrorCode::kConflict, ErrorCode::kUnauthorized,
        ErrorCode::kForbidden, ErrorCode::kLimit, ErrorCode::kUnavailable, ErrorCode::kTimeout,
        ErrorCode::kIo, ErrorCode::kValidation, ErrorCode::kInternal}) {
    if (name == ErrorCodeName(c)) return c;
  }
  return ErrorCode::kInternal;
}

}  // namespace

std::string FilesSubject(const std::string& node) { return "hp.node." + node + ".files"; }

const char* FileOpName(FileOp op) {
  switch (op) {
    case FileOp::kList:
      return "list";
    case FileOp::kRead:
      return "read";
    case FileOp::kWrite:
      return "write";
    case FileOp::kMkdir:
      return "mkdir";
    case FileOp::kMove:
      return "move";
    case FileOp::kDelete:
      return "delete";
    case FileOp::kChmod:
      return "chmod";
    case FileOp::kCopy:
      return "copy";
    case FileOp::kExtract:
      return "extract";
    case FileOp::kArchive:
      return "archive";
    case FileOp::kEmptyTrash:
      return "empty_trash";
  }
  return "list";
}

Result<FileOp> ParseFileOp(const std::string& name) {
  for (FileOp op : {FileOp::kList, FileOp::kRead, FileOp::kWrite, FileOp::kMkdir, FileOp::kMove,
                    FileOp::kDelete, FileOp::kChmod, FileOp::kCopy, FileOp::kExtract,
                    FileOp::kArchive, FileOp::kEmptyTrash}) {
    if (name == FileOpName(op)) return op;
  }
  return Fail(Error::InvalidField("op", "file.op", "op: not a file operation"));
}

bool IsWriteOp(FileOp op) { return op != FileOp::kList && op != FileOp::kRead; }

std::string Encode(const FileRequest& r) { return DumpMessage(RequestJson(r, true)); }

std::string FileRequestSignedBytes(const FileRequest& r) {
  return "hostplane file-request v1\n" + DumpMessage(RequestJson(r, false));
}

void SignFileRequest(FileRequest& r, const SigningKey& key) {
  r.signer = key.public_key().ToString();
  r.sig = key.Sign(FileRequestSignedBytes(r));
}

Status VerifyFileRequest(const FileRequest& r, const PublicKey& key) {
  if (r.sig.empty()) return Fail(Error::Forbidden("the file request is not signed"));
  if (key.Verify(FileRequestSignedBytes(r), r.sig)) return Ok();
  if (r.signer != key.ToString()) {
    return Fail(Error::Forbidden("the file request is not signed by the pinned controller key " +
                                 key.ToString()));
  }
  return Fail(Error::Forbidden(
      "the file request's signature does not verify: it was changed after it was signed"));
}

Result<FileRequest> DecodeFileRequest(const std::string& data) {
  constexpr const char* type = "FileRequest";
  auto j = ParseMessageObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  FileRequest q;
  auto fail = [&] { return Fail(MessageFieldsError(type, errors)); };
  auto node = r.String("node");
  auto account = r.String("account");
  auto uid = r.Integer("uid", 1, kMaxId);
  auto gid = r.Integer("gid", 1, kMaxId);
  auto op = r.String("op");
  auto nonce = r.String("nonce");
  auto expires = r.Integer("expires_ms", 0, std::numeric_limits<int64_t>::max());
  auto path = r.String("path");
  auto to = r.String("to", std::string());
  auto overwrite = r.Bool("overwrite", false);
  auto paths = r.Strings("paths", std::vector<std::string>{});
  auto offset = r.Integer("offset", 0, kMaxOffset, 0);
  auto length = r.Integer("length", 0, kFileChunkBytes, 0);
  auto limit = r.Integer("limit", 0, kMaxListLimit, 0);
  auto sort = r.String("sort", std::string("name"));
  auto descending = r.Bool("descending", false);
  auto b64 = r.String("data", std::string());
  auto last = r.Bool("last", true);
  auto exclusive = r.Bool("exclusive", false);
  auto at_once = r.Bool("at_once", false);
  auto mode = r.Integer("mode", -1, 0777, -1);
  auto signer = r.String("signer", std::string());
  auto sig = r.String("sig", std::string());
  if (!node || !account || !uid || !gid || !op || !nonce || !expires || !path || !to || !offset ||
      !length || !limit || !sort || !descending || !b64 || !last || !exclusive || !at_once ||
      !mode || !signer || !sig || !overwrite || !paths) {
    return fail();
  }
  HP_TRY(CheckMessageNode(type, *node));
  if (auto login = CheckLoginGrammar(*account); !login || *login != *account) {
    r.Add("account",
          login ? Violation{"login.not_canonical", "The login is not canonical."} : login.error());
    return fail();
  }
  auto parsed_op = ParseFileOp(*op);
  if (!parsed_op) {
    r.Add("op", {"file.op", "Not a file operation."});
    return fail();
  }
  if (!IsNonce(*nonce)) {
    r.Add("nonce", {"file.nonce", "A nonce is 32 lowercase hex characters."});
    return fail();
  }
  if (*sort != "name" && *sort != "size" && *sort != "mtime") {
    r.Add("sort", {"file.sort", "Sort by name, size or mtime."});
    return fail();
  }
  if (paths->size() > kMaxArchivePaths) {
    r.Add("paths", {"file.paths",
                    "An archive names at most " + std::to_string(kMaxArchivePaths) + " paths."});
    return fail();
  }
  auto raw = Base64Decode(*b64);
  if (!raw || static_cast<int64_t>(raw->size()) > kFileChunkBytes) {
    r.Add("data", {"file.chunk",
                   "A chunk is at most " + std::to_string(kFileChunkBytes) + " bytes of base64."});
    return fail();
  }
  if (r.Has("if_mtime_ns")) {
    auto m = r.Integer("if_mtime_ns", 0, std::numeric_limits<int64_t>::max());
    if (!m) return fail();
    q.if_mtime_ns = *m;
  }
  q.node = *node;
  q.account = *account;
  q.uid = *uid;
  q.gid = *gid;
  q.op = *parsed_op;
  q.nonce = *nonce;
  q.expires_ms = *expires;
  q.path = *path;
  q.to = *to;
  q.overwrite = *overwrite;
  q.paths = std::move(*paths);
  q.offset = *offset;
  q.length = *length;
  q.limit = *limit;
  q.sort = *sort;
  q.descending = *descending;
  q.data = std::move(*raw);
  q.last = *last;
  q.exclusive = *exclusive;
  q.at_once = *at_once;
  q.mode = *mode;
  q.signer = *signer;
  q.sig = *sig;
  return q;
}

std::string Encode(const FileReply& a) {
  Json j{{"ok", a.ok}};
  if (!a.ok) {
    j["code"] = a.code;
    j["error"] = a.error;
    j["fields"] = a.fields;
  }
  if (!a.entries.empty() || a.total != 0) {
    Json entries = Json::array();
    for (const auto& e : a.entries) {
      entries.push_back({{"name", e.name},
                         {"type", e.type},
                         {"size", e.size},
                         {"mtime_ns", e.mtime_ns},
                         {"mode", e.mode}});
    }
    j["entries"] = std::move(entries);
    j["total"] = a.total;
  }
  if (!a.data.empty()) j["data"] = Base64Encode(a.data);
  j["size"] = a.size;
  j["mtime_ns"] = a.mtime_ns;
  j["eof"] = a.eof;
  j["done"] = a.done;
  if (!a.trash.empty()) j["trash"] = a.trash;
  return DumpMessage(j);
}

Result<FileReply> DecodeFileReply(const std::string& data) {
  constexpr const char* type = "FileReply";
  auto j = ParseMessageObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  FileReply a;
  auto fail = [&] { return Fail(MessageFieldsError(type, errors)); };
  auto ok = r.Bool("ok");
  auto code = r.String("code", std::string());
  auto error = r.String("error", std::string());
  auto b64 = r.String("data", std::string());
  auto total = r.Integer("total", 0, std::numeric_limits<int64_t>::max(), 0);
  auto size = r.Integer("size", 0, std::numeric_limits<int64_t>::max(), 0);
  auto mtime = r.Integer("mtime_ns", 0, std::numeric_limits<int64_t>::max(), 0);
  auto eof = r.Bool("eof", false);
  auto done = r.Bool("done", false);
  auto trash = r.String("trash", std::string());
  if (!ok || !code || !error || !b64 || !total || !size || !mtime || !eof || !done || !trash) {
    return fail();
  }
  if (const Json* fields = r.Has("fields") ? r.Object("fields") : nullptr) {
    for (const auto& [k, v] : fields->items()) {
      if (!v.is_string()) {
        r.Add("fields", {"message.type", "Field codes are strings."});
        return fail();
      }
      a.fields[k] = v.get<std::string>();
    }
  }
  if (const Json* entries = r.Array("entries", true)) {
    for (size_t i = 0; i < entries->size(); ++i) {
      auto item = r.ObjectItem(*entries, "entries", i);
      if (!item) return fail();
      FileReplyEntry e;
      auto name = item->String("name");
      auto t = item->String("type");
      auto s = item->Integer("size", 0, std::numeric_limits<int64_t>::max());
      auto m = item->Integer("mtime_ns", 0, std::numeric_limits<int64_t>::max());
      auto md = item->Integer("mode", 0, 0777);
      if (!name || !t || !s || !m || !md) return fail();
      a.entries.push_back({*name, *t, *s, *m, *md});
    }
  }
  auto raw = Base64Decode(*b64);
  if (!raw || static_cast<int64_t>(raw->size()) > kFileChunkBytes) {
    r.Add("data", {"file.chunk",
                   "A chunk is at most " + std::to_string(kFileChunkBytes) + " bytes of base64."});
    return fail();
  }
  a.ok = *ok;
  a.code = *code;
  a.error = *error;
  a.data = std::move(*raw);
  a.total = *total;
  a.size = *size;
  a.mtime_ns = *mtime;
  a.eof = *eof;
  a.done = *done;
  a.trash = *trash;
  return a;
}

FileReply FileReplyFromError(const Error& e) {
  FileReply r;
  r.ok = false;
  r.code = ErrorCodeName(e.code);
  r.error = e.message;
  r.fields = e.fields;
  return r;
}

Error FileReplyError(const FileReply& r) { return Error{CodeFromName(r.code), r.error, r.fields}; }

}  // namespace hostplane::protocol
