#include "controller/services/file_service.h"

#include "common/crypto.h"
#include "controller/services/account_service.h"
#include "controller/services/service_support.h"
#include "protocol/file_path.h"

namespace hostplane::controller {
namespace {

auth::BucketPolicy PolicyOf(const FileServiceOptions& o) {
  const double per_minute = o.ops_per_minute > 0 ? o.ops_per_minute : 1;
  return {per_minute, per_minute / 60.0, 100'000};
}

// Where the account's home is and what its ids are: loaded and authorised in one snapshot.
struct Target {
  Customer customer;
  std::string node;
};

}  // namespace

FileService::FileService(Store& store, Bus& bus, const SigningKey& key,
                         const Authorizer& authorizer, const Clock& clock,
                         FileServiceOptions options)
    : store_(store),
      bus_(bus),
      key_(key),
      authorizer_(authorizer),
      clock_(clock),
      options_(options),
      limiter_(clock, PolicyOf(options)) {}

Result<protocol::FileReply> FileService::Run(const Actor& actor, const FileOpInput& in) {
  using protocol::FileOp;
  HP_TRY(protocol::CheckFilePath("path", in.path));
  const bool long_op = in.op == FileOp::kCopy || in.op == FileOp::kExtract ||
                       in.op == FileOp::kArchive || in.op == FileOp::kEmptyTrash;
  if (in.op == FileOp::kMove || in.op == FileOp::kCopy || in.op == FileOp::kExtract ||
      in.op == FileOp::kArchive) {
    HP_TRY(protocol::CheckFileName("to", in.to));
  }
  if (in.op == FileOp::kArchive) {
    if (in.paths.empty() || in.paths.size() > protocol::kMaxArchivePaths) {
      return Fail(Error::InvalidField("paths", "files.paths",
                                      "paths: name 1 to " +
                                          std::to_string(protocol::kMaxArchivePaths) +
                                          " files or folders to archive"));
    }
    for (const auto& p : in.paths) HP_TRY(protocol::CheckFileName("paths", p));
  }
  const bool writes = protocol::IsWriteOp(in.op);
  const Action action = writes ? Action::kFileWrite : Action::kFileRead;
  const Error not_found = NotFoundField("customer", "customer", in.customer);

  HP_ASSIGN_OR_RETURN(Target target, store_.Read([&](StoreTxn& tx) -> Result<Target> {
    HP_ASSIGN_OR_RETURN(auto found, tx.customers().FindByLogin(in.customer));
    if (!found) return Fail(not_found);
    HP_TRY(
        authorizer_.Allow(actor, action, {"customer", found->login, OwnerOf(*found)}, not_found));
    HP_ASSIGN_OR_RETURN(auto node_ids, AccountService::Nodes(tx, *found));
    std::vector<Node> nodes;
    for (int64_t id : node_ids) {
      HP_ASSIGN_OR_RETURN(auto n, tx.nodes().FindById(id));
      if (n) nodes.push_back(std::move(*n));
    }
    if (nodes.empty()) {
      return Fail(FieldError(ErrorCode::kNotFound, {{"customer", "files.no_home"}},
                             "the account has no home on any node yet"));
    }
    if (in.node.empty()) {
      if (nodes.size() > 1) {
        return Fail(Error::InvalidField("node", "files.node_required",
                                        "node: the account has a home on several nodes; name one"));
      }
      return Target{std::move(*found), nodes.front().name};
    }
    for (auto& n : nodes) {
      if (n.name == in.node) return Target{std::move(*found), n.name};
    }
    return Fail(Error::InvalidField("node", "files.node_unknown",
                                    "node: the account has no home on that node"));
  }));

  if (!limiter_.Take("files:" + std::to_string(target.customer.id)).allowed) {
    return Fail(FieldError(ErrorCode::kLimit, {{"customer", "files.rate"}},
                           "too many file operations for this account; wait a moment"));
  }

  protocol::FileRequest q;
  q.node = target.node;
  q.account = target.customer.login;
  q.uid = target.customer.uid;
  q.gid = target.customer.uid;
  q.op = in.op;
  q.nonce = RandomHex(16);
  q.expires_ms = clock_.NowMillis() + options_.request_ttl.count();
  q.path = in.path;
  q.to = in.to;
  q.paths = in.paths;
  q.overwrite = in.overwrite;
  q.offset = in.offset;
  q.length = in.length;
  q.limit = in.limit;
  q.sort = in.sort;
  q.descending = in.descending;
  q.data = in.data;
  q.last = in.last;
  q.exclusive = in.exclusive;
  q.if_mtime_ns = in.if_mtime_ns;
  q.at_once = in.at_once;
  q.mode = in.mode;
  protocol::SignFileRequest(q, key_);
  HP_ASSIGN_OR_RETURN(std::string raw,
                      bus_.Request(protocol::FilesSubject(q.node), protocol::Encode(q),
                                   long_op ? options_.long_timeout : options_.timeout));
  HP_ASSIGN_OR_RETURN(protocol::FileReply reply, protocol::DecodeFileReply(raw));
  if (!reply.ok) return Fail(protocol::FileReplyError(reply));

  if (writes && (in.op != FileOp::kWrite || reply.done)) {
    Json after{{"node", q.node}, {"path", q.path}};
    if (in.op == FileOp::kMove || in.op == FileOp::kCopy || in.op == FileOp::kExtract ||
        in.op == FileOp::kArchive) {
      after["to"] = q.to;
    }
    if (in.op == FileOp::kArchive) after["paths"] = q.paths;
    if (in.op == FileOp::kCopy || in.op == FileOp::kExtract || in.op == FileOp::kArchive) {
      after["entries"] = reply.total;
      after["bytes"] = reply.size;
    }
    if (in.op == FileOp::kEmptyTrash) after["removed"] = reply.total;
    if (in.op == FileOp::kWrite) after["size"] = reply.size;
    if (in.op == FileOp::kDelete) after["trash"] = reply.trash;
    if (in.op == FileOp::kChmod || in.op == FileOp::kMkdir) after["mode"] = q.mode;
    HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(
          int64_t id,
          tx.audit().Append({actor.AuditName(), std::string("file.") + protocol::FileOpName(in.op),
                             CustomerObject(target.customer.login), nullptr, after,
                             target.customer.id}));
      (void)id;
      return Ok();
    }));
  }
  return reply;
}

}  // namespace hostplane::controller
