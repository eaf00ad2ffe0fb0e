#pragma once

// The agent's Postfix policy service (Postfix's SMTPD_POLICY_README protocol: "name=value" lines
// ending with an empty line, answered with "action=<value>" and an empty line, many requests per
// connection) on a unix socket only root and Postfix's group can open. It answers with
// SendingPolicy's decisions over the policy MailDriver::Assemble writes (re-read when that file
// changes, checked at every request: a stat) and the SendingCounters it keeps.
//
// Threads: one accepts, one per connection (Postfix keeps a few open per smtpd process; at most
// max_connections, more are closed at once and Postfix answers 451 for them), decisions
// serialised by one mutex. Stop() (or the destructor) closes the socket, ends every connection
// and joins every thread. Owned by whoever runs the mail driver (the agent, `hostplane up`, the
// tests).

#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/drivers/mail/sending_counters.h"
#include "agent/drivers/mail/sending_policy.h"
#include "common/clock.h"
#include "common/result.h"

namespace hostplane::agent {

struct SendingPolicyServiceOptions {
  std::string socket;       // absolute host path of the unix socket (its directory is created)
  std::string policy_file;  // absolute host path of sending_policy.json
  std::string counters;     // absolute host path of the counters' SQLite file
  std::string socket_group = "postfix";  // may connect (0660 root:<group>)
  int max_connections = 64;
};

class SendingPolicyService {
 public:
  // Binds the socket (replacing a stale one) and starts serving. Errors: kIo, kInvalid (no such
  // group).
  [[nodiscard]] static Result<std::unique_ptr<SendingPolicyService>> Start(
      SendingPolicyServiceOptions options, const Clock& clock);
  ~SendingPolicyService();
  SendingPolicyService(const SendingPolicyService&) = delete;
  SendingPolicyService& operator=(const SendingPolicyService&) = delete;

  void Stop();

  // Messages the account sent in the last hour (what the customer sees). Errors: kIo.
  [[nodiscard]] Result<int64_t> SentLastHour(const std::string& account);
  // Requests answered so far (tests).
  int64_t answered() const { return answered_.load(); }

 private:
  SendingPolicyService(SendingPolicyServiceOptions options, const Clock& clock,
                       SendingCounters counters, int listen_fd);
  void AcceptLoop();
  void Serve(int fd, std::atomic<bool>& done);
  std::string Answer(const PolicyRequest& request);
  void ReloadIfChanged();

  SendingPolicyServiceOptions options_;
  const Clock& clock_;
  std::mutex mu_;  // guards everything below it
  SendingCounters counters_;
  SendingPolicy policy_;
  struct stat seen_ {};
  bool seen_any_ = false;
  std::vector<int> connections_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: Stop() writes, the accept loop wakes
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> answered_{0};
};

}  // namespace hostplane::agent
