#include "controller/http/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <utility>

#include "controller/http/http_connection.h"
#include "controller/http/http_server_state.h"

namespace hostplane::controller::http {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace detail {

bool ServerState::Admit(const std::string& source) {
  std::lock_guard lock(mu);
  if (connections.size() >= options.max_connections ||
      per_source[source] >= options.max_connections_per_source) {
    if (per_source[source] == 0) per_source.erase(source);
    return false;
  }
  ++per_source[source];
  return true;
}

void ServerState::Track(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  connections.emplace(c.get(), c);
}

void ServerState::Forget(Connection* c, const std::string& source) {
  std::lock_guard lock(mu);
  connections.erase(c);
  auto it = per_source.find(source);
  if (it != per_source.end() && --it->second == 0) per_source.erase(it);
}

bool ServerState::Park(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  if (parked.size() >= options.max_long_polls) return false;
  parked.insert(c);
  return true;
}

void ServerState::Unpark(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  parked.erase(c);
}

}  // namespace detail

namespace {

void Accept(detail::ServerState& s);

void OnAccept(detail::ServerState& s, boost::beast::error_code ec, tcp::socket socket) {
  if (s.stopping) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // Out of descriptors and the like: breathe instead of spinning on the error.
    spdlog::warn("http: accept failed: {}", ec.message());
    auto timer = std::make_shared<net::steady_timer>(s.ioc, std::chrono::milliseconds(50));
    timer->async_wait([&s, timer](boost::beast::error_code) { Accept(s); });
    return;
  }
  boost::beast::error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec);
  std::string source = peer_ec ? std::string("?") : peer.address().to_string();
  if (!s.Admit(source)) {
    ++s.refused_connections;
    boost::beast::error_code ignored;
    socket.close(ignored);
  } else {
    socket.set_option(tcp::no_delay(true), peer_ec);  // answers go out at once (no Nagle wait)
    auto c = std::make_shared<detail::Connection>(s, std::move(socket), std::move(source));
    s.Track(c);
    c->Start();
  }
  Accept(s);
}

void Accept(detail::ServerState& s) {
  // Each connection gets a strand of its own: its handlers never run concurrently, whatever the
  // number of I/O threads.
  s.acceptor->async_accept(net::make_strand(s.ioc),
                           [&s](boost::beast::error_code ec, tcp::socket socket) {
                             OnAccept(s, ec, std::move(socket));
                           });
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, HttpHandler& handler)
    : state_(std::make_unique<detail::ServerState>(std::move(options), handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  detail::ServerState& s = *state_;
  boost::beast::error_code ec;
  auto address = net::ip::make_address(s.options.bind, ec);
  if (ec)
    return Fail(Error::Unavailable("cannot listen on '" + s.options.bind + "': " + ec.message()));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
  s.acceptor.emplace(s.ioc);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  // The longest queue of not-yet-accepted connections the kernel allows (SOMAXCONN, capped by
  // net.core.somaxconn): a burst of new clients waits there instead of being reset.
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    s.acceptor.reset();
    return Fail(Error::Unavailable("cannot listen on " + s.options.bind + ":" +
                                   std::to_string(s.options.port) + ": " + ec.message()));
  }
  s.port = s.acceptor->local_endpoint().port();
  Accept(s);
  const size_t threads = s.options.io_threads == 0 ? 1 : s.options.io_threads;
  for (size_t i = 0; i < threads; ++i) {
    s.io_threads.emplace_back([&s] {
      // Exceptions end at this boundary: a handler that throws loses its connection, not the
      // server.
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: an I/O handler threw: {}", e.what());
        }
      }
    });
  }
  return Ok();
}

int HttpServer::port() const { return state_->port; }

void HttpServer::Stop() {
  detail::ServerState& s = *state_;
  if (s.io_threads.empty() || s.stopping.exchange(true)) return;
  net::post(s.ioc, [&s] {
    boost::beast::error_code ignored;
    if (s.acceptor) s.acceptor->close(ignored);
  });
  std::vector<std::shared_ptr<detail::Connection>> open;
  {
    std::lock_guard lock(s.mu);
    for (auto& [ptr, weak] : s.connections) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  for (auto& c : open) c->Abort();
  open.clear();
  // Handlers already running finish; their answers go nowhere (their connections are closed).
  s.read_pool.Stop();
  s.pool.Stop();
  // Let the closes run, so every client sees its connection end now rather than at destruction.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(s.mu);
      if (s.connections.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.ioc.stop();
  for (auto& t : s.io_threads) t.join();
  s.io_threads.clear();
  std::lock_guard lock(s.mu);
  s.parked.clear();
}

void HttpServer::Wake() {
  detail::ServerState& s = *state_;
  if (s.wake_pending.exchange(true)) return;  // a round is on its way already
  net::post(s.ioc, [&s] {
    s.wake_pending = false;
    std::vector<std::shared_ptr<detail::Connection>> waiting;
    {
      std::lock_guard lock(s.mu);
      waiting.assign(s.parked.begin(), s.parked.end());
    }
    for (auto& c : waiting) c->Repoll();
  });
}

HttpServerStats HttpServer::stats() const {
  const detail::ServerState& s = *state_;
  HttpServerStats out;
  {
    std::lock_guard lock(s.mu);
    out.connections = s.connections.size();
    out.long_polls = s.parked.size();
  }
  out.requests = s.requests;
  out.refused_busy = s.refused_busy;
  out.refused_connections = s.refused_connections;
  out.refused_too_large = s.refused_too_large;
  out.read_busy = s.read_pool.busy();
  out.read_queued = s.read_pool.queued();
  out.change_busy = s.pool.busy();
  out.change_queued = s.pool.queued();
  return out;
}

}  // namespace hostplane::controller::http
