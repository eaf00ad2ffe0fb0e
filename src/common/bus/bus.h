#pragma once

// The message bus between controllers and agents (shared/DESIGN.md "Messages"). Two
// implementations carry the same messages: InProcessBus for the all-in-one, and NATS for a fleet.
// The interface keeps NATS semantics so code written against one works on the other:
//  - subjects are dot-separated strings ("hp.node.web1.key"); a subject may contain * for exactly
//    one token, as in NATS ("hp.ctl.tasks.*" matches "hp.ctl.tasks.web1", not "hp.ctl.tasks" nor
//    "hp.ctl.tasks.web1.x");
//  - Publish is fire-and-forget and at-most-once: a message may be lost (no subscriber, a
//    disconnect, fault injection). Correctness never depends on delivery: agents fetch by
//    revision, so a lost key only delays convergence until the next resync;
//  - Request sends to one subscriber (one member of a queue group) and waits for its reply;
//  - each subscription delivers its messages in order on a thread of its own.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace hostplane {

struct BusMessage {
  std::string subject;
  std::string data;
  std::string reply;  // the inbox to answer to, empty for a plain publish
};

// Unsubscribes when destroyed. Destruction waits until no handler of this subscription runs.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

class Bus {
 public:
  using Handler = std::function<void(const BusMessage&)>;
  virtual ~Bus() = default;

  // Fire-and-forget. Errors only when the bus itself is closed or disconnected (kUnavailable).
  [[nodiscard]] virtual Status Publish(const std::string& subject, const std::string& data,
                                       const std::string& reply = {}) = 0;
  // Subscribes to a subject, which may contain * tokens. With a non-empty queue group, each
  // message goes to only one of the group's subscribers.
  [[nodiscard]] virtual Result<std::unique_ptr<Subscription>> Subscribe(
      const std::string& subject, const std::string& queue_group, Handler handler) = 0;
  // Request/reply. Errors: kUnavailable when nobody subscribes to subject, kTimeout when no reply
  // came within timeout.
  [[nodiscard]] virtual Result<std::string> Request(const std::string& subject,
                                                    const std::string& data,
                                                    std::chrono::milliseconds timeout) = 0;
};

// Fault injection for tests of promise P1 (lost keys): drops every plain Publish on subjects
// that start with `prefix` (e.g. "hp.node.") while enabled. Requests are never dropped.
struct BusFaults {
  std::string drop_publish_prefix;
};

// The bus inside one process (the all-in-one). Thread-safe.
std::unique_ptr<Bus> NewInProcessBus(BusFaults faults = {});

}  // namespace hostplane
