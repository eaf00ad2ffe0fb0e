#pragma once

// Content copies between servers, for a drain (docs/fleet.md "Content"): what the store cannot
// rebuild (an account's home with its docroots, a mail domain's Maildirs, a database's
// contents), streamed from the node being drained to the node that takes it over, through the
// controllers (agents may only talk to controllers, docs/relay.md):
//
//   1. the drain step records a transfer and sends the source  content.export {transfer, what,
//      object}: the agent packs the directory with tar, as the directory's owner (a database:
//      mariadb-dump), uploads the archive in chunks (op "put"), then seals it (op "seal": chunk
//      count, size, BLAKE2b);
//   2. when the export is applied, the controller sends the target  content.import {transfer,
//      what, object, chunks, bytes, digest}: the agent downloads the chunks (op "get"), checks the
//      size and the digest (which arrived in a signed bundle), and unpacks as the directory's
//      owner, so the archive can write nothing the tenant could not.
//
//   hp.ctl.content.<node>   agent -> controller   ContentRequest -> ContentReply (request/reply)
//
// The controller accepts "put" and "seal" only from the transfer's source and "get" only from
// its target. A finished transfer answers "transfer.closed": an agent rebuilding from revision 0
// meets its old content tasks again and treats them as done.
//
// Decoding follows messages.h: kInvalid with {path: code} for the first shape violation.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "protocol/messages.h"

namespace hostplane::protocol {

inline constexpr const char* kSubjectContent = "hp.ctl.content";
std::string ContentSubject(const std::string& node);  // "hp.ctl.content.<node>"

inline constexpr const char* kContentExport = "content.export";
inline constexpr const char* kContentImport = "content.import";

// Raw bytes per chunk: with base64 and JSON a request stays well under NATS' 1 MiB max_payload.
inline constexpr int64_t kContentChunkBytes = 256 * 1024;
// The largest archive a transfer may carry (1 TiB): bounds the chunk count and the sizes.
inline constexpr int64_t kContentMaxBytes = int64_t{1} << 40;

// What a transfer copies: "home" (<home_root>/<object>, object a login), "mail"
// (<vmail_root>/<object>, object a mail domain) or "database" (the contents of the MariaDB
// database <object>, dumped and loaded with MariaDB's own clients). Codes: content.what for
// another value; the login.* / domain.* codes (and *.not_canonical) for the object, db.invalid
// for a database name that is not "<account>_<suffix>" in [a-z0-9_] of at most 64 characters.
struct ContentExportSpec {
  int64_t transfer = 0;  // >= 1
  std::string what;
  std::string object;
  bool operator==(const ContentExportSpec&) const = default;
};
Json ToJson(const ContentExportSpec& s);
[[nodiscard]] Result<ContentExportSpec> ContentExportSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

struct ContentImportSpec {
  int64_t transfer = 0;
  std::string what;
  std::string object;
  int64_t chunks = 0;  // >= 1 (an empty directory still makes an archive)
  int64_t bytes = 0;   // the archive's size
  std::string digest;  // hex BLAKE2b-256 of the archive (64 lowercase hex digits)
  bool operator==(const ContentImportSpec&) const = default;
};
Json ToJson(const ContentImportSpec& s);
[[nodiscard]] Result<ContentImportSpec> ContentImportSpecFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

struct ContentRequest {
  std::string node;
  int64_t transfer = 0;
  std::string op;      // put | seal | get
  int64_t seq = 0;     // put, get: the chunk's index from 0
  std::string data;    // put: the chunk's raw bytes (base64 on the wire), 1..kContentChunkBytes
  int64_t chunks = 0;  // seal
  int64_t bytes = 0;   // seal
  std::string digest;  // seal
};
std::string Encode(const ContentRequest& r);
[[nodiscard]] Result<ContentRequest> DecodeContentRequest(const std::string& data);

// Reply: ok with data (get), or not ok with a stable code and a sentence. Codes:
// transfer.unknown, transfer.not_yours (another node's transfer or the wrong direction),
// transfer.closed (finished or failed), chunk.missing (get before it was put), chunk.order
// (seal with chunks missing or sizes that do not add up), store.unavailable.
struct ContentReply {
  bool ok = true;
  std::string code;
  std::string error;
  std::string data;  // get: the chunk's raw bytes
};
std::string Encode(const ContentReply& r);
[[nodiscard]] Result<ContentReply> DecodeContentReply(const std::string& data);

}  // namespace hostplane::protocol
