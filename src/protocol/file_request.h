#pragma once

// The file manager's message (issue 20): an interactive request/reply from the controller to
// the one node that holds an account's home, not a task. The controller authorises the
// operation, fills a FileRequest, signs it with the key it signs bundles with, and sends it on
// the node's own subject; the agent acts only on a request that
//   - carries the pinned controller key's signature over FileRequestSignedBytes (a relay can
//     neither forge nor alter one),
//   - names this node (a request for web1 replayed to web2 is refused),
//   - has not expired and does not expire too far ahead (kFileRequestMaxTtlMs),
//   - has a nonce the agent has not seen (a replay within the expiry is refused),
// and only on the named account's home, as the account's uid/gid, which must own it.
//
//   hp.node.<node>.files   controller -> agent   FileRequest -> FileReply (request/reply)
//
// File content travels in chunks of at most kFileChunkBytes raw bytes (base64 in the JSON), so
// a request or a reply stays well under NATS' 1 MiB max_payload.
//
// Decoding follows messages.h: kInvalid with {path: code} for the first shape violation. The
// path members are checked by the agent with CheckFilePath (file_path.h), not by the decoder, so
// the refusal carries the precise path.* code.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/signing_key.h"

namespace hostplane::protocol {

std::string FilesSubject(const std::string& node);  // "hp.node.<node>.files"

inline constexpr int64_t kFileChunkBytes = 256 * 1024;
// How far ahead of the agent's clock a request may expire: bounds the nonce memory.
inline constexpr int64_t kFileRequestMaxTtlMs = 60'000;
// Paths one archive request may name.
inline constexpr size_t kMaxArchivePaths = 1000;

enum class FileOp {
  kList,
  kRead,
  kWrite,
  kMkdir,
  kMove,
  kDelete,
  kChmod,
  kCopy,
  kExtract,
  kArchive,
  kEmptyTrash
};
// "list" | "read" | "write" | "mkdir" | "move" | "delete" | "chmod" | "copy" | "extract" |
// "archive" | "empty_trash"
const char* FileOpName(FileOp op);
// Errors: kInvalid for another name.
[[nodiscard]] Result<FileOp> ParseFileOp(const std::string& name);
// Whether op changes files (what the controller writes to the audit log).
bool IsWriteOp(FileOp op);

struct FileRequest {
  std::string node;
  std::string account;  // the login: the home is <home_root>/<account>
  int64_t uid = 0;      // the account's Unix user and group (the controller's ids)
  int64_t gid = 0;
  FileOp op = FileOp::kList;
  std::string nonce;                   // 32 lowercase hex characters, new for every request
  int64_t expires_ms = 0;              // Unix milliseconds
  std::string path;                    // every op but archive and empty_trash
  std::string to;                      // move, copy, extract (a new folder), archive
  std::vector<std::string> paths;      // archive: what goes in (1..kMaxArchivePaths)
  bool overwrite = false;              // copy
  int64_t offset = 0;                  // list, read, write
  int64_t length = 0;                  // read
  int64_t limit = 0;                   // list
  std::string sort = "name";           // list: name | size | mtime
  bool descending = false;             // list
  std::string data;                    // write: raw bytes, 0..kFileChunkBytes
  bool last = true;                    // write
  bool exclusive = false;              // write
  std::optional<int64_t> if_mtime_ns;  // write
  bool at_once = false;                // delete
  int64_t mode = -1;                   // write, mkdir (-1: default), chmod
  std::string signer;                  // "ed25519:<base64>", covered by the signature
  std::string sig;                     // base64 Ed25519 signature of FileRequestSignedBytes
};
std::string Encode(const FileRequest& r);
[[nodiscard]] Result<FileRequest> DecodeFileRequest(const std::string& data);

// "hostplane file-request v1\n" and the JSON of every member but sig (keys sorted, no spaces).
std::string FileRequestSignedBytes(const FileRequest& r);
void SignFileRequest(FileRequest& r, const SigningKey& key);  // sets signer and sig
// Errors: kForbidden (unsigned, another key, changed after signing).
[[nodiscard]] Status VerifyFileRequest(const FileRequest& r, const PublicKey& key);

struct FileReplyEntry {
  std::string name;
  std::string type;  // file | directory | symlink | other | foreign
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t mode = 0;
};

// ok, or the agent's refusal: the error code's name (ErrorCodeName), its sentence and the
// per-field codes ({"path": "path.symlink"}).
struct FileReply {
  bool ok = true;
  std::string code;
  std::string error;
  std::map<std::string, std::string> fields;
  std::vector<FileReplyEntry> entries;  // list
  int64_t total = 0;                    // list; copy, extract, archive: entries; empty_trash:
                                        // entries removed
  std::string data;                     // read: raw bytes
  int64_t size = 0;                     // read, write; copy, extract, archive: bytes
  int64_t mtime_ns = 0;                 // read, write
  bool eof = false;                     // read
  bool done = false;                    // write
  std::string trash;                    // delete: the name in the trash, "" if removed
};
std::string Encode(const FileReply& r);
[[nodiscard]] Result<FileReply> DecodeFileReply(const std::string& data);
FileReply FileReplyFromError(const Error& e);
// The refusal as an Error again (code from its name; kInternal for an unknown one).
Error FileReplyError(const FileReply& r);

}  // namespace hostplane::protocol
