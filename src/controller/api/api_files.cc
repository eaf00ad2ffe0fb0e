// The file manager's routes (issue 20): /api/v1/customers/{login}/files...; each calls
// FileService::Run (services/file_service.h), which checks the paths, authorises, limits the
// rate, sends the signed request to the node and audits the writes. Contents travel in chunks of
// protocol::kFileChunkBytes between the controller and the node; one HTTP request carries at
// most kMaxTransferBytes (larger files: several requests with offset/length, or offset/last).

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"

namespace hostplane::controller {

using namespace api;

namespace {

constexpr int64_t kMaxTransferBytes = 64 * 1024 * 1024;

json EntriesJson(const protocol::FileReply& r) {
  json entries = json::array();
  for (const auto& e : r.entries) {
    json j{{"name", e.name}, {"type", e.type}};
    if (e.type != "foreign") {
      j["size"] = e.size;
      j["mtime_ns"] = e.mtime_ns;
      j["mode"] = e.mode;
    }
    entries.push_back(std::move(j));
  }
  return entries;
}

FileOpInput Base(const ApiCall& call, QueryReader& q, protocol::FileOp op) {
  FileOpInput in;
  in.customer = call.path.at("login");
  in.node = q.String("node").value_or("");
  in.op = op;
  in.path = q.String("path").value_or("");
  return in;
}

// The routes whose parameters come in a JSON body: no query parameter, the body parsed.
Result<json> FileOpBody(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  return ParseJsonObject(call.req.body);
}

// Their input: the customer of the path, the operation, and the body's optional "node".
FileOpInput BodyBase(const ApiCall& call, BodyReader& r, protocol::FileOp op) {
  FileOpInput in;
  in.customer = call.path.at("login");
  in.op = op;
  in.node = r.String("node", Presence::kOptional).value_or("");
  return in;
}

// The body's "from" (which the service checks as "path") in the error, as the caller named it.
Error RenamePathField(Error e, const std::string& to) {
  if (auto it = e.fields.find("path"); it != e.fields.end()) {
    e.fields[to] = it->second;
    e.fields.erase(it);
  }
  return e;
}

}  // namespace

Result<ApiReply> ApiServer::ListFiles(const ApiCall& call) {
  QueryReader q(call.req, {"path", "node", "offset", "limit", "sort", "order"});
  FileOpInput in = Base(call, q, protocol::FileOp::kList);
  in.offset = q.Integer("offset", 0, INT64_MAX).value_or(0);
  in.limit = q.Integer("limit", 1, kMaxLimit).value_or(kDefaultLimit);
  in.sort = q.String("sort").value_or("name");
  const std::string order = q.String("order").value_or("asc");
  HP_TRY(q.Finish());
  if (in.sort != "name" && in.sort != "size" && in.sort != "mtime") {
    return Fail(Error::InvalidField("sort", "files.sort", "sort: name, size or mtime"));
  }
  if (order != "asc" && order != "desc") {
    return Fail(Error::InvalidField("order", "files.order", "order: asc or desc"));
  }
  in.descending = order == "desc";
  HP_ASSIGN_OR_RETURN(auto reply, hosting_.files().Run(call.actor, in));
  return Reply(200, {{"path", in.path},
                     {"entries", EntriesJson(reply)},
                     {"total", reply.total},
                     {"offset", in.offset}});
}

Result<ApiReply> ApiServer::DownloadFile(const ApiCall& call) {
  QueryReader q(call.req, {"path", "node", "offset", "length"});
  FileOpInput in = Base(call, q, protocol::FileOp::kRead);
  int64_t offset = q.Integer("offset", 0, INT64_MAX).value_or(0);
  const auto length = q.Integer("length", 1, kMaxTransferBytes);
  HP_TRY(q.Finish());
  std::string body;
  int64_t size = 0, mtime = 0;
  const int64_t want = length.value_or(kMaxTransferBytes);
  while (static_cast<int64_t>(body.size()) < want) {
    in.offset = offset;
    in.length =
        std::min<int64_t>(protocol::kFileChunkBytes, want - static_cast<int64_t>(body.size()));
    HP_ASSIGN_OR_RETURN(auto chunk, hosting_.files().Run(call.actor, in));
    if (mtime != 0 && chunk.mtime_ns != mtime) {
      return Fail(Error{ErrorCode::kConflict,
                        "the file changed while it was being read",
                        {{"path", "file.changed"}}});
    }
    size = chunk.size;
    mtime = chunk.mtime_ns;
    body += chunk.data;
    offset += static_cast<int64_t>(chunk.data.size());
    if (chunk.eof || chunk.data.empty()) break;
  }
  if (!length && offset < size) {
    return Fail(Error{ErrorCode::kLimit,
                      "the file is larger than one download carries (" +
                          std::to_string(kMaxTransferBytes) + " bytes): use offset and length",
                      {{"path", "files.too_large"}}});
  }
  ApiReply r;
  r.status = 200;
  r.raw = std::move(body);
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("X-File-Size", std::to_string(size));
  r.headers.emplace_back("X-File-Mtime-Ns", std::to_string(mtime));
  return r;
}

Result<ApiReply> ApiServer::UploadFile(const ApiCall& call) {
  QueryReader q(call.req, {"path", "node", "offset", "last", "exclusive", "if_mtime_ns", "mode"});
  FileOpInput in = Base(call, q, protocol::FileOp::kWrite);
  int64_t offset = q.Integer("offset", 0, INT64_MAX).value_or(0);
  const bool last = !call.req.has_param("last") || q.Bool("last");
  in.exclusive = q.Bool("exclusive");
  in.if_mtime_ns = q.Integer("if_mtime_ns", 0, INT64_MAX);
  in.mode = q.Integer("mode", 0, 0777).value_or(-1);
  HP_TRY(q.Finish());
  const std::string& body = call.req.body;
  protocol::FileReply reply;
  size_t at = 0;
  do {
    const size_t n = std::min<size_t>(protocol::kFileChunkBytes, body.size() - at);
    in.offset = offset;
    in.data = body.substr(at, n);
    at += n;
    in.last = last && at == body.size();
    HP_ASSIGN_OR_RETURN(reply, hosting_.files().Run(call.actor, in));
    offset += static_cast<int64_t>(n);
  } while (at < body.size());
  return Reply(200, {{"path", in.path},
                     {"size", reply.size},
                     {"mtime_ns", reply.mtime_ns},
                     {"done", reply.done}});
}

Result<ApiReply> ApiServer::MakeFolder(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, FileOpBody(call));
  BodyReader r(body);
  FileOpInput in = BodyBase(call, r, protocol::FileOp::kMkdir);
  in.path = r.String("path", Presence::kRequired).value_or("");
  in.mode = r.Integer("mode", Presence::kOptional).value_or(0755);
  HP_TRY(r.Finish());
  if (in.mode < 0 || in.mode > 0777) {
    return Fail(Error::InvalidField("mode", "mode.special", "mode: permission bits only (0-511)"));
  }
  HP_TRY(hosting_.files().Run(call.actor, in));
  return Reply(201, {{"path", in.path}});
}

Result<ApiReply> ApiServer::MoveFile(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, FileOpBody(call));
  BodyReader r(body);
  FileOpInput in = BodyBase(call, r, protocol::FileOp::kMove);
  in.path = r.String("from", Presence::kRequired).value_or("");
  in.to = r.String("to", Presence::kRequired).value_or("");
  HP_TRY(r.Finish());
  // The body says "from"; the service checks it as "path".
  auto done = hosting_.files().Run(call.actor, in);
  if (!done) return Fail(RenamePathField(done.error(), "from"));
  return Reply(200, {{"from", in.path}, {"to", in.to}});
}

Result<ApiReply> ApiServer::CopyFile(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, FileOpBody(call));
  BodyReader r(body);
  FileOpInput in = BodyBase(call, r, protocol::FileOp::kCopy);
  in.path = r.String("from", Presence::kRequired).value_or("");
  in.to = r.String("to", Presence::kRequired).value_or("");
  in.overwrite = r.Bool("overwrite", Presence::kOptional).value_or(false);
  HP_TRY(r.Finish());
  // The agent names the source "from" already; the service's own check says "path".
  auto reply = hosting_.files().Run(call.actor, in);
  if (!reply) return Fail(RenamePathField(reply.error(), "from"));
  return Reply(
      201, {{"from", in.path}, {"to", in.to}, {"entries", reply->total}, {"bytes", reply->size}});
}

Result<ApiReply> ApiServer::ExtractArchive(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, FileOpBody(call));
  BodyReader r(body);
  FileOpInput in = BodyBase(call, r, protocol::FileOp::kExtract);
  in.path = r.String("path", Presence::kRequired).value_or("");
  in.to = r.String("to", Presence::kRequired).value_or("");
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto reply, hosting_.files().Run(call.actor, in));
  return Reply(201,
               {{"path", in.path}, {"to", in.to}, {"entries", reply.total}, {"bytes", reply.size}});
}

Result<ApiReply> ApiServer::CreateArchive(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, FileOpBody(call));
  BodyReader r(body);
  FileOpInput in = BodyBase(call, r, protocol::FileOp::kArchive);
  in.paths = r.StringArray("paths", Presence::kRequired).value_or(std::vector<std::string>{});
  in.to = r.String("to", Presence::kRequired).value_or("");
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto reply, hosting_.files().Run(call.actor, in));
  return Reply(
      201, {{"paths", in.paths}, {"to", in.to}, {"entries", reply.total}, {"bytes", reply.size}});
}

Result<ApiReply> ApiServer::EmptyTrash(const ApiCall& call) {
  QueryReader q(call.req, {"node"});
  FileOpInput in;
  in.customer = call.path.at("login");
  in.op = protocol::FileOp::kEmptyTrash;
  in.node = q.String("node").value_or("");
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto reply, hosting_.files().Run(call.actor, in));
  return Reply(200, {{"removed", reply.total}});
}

Result<ApiReply> ApiServer::DeleteFile(const ApiCall& call) {
  QueryReader q(call.req, {"path", "node", "at_once"});
  FileOpInput in = Base(call, q, protocol::FileOp::kDelete);
  in.at_once = q.Bool("at_once");
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto reply, hosting_.files().Run(call.actor, in));
  json out{{"path", in.path}};
  out["trash"] = reply.trash.empty() ? json(nullptr) : json(reply.trash);
  return Reply(200, out);
}

}  // namespace hostplane::controller
