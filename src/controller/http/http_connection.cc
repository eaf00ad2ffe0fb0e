#include "controller/http/http_connection.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <exception>
#include <utility>

namespace hostplane::controller::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// Unparsed bytes a connection may hold besides the body being read: the header (header_limit)
// and what the client sent ahead of it.
constexpr size_t kBufferMax = 64 * 1024;

bool IsHangUp(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::bad_descriptor;
}

bool EqualsNoCase(beast::string_view a, beast::string_view b) { return beast::iequals(a, b); }

}  // namespace

Connection::Connection(ServerState& server, tcp::socket socket, std::string source)
    : server_(server),
      stream_(std::move(socket)),
      source_(std::move(source)),
      buffer_(kBufferMax),
      poll_timer_(stream_.get_executor()),
      linger_timer_(stream_.get_executor()) {}

Connection::~Connection() { server_.Forget(this, source_); }

void Connection::Start() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
}

void Connection::Abort() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void Connection::Repoll() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->waiting_) self->Poll(false);
  });
}

void Connection::WaitForRequest() {
  if (closed_) return;
  if (buffer_.size() > 0) {  // the client sent the next request ahead (pipelining)
    ReadHeader();
    return;
  }
  // Idle between requests: costs this object and its socket, no thread.
  stream_.expires_after(server_.options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            if (ec) return self->Close();
                            self->buffer_.commit(n);
                            self->ReadHeader();
                          });
}

void Connection::ReadHeader() {
  started_ = std::chrono::steady_clock::now();
  is_head_ = false;
  head_.emplace();
  head_->header_limit(server_.options.header_limit);
  head_->body_limit(boost::none);  // decided from the header (OnHeader), by the handler
  stream_.expires_after(server_.options.header_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *head_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    body_unread_ = true;
    return Refuse(431, "header_too_large", "The request header is too large.", true);
  }
  if (ec) {
    if (IsHangUp(ec)) return Close();  // gone, or too slow (slow loris): nothing to answer
    body_unread_ = true;
    return Refuse(400, "bad_request", "The request could not be read.", true);
  }
  const auto& head = head_->get();
  version_ = head.version();
  keep_alive_ = head.keep_alive();
  is_head_ = head.method() == bhttp::verb::head;
  request_ = HttpRequest{};
  request_.method = std::string(head.method_string());
  request_.target = std::string(head.target());
  request_.remote_address = source_;
  size_t fields = 0;
  for (const auto& field : head) {
    if (++fields > server_.options.max_header_fields) {
      body_unread_ = true;
      return Refuse(431, "header_too_large", "The request has too many header fields.", true);
    }
    request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  ParseTarget(request_.target, request_);

  const size_t limit = server_.handler.BodyLimit(request_);
  auto length = head_->content_length();
  if (length && *length > limit) {
    ++server_.refused_too_large;
    body_unread_ = true;
    return Refuse(413, "too_large", "The request body is too large.", true);
  }
  const bool has_body = head_->chunked() || (length && *length > 0);
  const bool expects_continue = EqualsNoCase(head[bhttp::field::expect], "100-continue");
  parser_.emplace(std::move(*head_));
  head_.reset();
  parser_->body_limit(limit);
  if (has_body && expects_continue) {
    // The client waits for this before it sends the body.
    auto cont =
        std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
    stream_.expires_after(server_.options.write_timeout);
    return bhttp::async_write(stream_, *cont,
                              [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                                if (ec) return self->Close();
                                self->ReadBody();
                              });
  }
  ReadBody();
}

void Connection::ReadBody() {
  stream_.expires_after(server_.options.body_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Connection::OnBody(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    // Chunked (or unannounced) bodies are cut here, at the limit: nothing more was kept.
    ++server_.refused_too_large;
    body_unread_ = true;
    parser_.reset();
    return Refuse(413, "too_large", "The request body is too large.", true);
  }
  if (ec) {
    parser_.reset();
    if (IsHangUp(ec)) return Close();
    body_unread_ = true;
    return Refuse(400, "bad_request", "The request could not be read.", true);
  }
  request_.body = std::move(parser_->get().body());
  keep_alive_ = parser_->get().keep_alive();
  parser_.reset();
  Dispatch();
}

void Connection::Dispatch() {
  stream_.expires_never();
  bool queued = server_.PoolFor(request_.method).TryPost([self = shared_from_this()] {
    HttpReply reply;
    try {
      reply = self->server_.handler.Handle(self->request_);
    } catch (const std::exception& e) {
      spdlog::error("http: {} failed with an exception: {}", self->request_.method, e.what());
      reply = self->server_.handler.Refusal(500, "internal", "internal error");
    }
    net::post(self->stream_.get_executor(),
              [self, reply = std::move(reply)]() mutable { self->OnReply(std::move(reply)); });
  });
  if (!queued) {
    ++server_.refused_busy;
    Refuse(503, "busy", "The server is busy; try again in a moment.", false);
  }
}

void Connection::OnReply(HttpReply reply) {
  if (closed_) return;
  if (auto* response = std::get_if<HttpResponse>(&reply)) return Write(std::move(*response));
  StartWaiting(std::move(std::get<LongPoll>(reply)));
}

void Connection::StartWaiting(LongPoll poll) {
  if (!server_.Park(shared_from_this())) {
    ++server_.refused_busy;
    return Refuse(503, "busy", "Too many requests are waiting; try again in a moment.", false);
  }
  waiting_ = std::move(poll);
  WatchForHangUp();
  ArmPollTimer();
}

void Connection::ArmPollTimer() {
  const auto now = std::chrono::steady_clock::now();
  const auto next = std::min(waiting_->deadline, now + server_.options.recheck);
  poll_timer_.expires_at(next);
  poll_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->waiting_) return;  // cancelled: answered, woken or closed
    self->Poll(std::chrono::steady_clock::now() >= self->waiting_->deadline);
  });
}

void Connection::Poll(bool deadline_passed) {
  if (closed_ || !waiting_) return;
  if (polling_) {
    repoll_ = true;
    return;
  }
  poll_timer_.cancel();
  polling_ = true;
  bool queued = server_.read_pool.TryPost(
      [self = shared_from_this(), poll = waiting_->poll, deadline_passed] {
        std::optional<HttpResponse> response;
        try {
          response = poll(deadline_passed);
        } catch (const std::exception& e) {
          spdlog::error("http: a long poll failed with an exception: {}", e.what());
          response = self->server_.handler.Refusal(500, "internal", "internal error");
        }
        net::post(self->stream_.get_executor(),
                  [self, response = std::move(response), deadline_passed]() mutable {
                    self->OnPolled(std::move(response), deadline_passed);
                  });
      });
  if (!queued) {
    // Every worker is busy: try again at the next tick instead of piling up.
    polling_ = false;
    ArmPollTimer();
  }
}

void Connection::OnPolled(std::optional<HttpResponse> response, bool deadline_passed) {
  polling_ = false;
  if (closed_ || !waiting_) return;
  if (!response && deadline_passed) {
    response = server_.handler.Refusal(500, "internal", "The wait ended without an answer.");
  }
  if (response) {
    StopWaiting();
    return Write(std::move(*response));
  }
  if (repoll_) {
    repoll_ = false;
    return Poll(false);
  }
  ArmPollTimer();
}

void Connection::WatchForHangUp() {
  // While a long poll waits nothing is read; a readable socket then means the client hung up
  // (or, rarely, sent its next request early, which stays in the socket for later).
  stream_.socket().async_wait(
      tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
        if (ec || !self->waiting_ || self->closed_) return;
        char c;
        ssize_t n = ::recv(self->stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          self->Close();
        }
      });
}

void Connection::StopWaiting() {
  waiting_.reset();
  repoll_ = false;
  poll_timer_.cancel();
  server_.Unpark(shared_from_this());
}

void Connection::Refuse(int status, const char* code, const std::string& message, bool close) {
  HttpResponse r = server_.handler.Refusal(status, code, message);
  r.close = r.close || close;
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  Write(std::move(r));
}

void Connection::Write(HttpResponse r) {
  if (closed_) return;
  ++server_.requests;
  const bool close = r.close || !keep_alive_ || server_.stopping;
  response_ = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(r.status), version_);
  if (!r.content_type.empty()) response_->set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) response_->insert(name, value);
  response_->keep_alive(!close);
  if (is_head_ && r.status != 304) {
    // The length a GET would get, and no body (RFC 9110 9.3.2).
    response_->content_length(r.body.size());
  } else {
    response_->body() = std::move(r.body);
    response_->prepare_payload();
  }
  stream_.expires_after(server_.options.write_timeout);
  bhttp::async_write(stream_, *response_,
                     [self = shared_from_this(), close](beast::error_code ec, size_t) {
                       self->OnWrite(close, ec);
                     });
}

void Connection::OnWrite(bool close, beast::error_code ec) {
  response_.reset();
  if (ec || closed_) return Close();
  if (close) return body_unread_ ? Linger() : Close();
  WaitForRequest();
}

void Connection::Linger() {
  if (closed_) return;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_never();
  linger_timer_.expires_after(server_.options.linger);
  linger_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->Close();
  });
  // Read and drop: memory stays flat however much the client still sends.
  auto drain = std::make_shared<std::function<void()>>();
  auto scratch = std::make_shared<std::array<char, 16 * 1024>>();
  *drain = [self = shared_from_this(), drain, scratch] {
    self->stream_.socket().async_read_some(net::buffer(*scratch),
                                           [self, drain, scratch](beast::error_code ec, size_t) {
                                             if (ec || self->closed_) {
                                               self->Close();
                                               *drain = nullptr;  // break the cycle
                                               return;
                                             }
                                             (*drain)();
                                           });
  };
  (*drain)();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  if (waiting_) StopWaiting();
  poll_timer_.cancel();
  linger_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace hostplane::controller::http::detail
