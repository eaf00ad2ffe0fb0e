#pragma once

// One client connection of HttpServer (internal to src/controller/http): reads one request at a
// time under the limits of HttpServerOptions, hands it to a worker, writes the answer, and waits
// for the next. Everything it does runs on its own strand, so it needs no lock; workers reach it
// only by posting to that strand. Kept alive by the operations it has in flight
// (shared_from_this) and, while a long poll waits, by ServerState::parked.

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "controller/http/http_message.h"
#include "controller/http/http_server_state.h"

namespace hostplane::controller::http::detail {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerState& server, boost::asio::ip::tcp::socket socket, std::string source);
  ~Connection();

  // Starts reading requests (posts to the strand).
  void Start();
  // Closes at once (server stop). Any thread.
  void Abort();
  // A waiting long poll polls again (Wake). Any thread.
  void Repoll();

 private:
  void WaitForRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void Dispatch();
  void OnReply(HttpReply reply);
  void StartWaiting(LongPoll poll);
  void ArmPollTimer();
  void Poll(bool deadline_passed);
  void OnPolled(std::optional<HttpResponse> response, bool deadline_passed);
  void WatchForHangUp();
  void StopWaiting();
  // Sends an answer the server itself makes (handler.Refusal); close: end the connection after.
  void Refuse(int status, const char* code, const std::string& message, bool close);
  void Write(HttpResponse response);
  void OnWrite(bool close, boost::beast::error_code ec);
  // Stops sending, discards what the client still sends for options.linger, then closes.
  void Linger();
  void Close();

  ServerState& server_;
  boost::beast::tcp_stream stream_;
  const std::string source_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> head_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response_;
  HttpRequest request_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool is_head_ = false;      // the request is a HEAD: its answer has headers and a length, no body
  bool body_unread_ = false;  // a refusal left body bytes on the wire
  std::chrono::steady_clock::time_point started_;

  // A waiting long poll.
  std::optional<LongPoll> waiting_;
  bool polling_ = false;  // a poll runs on a worker now
  bool repoll_ = false;   // Repoll() came while it ran: poll again after it
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer linger_timer_;
  bool closed_ = false;
};

}  // namespace hostplane::controller::http::detail
