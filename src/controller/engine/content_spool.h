#pragma once

// The controllers' half of content copies (protocol/content.h): answers hp.ctl.content.* in the
// controllers' queue group and keeps the chunks in between, in a spool directory that every
// controller of the store shares (`serve --shared-store` runs them on one data directory):
// <dir>/<transfer>/<seq>, each written to a temporary file, fsynced and renamed, so a chunk
// acknowledged to the source survives kill -9 and is never read half-written.
//
// It checks every request against the store: "put" and "seal" only from the transfer's source
// while it is exporting, "get" only from its target while it is importing. A seal re-reads the
// chunks and records chunk count, size and BLAKE2b in the transfer only when they are complete
// and match what the source says it sent; the import task, sent when the export is applied,
// carries them in a signed bundle (services/task_result_handler.h).
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/bus.h"
#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

struct ContentSpoolOptions {
  // As TaskEngineOptions::require_node_inbox: on NATS, answer node X only under "_INBOX.X.".
  bool require_node_inbox = false;
  // How often the chunks of transfers that have ended are deleted.
  std::chrono::milliseconds sweep_every{std::chrono::seconds(60)};
};

class ContentSpool {
 public:
  // dir: the spool directory (created 0700 if missing).
  ContentSpool(Store& store, Bus& bus, std::string dir, ContentSpoolOptions options = {});
  ~ContentSpool();

  // Subscribes to hp.ctl.content.* in the controllers' queue group and starts the sweeper.
  [[nodiscard]] Status Start();
  void Stop();

  // The reply to one request (what the subscription answers; public for tests).
  std::string Handle(const BusMessage& m);

  // Deletes a transfer's chunks. Idempotent.
  void Discard(int64_t transfer);
  // Deletes the chunks of every transfer that has ended (done or failed) or is unknown; returns
  // how many transfers' chunks went. Runs every sweep_every, and at Start (chunks of copies
  // that ended while no controller was running). Only after the end is committed, so a copy
  // whose end was rolled back still has its chunks.
  int Sweep();

  const std::string& dir() const { return dir_; }

 private:
  std::string ChunkPath(int64_t transfer, int64_t seq) const;
  Status WriteChunk(int64_t transfer, int64_t seq, const std::string& data);

  Store& store_;
  Bus& bus_;
  const std::string dir_;
  const ContentSpoolOptions options_;
  std::unique_ptr<Subscription> sub_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread sweeper_;
};

}  // namespace hostplane::controller
