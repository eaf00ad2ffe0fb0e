#pragma once

// The file manager on the controller (issue 20): a customer's files, worked on by the agent of
// the node that holds the customer's home, never by the controller. Each operation
//   1. checks every path field with protocol::CheckFilePath (nothing is sent for a bad one),
//   2. loads the customer and asks Authorizer::Can (file.read or file.write on the customer; one
//      the actor may not see answers as a missing one),
//   3. takes a token from the customer's operations-per-minute bucket (kLimit
//      {"customer": "files.rate"} when empty),
//   4. picks the node (the one node that holds the account; with several, `node` must name one),
//   5. sends one signed FileRequest (protocol/file_request.h: this controller's bundle key, the
//      node, the account and its uid, a fresh nonce, an expiry of request_ttl) and waits for the
//      reply,
//   6. for a write operation that succeeded, appends an audit entry (file.<op> on
//      customer:<login>, with the path, the target and the size; for copy, extract and archive
//      also the entries and bytes, for empty_trash the entries removed).
// Copy, extract, archive and empty_trash may work on gigabytes: their reply is awaited for
// FileServiceOptions::long_timeout instead of timeout.
// The agent's refusals come back as errors with their codes (path.symlink, file.changed, ...).
//
// Thread-safe: any thread may call it; the bucket has its own lock.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/signing_key.h"
#include "controller/auth/rate_limiter.h"
#include "controller/services/actor.h"
#include "controller/services/authorizer.h"
#include "controller/services/hosting_options.h"
#include "controller/store/store.h"
#include "protocol/file_request.h"

namespace hostplane::controller {

// One operation as the API and the CLI give it. The fields each op reads are those of
// protocol::FileRequest.
struct FileOpInput {
  std::string customer;  // login
  std::string node;      // "" = the node that holds the account's home
  protocol::FileOp op = protocol::FileOp::kList;
  std::string path;
  std::string to;                  // move, copy, extract, archive
  std::vector<std::string> paths;  // archive
  bool overwrite = false;          // copy
  int64_t offset = 0;
  int64_t length = 0;
  int64_t limit = 100;
  std::string sort = "name";
  bool descending = false;
  std::string data;
  bool last = true;
  bool exclusive = false;
  std::optional<int64_t> if_mtime_ns;
  bool at_once = false;
  int64_t mode = -1;
};

class FileService {
 public:
  FileService(Store& store, Bus& bus, const SigningKey& key, const Authorizer& authorizer,
              const Clock& clock, FileServiceOptions options = {});

  // Errors: kInvalid with the path.* code per field; kNotFound {"customer": customer.not_found}
  // (also for a customer the actor may not see); kLimit files.rate; kInvalid {"node":
  // files.node_required | files.node_unknown}; kNotFound files.no_home (the account is on no
  // node); kUnavailable / kTimeout (the node did not answer); the agent's refusal otherwise.
  [[nodiscard]] Result<protocol::FileReply> Run(const Actor& actor, const FileOpInput& in);

 private:
  Store& store_;
  Bus& bus_;
  const SigningKey& key_;
  const Authorizer& authorizer_;
  const Clock& clock_;
  const FileServiceOptions options_;
  auth::RateLimiter limiter_;
};

}  // namespace hostplane::controller
