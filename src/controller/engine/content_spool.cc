#include "controller/engine/content_spool.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>

#include "common/crypto.h"
#include "common/fs/fd.h"
#include "protocol/content.h"

namespace hostplane::controller {
namespace {

using protocol::ContentReply;
using protocol::ContentRequest;

ContentReply Refuse(std::string code, std::string sentence) {
  return ContentReply{false, std::move(code), std::move(sentence), ""};
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(Error::FromErrno("opening " + dir, errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(Error::FromErrno("fsync " + dir, err));
  return Ok();
}

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

ContentSpool::ContentSpool(Store& store, Bus& bus, std::string dir, ContentSpoolOptions options)
    : store_(store), bus_(bus), dir_(std::move(dir)), options_(options) {}

ContentSpool::~ContentSpool() { Stop(); }

Status ContentSpool::Start() {
  if (sub_) return Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Fail(Error::Io("creating the content spool " + dir_ + ": " + ec.message()));
  if (::chmod(dir_.c_str(), 0700) != 0) return Fail(Error::FromErrno("chmod " + dir_, errno));
  auto sub = bus_.Subscribe(
      protocol::AnyNodeSubject(protocol::kSubjectContent), protocol::kQueueGroup,
      [this](const BusMessage& m) {
        std::string reply;
        try {
          reply = Handle(m);
        } catch (const std::exception& e) {
          spdlog::error("content spool: handler failed: {}", e.what());
          reply = protocol::Encode(Refuse("internal", std::string("internal error: ") + e.what()));
        }
        if (m.reply.empty()) return;
        if (auto s = bus_.Publish(m.reply, reply); !s) {
          spdlog::warn("content spool: replying: {}", s.error().message);
        }
      });
  if (!sub) return Fail(sub.error().Wrap("subscribing to the content subjects"));
  sub_ = std::move(*sub);
  Sweep();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  sweeper_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_cv_.wait_for(lock, options_.sweep_every, [this] { return stopping_; })) {
      lock.unlock();
      Sweep();
      lock.lock();
    }
  });
  return Ok();
}

void ContentSpool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  sub_.reset();
}

int ContentSpool::Sweep() {
  std::error_code ec;
  std::vector<int64_t> ids;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.size() > 18 ||
        name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    ids.push_back(std::stoll(name));
  }
  int swept = 0;
  for (int64_t id : ids) {
    std::optional<Transfer> t;
    Status read = store_.Snapshot([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(auto found, tx.transfers().Find(id));
      t = found;
      return Ok();
    });
    if (!read) {
      spdlog::warn("content spool: sweeping: {}", read.error().message);
      return swept;
    }
    if (t && t->open()) continue;
    Discard(id);
    ++swept;
  }
  return swept;
}

std::string ContentSpool::ChunkPath(int64_t transfer, int64_t seq) const {
  return dir_ + "/" + std::to_string(transfer) + "/" + std::to_string(seq);
}

Status ContentSpool::WriteChunk(int64_t transfer, int64_t seq, const std::string& data) {
  const std::string tdir = dir_ + "/" + std::to_string(transfer);
  if (::mkdir(tdir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(Error::FromErrno("creating " + tdir, errno));
  }
  const std::string path = ChunkPath(transfer, seq);
  const std::string tmp = tdir + "/." + std::to_string(seq) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Fail(Error::FromErrno("creating " + tmp, errno));
  Status written = WriteAll(fd, data, tmp);
  if (written && ::fsync(fd) != 0) written = Fail(Error::FromErrno("fsync " + tmp, errno));
  ::close(fd);
  if (!written) return written;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Fail(Error::FromErrno("renaming " + tmp, errno));
  }
  return FsyncDir(tdir);
}

void ContentSpool::Discard(int64_t transfer) {
  std::error_code ec;
  std::filesystem::remove_all(dir_ + "/" + std::to_string(transfer), ec);
  if (ec) spdlog::warn("content spool: removing transfer {}: {}", transfer, ec.message());
}

std::string ContentSpool::Handle(const BusMessage& m) {
  auto q = protocol::DecodeContentRequest(m.data);
  if (!q) return protocol::Encode(Refuse("request.invalid", q.error().message));
  auto subject_node = protocol::RequestSubjectNode(protocol::kSubjectContent, m.subject);
  if (!subject_node || *subject_node != q->node) {
    return protocol::Encode(
        Refuse("transfer.not_yours", "the request names another node than its subject"));
  }
  if (options_.require_node_inbox && !m.reply.starts_with("_INBOX." + q->node + ".")) {
    return protocol::Encode(Refuse("transfer.not_yours", "replies go only to the node's inbox"));
  }
  std::optional<Transfer> transfer;
  std::optional<Node> node;
  Status read = store_.Snapshot([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto t, tx.transfers().Find(q->transfer));
    transfer = t;
    HP_ASSIGN_OR_RETURN(auto n, tx.nodes().FindByName(q->node));
    node = n;
    return Ok();
  });
  if (!read) return protocol::Encode(Refuse("store.unavailable", read.error().message));
  const std::string name = "transfer " + std::to_string(q->transfer);
  if (!transfer || !node) return protocol::Encode(Refuse("transfer.unknown", name + " is unknown"));
  if (!transfer->open()) {
    return protocol::Encode(
        Refuse("transfer.closed", name + " is " + std::string(Name(transfer->state))));
  }
  const bool source = node->id == transfer->source_node_id;
  const bool target = node->id == transfer->target_node_id;

  if (q->op == "get") {
    if (!target || transfer->state != TransferState::kImporting) {
      return protocol::Encode(
          Refuse("transfer.not_yours", name + " is not for node " + q->node + " to import now"));
    }
    if (q->seq >= transfer->chunks) {
      return protocol::Encode(
          Refuse("chunk.missing", name + " has " + std::to_string(transfer->chunks) + " chunks"));
    }
    auto data = ReadWhole(ChunkPath(q->transfer, q->seq));
    if (!data) {
      return protocol::Encode(Refuse("chunk.missing", "chunk " + std::to_string(q->seq) + " of " +
                                                          name + " is not in the spool"));
    }
    return protocol::Encode(ContentReply{true, "", "", std::move(*data)});
  }

  if (!source || transfer->state != TransferState::kExporting) {
    return protocol::Encode(
        Refuse("transfer.not_yours", name + " is not for node " + q->node + " to export now"));
  }
  if (q->op == "put") {
    if (auto s = WriteChunk(q->transfer, q->seq, q->data); !s) {
      spdlog::error("content spool: {}", s.error().message);
      return protocol::Encode(Refuse("spool.io", s.error().message));
    }
    return protocol::Encode(ContentReply{});
  }

  // seal: every chunk present, every one full but the last, and the digest of them all.
  Blake2bHasher hasher;
  int64_t total = 0;
  for (int64_t seq = 0; seq < q->chunks; ++seq) {
    auto data = ReadWhole(ChunkPath(q->transfer, seq));
    const int64_t size = data ? static_cast<int64_t>(data->size()) : 0;
    if (!data || (seq + 1 < q->chunks && size != protocol::kContentChunkBytes)) {
      return protocol::Encode(Refuse(
          "chunk.order", "chunk " + std::to_string(seq) + " of " + name + " is missing or short"));
    }
    hasher.Update(*data);
    total += size;
  }
  if (total != q->bytes || hasher.HexDigest() != q->digest) {
    return protocol::Encode(
        Refuse("chunk.order", "the chunks of " + name + " do not add up to the archive sealed"));
  }
  Status sealed = store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto t, tx.transfers().Find(q->transfer));
    if (!t || (t)->state != TransferState::kExporting) {
      return Fail(Error::Conflict(name + " is no longer exporting"));
    }
    Transfer updated = *t;
    updated.chunks = q->chunks;
    updated.bytes = q->bytes;
    updated.digest = q->digest;
    return tx.transfers().Update(updated);
  });
  if (!sealed) {
    const bool closed = sealed.error().code == ErrorCode::kConflict;
    return protocol::Encode(
        Refuse(closed ? "transfer.closed" : "store.unavailable", sealed.error().message));
  }
  return protocol::Encode(ContentReply{});
}

}  // namespace hostplane::controller
