#include "agent/files/file_request_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <utility>

#include "protocol/messages.h"

namespace hostplane::agent::files {

using protocol::FileOp;
using protocol::FileReply;
using protocol::FileRequest;

Result<std::unique_ptr<FileRequestServer>> FileRequestServer::Create(FileServerOptions options,
                                                                     FileOs& os,
                                                                     const Clock& clock) {
  Fd root(::open(options.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Fail(Error::FromErrno("opening " + options.root, errno));
  return std::unique_ptr<FileRequestServer>(
      new FileRequestServer(std::move(options), os, clock, std::move(root)));
}

Status FileRequestServer::Admit(const FileRequest& r) {
  HP_TRY(protocol::VerifyFileRequest(r, options_.controller_key));
  if (r.node != options_.node) {
    return Fail(
        Error::Forbidden("the file request is for node " + r.node + ", not for " + options_.node));
  }
  const int64_t now = clock_.NowMillis();
  if (r.expires_ms <= now) return Fail(Error::Forbidden("the file request has expired"));
  if (r.expires_ms > now + protocol::kFileRequestMaxTtlMs) {
    return Fail(Error::Forbidden("the file request expires too far ahead (clocks apart?)"));
  }
  std::lock_guard lock(mu_);
  while (!nonce_expiry_.empty() && nonce_expiry_.begin()->first <= now) {
    nonces_.erase(nonce_expiry_.begin()->second);
    nonce_expiry_.erase(nonce_expiry_.begin());
  }
  if (nonces_.count(r.nonce) != 0) {
    return Fail(Error::Forbidden("the file request was already received (a replay)"));
  }
  if (nonces_.size() >= options_.max_nonces) {
    return Fail(Error::Unavailable("too many file requests in flight; try again shortly"));
  }
  nonces_.emplace(r.nonce, r.expires_ms);
  nonce_expiry_.emplace(r.expires_ms, r.nonce);
  return Ok();
}

Result<FileReply> FileRequestServer::Run(const FileRequest& r) {
  const AccountIdentity id{static_cast<uid_t>(r.uid), static_cast<gid_t>(r.gid)};
  HP_ASSIGN_OR_RETURN(AccountHome home,
                      files_.OpenHome(root_.get(), options_.home_root + "/" + r.account, id));
  FileReply out;
  switch (r.op) {
    case FileOp::kList: {
      SortKey sort = r.sort == "size"    ? SortKey::kSize
                     : r.sort == "mtime" ? SortKey::kMtime
                                         : SortKey::kName;
      HP_ASSIGN_OR_RETURN(
          ListPage page,
          files_.List(home, {r.path, r.offset, static_cast<int>(r.limit), sort, r.descending}));
      out.total = page.total;
      for (auto& e : page.entries) {
        out.entries.push_back(
            {std::move(e.name), EntryTypeName(e.type), e.size, e.mtime_ns, e.mode});
      }
      break;
    }
    case FileOp::kRead: {
      HP_ASSIGN_OR_RETURN(ReadChunk c, files_.Read(home, {r.path, r.offset, r.length}));
      out.data = std::move(c.data);
      out.size = c.size;
      out.mtime_ns = c.mtime_ns;
      out.eof = c.eof;
      break;
    }
    case FileOp::kWrite: {
      WriteRequest w{.path = r.path,
                     .offset = r.offset,
                     .data = r.data,
                     .last = r.last,
                     .if_mtime_ns = r.if_mtime_ns,
                     .exclusive = r.exclusive,
                     .mode = r.mode < 0 ? 0644 : static_cast<int>(r.mode)};
      HP_ASSIGN_OR_RETURN(WriteResult res, files_.Write(home, w));
      out.size = res.size;
      out.mtime_ns = res.mtime_ns;
      out.done = res.done;
      break;
    }
    case FileOp::kMkdir:
      HP_TRY(files_.Mkdir(home, r.path, r.mode < 0 ? 0755 : static_cast<int>(r.mode)));
      break;
    case FileOp::kMove:
      HP_TRY(files_.Move(home, r.path, r.to));
      break;
    case FileOp::kDelete: {
      HP_ASSIGN_OR_RETURN(out.trash, files_.Delete(home, r.path, r.at_once));
      break;
    }
    case FileOp::kChmod:
      if (r.mode < 0) {
        return Fail(Error::InvalidField("mode", "mode.missing", "mode: chmod needs a mode"));
      }
      HP_TRY(files_.Chmod(home, r.path, static_cast<int>(r.mode)));
      break;
    case FileOp::kCopy: {
      HP_ASSIGN_OR_RETURN(CopyResult c, copier_.Copy(home, {r.path, r.to, r.overwrite}));
      out.total = c.entries;
      out.size = c.bytes;
      break;
    }
    case FileOp::kExtract: {
      HP_ASSIGN_OR_RETURN(ArchiveResult a, archives_.Extract(home, {r.path, r.to}));
      out.total = a.entries;
      out.size = a.bytes;
      break;
    }
    case FileOp::kArchive: {
      HP_ASSIGN_OR_RETURN(ArchiveResult a, archives_.Create(home, {r.paths, r.to}));
      out.total = a.entries;
      out.size = a.bytes;
      break;
    }
    case FileOp::kEmptyTrash: {
      HP_ASSIGN_OR_RETURN(out.total, trash_.Empty(home));
      break;
    }
  }
  return out;
}

std::string FileRequestServer::Handle(const std::string& data) {
  auto request = protocol::DecodeFileRequest(data);
  if (!request) {
    spdlog::warn("files: refused an undecodable request: {}", request.error().message);
    return protocol::Encode(protocol::FileReplyFromError(request.error()));
  }
  if (auto admitted = Admit(*request); !admitted) {
    spdlog::warn("files: refused a {} request for account {}: {}",
                 protocol::FileOpName(request->op), request->account, admitted.error().message);
    return protocol::Encode(protocol::FileReplyFromError(admitted.error()));
  }
  auto reply = Run(*request);
  if (!reply) return protocol::Encode(protocol::FileReplyFromError(reply.error()));
  return protocol::Encode(*reply);
}

Result<std::unique_ptr<Subscription>> FileRequestServer::Subscribe(Bus& bus) {
  return bus.Subscribe(protocol::FilesSubject(options_.node), "",
                       [this, &bus](const BusMessage& m) {
                         if (m.reply.empty())
                           return;  // a request without an inbox cannot be answered
                         if (auto s = bus.Publish(m.reply, Handle(m.data)); !s) {
                           spdlog::warn("files: replying failed: {}", s.error().message);
                         }
                       });
}

}  // namespace hostplane::agent::files
