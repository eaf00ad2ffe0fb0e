#pragma once

// The agent on one hosting server. It holds no business logic: woken by a key on its subject, at
// start-up, and by a periodic resync, it fetches the tasks after its last applied revision,
// applies them in batches through the drivers, reports each result, and records the new revision
// in its journal (which survives kill -9). It also reports drift: managed files that changed
// behind its back (and repairs them from the last applied spec).
//
// Thread-safe: Start() runs a reconcile thread and a key subscription; Stop() ends both.

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/host_layout.h"
#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"
#include "common/signing_key.h"
#include "protocol/submission_endpoint.h"

namespace hostplane::agent {

struct AgentOptions {
  std::string node;  // this server's node name
  // The controller's public key, pinned (PublicKey::Parse of its "ed25519:<base64>" text, which
  // the controller prints at start). Only bundles it signed for this node are applied (SECURITY
  // rule 9). Required: Start() fails without it.
  std::optional<PublicKey> controller_key;
  std::chrono::milliseconds resync{30'000};  // fetch even without a key this often
  // Say hello (heartbeat: applied revision, drivers, load) at least this often, from a thread
  // of its own (a long batch such as a content copy does not silence it); the controller counts
  // a node silent for 60 s as down and places nothing new on it.
  std::chrono::milliseconds heartbeat{15'000};
  std::chrono::milliseconds coalesce{5};  // after a key, wait this long to batch more
  std::chrono::milliseconds request_timeout{10'000};
  int fetch_limit = 5000;  // tasks per bundle
  // The node's sealed-box public key ("x25519:...", common/sealed_box.h), announced in every
  // hello so the controller can seal the node's secrets to it; "" announces none. NewAgent loads
  // or creates the key pair in <state_dir>/node-box.key and fills this in.
  std::string box_key;
  // The mail node's submission listener, announced in every hello (protocol::Hello).
  std::optional<protocol::SubmissionEndpoint> mail_submission;
  // Test hooks (enabled only by `--enable-test-hooks`): render an invalid directive into the vhost
  // of these domains so nginx -t rejects it; sleep this long after each file written.
  std::vector<std::string> test_break_domains;
  std::chrono::milliseconds test_write_delay{0};
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Opens the journal (state_dir/journal.db), rolls back a batch a crash interrupted, removes
  // temp debris, says hello, subscribes to its key, starts reconciling. Errors: kInvalid (no
  // controller_key), kIo (journal). kUnavailable is NOT an error here: the agent keeps retrying
  // the controller in the background.
  //
  // A bundle that is unsigned, not signed by controller_key, changed after signing, or for
  // another node is rejected whole: nothing is applied or reported, an error is logged, and the
  // agent fetches again with backoff.
  [[nodiscard]] virtual Status Start() = 0;
  virtual void Stop() = 0;
  // Fetch soon (after the coalescing delay), as on a key. For events the agent cannot see on its
  // own, such as a reconnection to the relay network after which keys may have been missed.
  virtual void Wake() = 0;
  // The last revision recorded in the journal.
  virtual int64_t AppliedRevision() const = 0;
};

// The production agent: nginx always, and the driver of every optional section layout has
// (account, acme, ftp, mail, dns, mariadb), listed here explicitly. runner must allow the
// programs of AgentPrograms(layout).
std::unique_ptr<Agent> NewAgent(AgentOptions options, HostLayout layout, Bus& bus, Filesystem& fs,
                                CommandRunner& runner, const Clock& clock);

// Every program the drivers of layout run (the CommandRunner allowlist of an agent; the daemons'
// own instances add theirs).
std::set<std::string> AgentPrograms(const HostLayout& layout);

// An agent with the given drivers (tests, or a host that runs a subset). Each task kind must be
// handled by at most one driver.
std::unique_ptr<Agent> NewAgentWithDrivers(AgentOptions options, HostLayout layout, Bus& bus,
                                           Filesystem& fs, const Clock& clock,
                                           std::vector<std::unique_ptr<ServiceDriver>> drivers);

}  // namespace hostplane::agent
