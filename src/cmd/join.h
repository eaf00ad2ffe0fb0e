#pragma once

// `hostplane agent --join TOKEN --controller URL`: a server joins the fleet once. The token (from
// `hostplane node add` or `node token`) is sent to the controller's POST /api/v1/join, which
// answers with the node's name, the controller's bundle key and the node's NATS login. The key is
// accepted only when its fingerprint is the one inside the token (a controller that is not the
// one that issued the token cannot hand over its own key), then pinned: the enrolment is written
// to <state_dir>/enrolment.json (0600, atomically, on disk before the agent starts) and every
// later start reads it from there. The token is spent: a second join with it is refused.

#include <string>
#include <vector>

#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::cmd {

struct Enrolment {
  std::string node;
  std::string controller_key;  // "ed25519:<base64>", checked against the token's fingerprint
  std::vector<std::string> nats_servers;  // what the controller advertises (may be empty)
  std::string nats_user;
  std::string nats_password;
};

// Asks controller_url (http:// or https://) to join with token. Errors: kInvalid (not a join
// token), kUnauthorized (refused: unknown, used or expired), kUnavailable (unreachable),
// kForbidden (the key does not match the token's fingerprint: nothing is saved).
[[nodiscard]] Result<Enrolment> JoinController(const std::string& controller_url,
                                               const std::string& token);

// <state_dir>/enrolment.json relative to files' root.
[[nodiscard]] Status SaveEnrolment(Filesystem& files, const std::string& state_dir,
                                   const Enrolment& e);
// nullopt when the server has not joined. Errors: kIo, kInvalid (a damaged file).
[[nodiscard]] Result<std::optional<Enrolment>> LoadEnrolment(Filesystem& files,
                                                             const std::string& state_dir);

}  // namespace hostplane::cmd
