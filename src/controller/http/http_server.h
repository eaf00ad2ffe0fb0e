#pragma once

// The controller's HTTP/1.1 server: asynchronous I/O (Boost.Beast over Asio, Debian's
// libboost1.81-dev; this folder is the only one that includes Beast), handlers on a bounded
// worker pool. What it guarantees, whatever the clients do:
//  - listen backlog SOMAXCONN; accepting never waits for a handler; an idle keep-alive
//    connection costs a socket and a few KiB, never a thread;
//  - every request body is limited by the parser, for every transfer encoding (Content-Length
//    and chunked alike), before the handler (and so before authentication) runs: 413 and the
//    connection closed, with nothing buffered beyond the limit; HttpHandler::BodyLimit chooses
//    the limit per request from its header;
//  - header size and field count are limited (431); the time to send a header and a body is
//    limited (a slow-loris client is cut off), as is the idle time between requests;
//  - at most max_connections connections in all and max_connections_per_source from one
//    address: more are closed at accept;
//  - handlers run on two bounded pools: reads (GET, HEAD: CPU work) on `read_workers`, as many
//    as the cores, and changes (every other method: they wait for the store's durable commit)
//    on `workers`; when queue_capacity requests already wait for a pool, the next is answered
//    503 with Retry-After at once, never queued without end. Two pools, so reads are not slowed
//    by more threads than cores competing for them, and a burst of changes waiting for the disk
//    cannot hold up reads, nor reads the commits;
//  - a long poll (HttpReply = LongPoll) holds no thread while it waits: it is re-polled on a
//    worker when Wake() is called and at least every `recheck`; at most max_long_polls wait at
//    once (503 beyond), so streams cannot starve the other requests.
//
// Threads: Start/Stop by the owner from one thread; Wake, port and stats from any thread. The
// handler is called concurrently: BodyLimit and Refusal on I/O threads, Handle and the polls on
// workers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "controller/http/http_message.h"

namespace hostplane::controller::http {

namespace detail {
struct ServerState;  // http_server_state.h
}  // namespace detail

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0: the kernel picks one (port())
  size_t io_threads = 1;
  size_t read_workers = 0;      // 0: one per core (std::thread::hardware_concurrency), at least 2
  size_t workers = 16;          // for changes (POST, PATCH, DELETE ...)
  size_t queue_capacity = 512;  // per pool
  size_t max_connections = 8192;
  size_t max_connections_per_source = 1024;
  size_t max_long_polls = 1024;
  uint32_t header_limit = 16 * 1024;  // bytes of request line and header fields
  size_t max_header_fields = 100;
  std::chrono::milliseconds idle_timeout{60'000};    // between requests on a connection
  std::chrono::milliseconds header_timeout{10'000};  // first byte of a request to its last header
  std::chrono::milliseconds body_timeout{60'000};    // the whole body
  std::chrono::milliseconds write_timeout{30'000};   // the whole answer
  std::chrono::milliseconds recheck{250};            // long polls re-poll at least this often
  // After a refusal that leaves body bytes unread (413), the server stops sending, reads and
  // discards what the client still sends for up to this long, then closes: closing with unread
  // data would make the kernel reset the connection and the client might never see its 413.
  std::chrono::milliseconds linger{2'000};
};

struct HttpServerStats {
  uint64_t connections = 0;          // open now
  uint64_t long_polls = 0;           // waiting now
  uint64_t requests = 0;             // answered since start
  uint64_t refused_busy = 0;         // 503: no worker free and the queue full
  uint64_t refused_connections = 0;  // closed at accept: over a connection cap
  uint64_t refused_too_large = 0;    // 413
  // The two worker pools now: threads running a handler, and requests waiting for one.
  uint64_t read_busy = 0;
  uint64_t read_queued = 0;
  uint64_t change_busy = 0;
  uint64_t change_queued = 0;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler& handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads and the workers. Errors: kUnavailable when the
  // address cannot be bound.
  [[nodiscard]] Status Start();
  // The bound port (the chosen one when options.port was 0); 0 before Start.
  int port() const;
  // Stops accepting, closes every connection (waiting long polls included), lets running
  // handlers finish and joins every thread. Idempotent.
  void Stop();

  // Every waiting long poll polls again soon (coalesced: many calls, one round). Cheap; never
  // blocks; any thread.
  void Wake();

  HttpServerStats stats() const;

 private:
  std::unique_ptr<detail::ServerState> state_;
};

}  // namespace hostplane::controller::http
