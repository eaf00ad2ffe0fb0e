#pragma once

// What HttpServer's connections share (internal to src/controller/http): the options, the
// handler, the worker pool, the I/O context, the registry of open connections and of waiting
// long polls, and the counters. Owned by HttpServer; every member is either immutable after
// Start or guarded by `mu` or atomic.

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controller/http/http_server.h"
#include "controller/http/worker_pool.h"

namespace hostplane::controller::http::detail {

class Connection;

struct ServerState {
  ServerState(HttpServerOptions o, HttpHandler& h)
      : options(std::move(o)),
        handler(h),
        read_pool(ReadWorkers(options), options.queue_capacity),
        pool(options.workers == 0 ? 1 : options.workers, options.queue_capacity) {}

  static size_t ReadWorkers(const HttpServerOptions& o) {
    if (o.read_workers > 0) return o.read_workers;
    return std::max<size_t>(2, std::thread::hardware_concurrency());
  }
  // The pool a request's handler runs on: reads (GET, HEAD) or changes.
  WorkerPool& PoolFor(const std::string& method) {
    return method == "GET" || method == "HEAD" ? read_pool : pool;
  }

  // Registers a new connection from source; false when a cap is reached (the caller closes it).
  bool Admit(const std::string& source);
  void Track(const std::shared_ptr<Connection>& c);
  // A connection ends: its slot and its source's slot are free again.
  void Forget(Connection* c, const std::string& source);
  // A long poll starts waiting; false when max_long_polls already wait.
  bool Park(const std::shared_ptr<Connection>& c);
  void Unpark(const std::shared_ptr<Connection>& c);

  const HttpServerOptions options;
  HttpHandler& handler;
  WorkerPool read_pool;  // GET and HEAD, and every long poll's polls
  WorkerPool pool;       // every other method

  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> refused_busy{0};
  std::atomic<uint64_t> refused_connections{0};
  std::atomic<uint64_t> refused_too_large{0};
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stopping{false};

  mutable std::mutex mu;
  std::map<std::string, size_t> per_source;                      // guarded by mu
  std::map<Connection*, std::weak_ptr<Connection>> connections;  // guarded by mu
  std::set<std::shared_ptr<Connection>> parked;                  // guarded by mu

  // Declared last, destroyed first: handlers still queued in it hold connections, which refer
  // to the members above.
  boost::asio::io_context ioc;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::vector<std::thread> io_threads;
  int port = 0;
};

}  // namespace hostplane::controller::http::detail
