#pragma once

// The agent's end of the file manager's request/reply (protocol/file_request.h): subscribes to
// hp.node.<node>.files, and for each request checks, in this order and before touching any file,
// that it decodes, carries the pinned controller key's signature, names this node, has not
// expired (nor expires more than kFileRequestMaxTtlMs ahead), and has a nonce not seen before;
// then opens the account's home (<home_root>/<account>, owned by the request's uid) and runs the
// operation through AccountFiles as that uid. Every refusal is a FileReply with a code and a
// sentence, and is logged; nothing is done.
//
// Nonces are remembered until their request expires, at most max_nonces at once (a request
// that would exceed it is refused as busy, kUnavailable, rather than forgetting one early).
//
// Thread-safe. Requests are handled one at a time, on the subscription's thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/files/account_archives.h"
#include "agent/files/account_files.h"
#include "agent/files/copy_tree.h"
#include "agent/files/trash.h"
#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/fs/fd.h"
#include "common/result.h"
#include "common/signing_key.h"
#include "protocol/file_request.h"

namespace hostplane::agent::files {

struct FileServerOptions {
  std::string node;
  PublicKey controller_key;
  std::string root;       // the absolute host path of the Filesystem root ("/" in production)
  std::string home_root;  // root-relative: homes are <home_root>/<login>
  FileLimits limits;
  size_t max_nonces = 100'000;
};

class FileRequestServer {
 public:
  // Errors: kIo when the root cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<FileRequestServer>> Create(FileServerOptions options,
                                                                         FileOs& os,
                                                                         const Clock& clock);

  // The encoded FileReply to one encoded FileRequest.
  std::string Handle(const std::string& request);
  // Answers requests on FilesSubject(node) until the subscription is destroyed.
  [[nodiscard]] Result<std::unique_ptr<Subscription>> Subscribe(Bus& bus);

 private:
  FileRequestServer(FileServerOptions options, FileOs& os, const Clock& clock, Fd root)
      : options_(std::move(options)),
        clock_(clock),
        files_(os, options_.limits),
        copier_(os, options_.limits),
        archives_(os, options_.limits),
        trash_(os, options_.limits),
        root_(std::move(root)) {}

  // Signature, node, expiry and nonce; records the nonce when all pass.
  [[nodiscard]] Status Admit(const protocol::FileRequest& r);
  [[nodiscard]] Result<protocol::FileReply> Run(const protocol::FileRequest& r);

  FileServerOptions options_;
  const Clock& clock_;
  AccountFiles files_;
  FileCopier copier_;
  AccountArchives archives_;
  Trash trash_;
  Fd root_;
  std::mutex mu_;
  std::multimap<int64_t, std::string> nonce_expiry_;  // (mu_) expiry -> nonce, to forget them
  std::map<std::string, int64_t> nonces_;             // (mu_) nonce -> expiry
};

}  // namespace hostplane::agent::files
