#include "controller/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/http/raw_client_for_test.h"

namespace hostplane::controller::http {
namespace {

using namespace std::chrono_literals;
using testing::Get;
using testing::RawClient;

// A handler that answers "<method> <path> <body size>", blocks on /block until released, and
// makes /wait a long poll that answers once `ready` is set (or at its deadline).
class FakeHandler final : public HttpHandler {
 public:
  size_t BodyLimit(const HttpRequest& head) const override {
    return head.path == "/big" ? 4096 : 1024;
  }
  HttpReply Handle(const HttpRequest& req) override {
    ++handled;
    if (req.path == "/block") {
      std::unique_lock lock(mu);
      ++blocked;
      cv.notify_all();
      cv.wait(lock, [&] { return released; });
    }
    if (req.path == "/wait") {
      LongPoll poll;
      poll.deadline = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(std::stoi(req.get_param_value("ms")));
      poll.poll = [this](bool deadline_passed) -> std::optional<HttpResponse> {
        ++polls;
        if (ready) return Text(200, "ready");
        if (deadline_passed) return Text(200, "timeout");
        return std::nullopt;
      };
      return poll;
    }
    std::string text = req.method + " " + req.path + " " + std::to_string(req.body.size());
    for (const auto& [k, v] : req.params) text += " " + k + "=" + v;
    return Text(200, text);
  }
  HttpResponse Refusal(int status, const std::string& code, const std::string&) const override {
    return Text(status, "refused " + code);
  }
  static HttpResponse Text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/plain";
    r.body = std::move(body);
    return r;
  }
  void Release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
  void AwaitBlocked(int n) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 5s, [&] { return blocked >= n; });
  }

  std::atomic<int> handled{0};
  std::atomic<int> polls{0};
  std::atomic<bool> ready{false};
  std::mutex mu;
  std::condition_variable cv;
  int blocked = 0;
  bool released = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.bind = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, handler_);
    auto s = server_->Start();
    ASSERT_TRUE(s) << s.error().message;
  }
  void TearDown() override {
    handler_.Release();
    if (server_) server_->Stop();
  }
  int port() const { return server_->port(); }

  FakeHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(c.Send(Get("/x/a%2Fb?q=1+2&q=3")));
    std::string r = c.ReadResponse();
    ASSERT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
    // "%2F" stays inside its segment; '+' in a query is a space; repeated names are kept.
    EXPECT_NE(r.find("GET /x/a/b 0 q=1 2 q=3"), std::string::npos) << r;
  }
  EXPECT_EQ(handler_.handled, 50);
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitIs413BeforeTheHandlerAndClosed) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 64 KiB in 1 KiB chunks against a 1 KiB limit: refused at the limit, not after it all.
  std::string chunk = "400\r\n" + std::string(1024, 'a') + "\r\n";
  for (int i = 0; i < 64; ++i) {
    if (!c.Send(chunk)) break;  // the server may have stopped reading already
  }
  std::string r = c.ReadResponse();
  EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r;
  EXPECT_NE(r.find("refused too_large"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(handler_.handled, 0);
  EXPECT_EQ(server_->stats().refused_too_large, 1u);
}

TEST_F(HttpServerTest, ContentLengthOverTheLimitIs413WithoutReadingTheBody) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n"));
  std::string r = c.ReadResponse();
  EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r;
  EXPECT_EQ(handler_.handled, 0);
  // A route may allow more (BodyLimit per request): 2 KiB is fine on /big, not on /x.
  RawClient big(port());
  ASSERT_TRUE(big.Send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" +
                       std::string(2048, 'b')));
  r = big.ReadResponse();
  EXPECT_NE(r.find("POST /big 2048"), std::string::npos) << r;
}

TEST_F(HttpServerTest, ExpectContinueGetsA100ThenTheAnswer) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(
      c.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  std::string cont = c.ReadResponse();
  EXPECT_NE(cont.find("HTTP/1.1 100"), std::string::npos) << cont;
  ASSERT_TRUE(c.Send("hello"));
  EXPECT_NE(c.ReadResponse().find("POST /x 5"), std::string::npos);
  // Over the limit: 413 at once, no 100.
  RawClient big(port());
  ASSERT_TRUE(big.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_NE(big.ReadResponse().find("HTTP/1.1 413"), std::string::npos);
}

TEST_F(HttpServerTest, OversizedHeadersAndTooManyFieldsAre431) {
  HttpServerOptions o;
  o.header_limit = 2048;
  o.max_header_fields = 20;
  Start(o);
  RawClient big(port());
  ASSERT_TRUE(
      big.Send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n"));
  EXPECT_NE(big.ReadResponse().find("HTTP/1.1 431"), std::string::npos);
  RawClient many(port());
  std::string req = "GET /x HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 30; ++i) req += "X-F" + std::to_string(i) + ": v\r\n";
  ASSERT_TRUE(many.Send(req + "\r\n"));
  EXPECT_NE(many.ReadResponse().find("HTTP/1.1 431"), std::string::npos);
  EXPECT_EQ(handler_.handled, 0);
}

TEST_F(HttpServerTest, SlowHeadersSlowBodiesAndIdleConnectionsAreClosed) {
  HttpServerOptions o;
  o.header_timeout = 300ms;
  o.body_timeout = 300ms;
  o.idle_timeout = 300ms;
  Start(o);
  // Slow loris: a header trickling in never completes.
  RawClient loris(port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(loris.Send("GET /x HTTP/1.1\r\n"));
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(100ms);
    loris.Send("X-A: b\r\n");
  }
  EXPECT_TRUE(loris.Closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  // A body that stops half-way.
  RawClient slow_body(port());
  ASSERT_TRUE(slow_body.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  EXPECT_TRUE(slow_body.Closed());
  // A keep-alive connection that says nothing.
  RawClient idle(port());
  EXPECT_TRUE(idle.Closed());
  EXPECT_EQ(handler_.handled, 0);
}

TEST_F(HttpServerTest, ASlowLorisCrowdKeepsNoOneElseOut) {
  Start();
  std::vector<std::unique_ptr<RawClient>> crowd;
  for (int i = 0; i < 500; ++i) {
    crowd.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(crowd.back()->Send("GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n"));
  }
  for (int round = 0; round < 3; ++round) {
    RawClient c(port());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(c.Send(Get("/x")));
    std::string r = c.ReadResponse();
    EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  }
  EXPECT_GE(server_->stats().connections, 500u);
}

TEST_F(HttpServerTest, AFullQueueIsAnswered503WithRetryAfterAtOnce) {
  HttpServerOptions o;
  o.read_workers = 1;  // GETs run on the read pool
  o.queue_capacity = 1;
  Start(o);
  RawClient a(port()), b(port()), c(port());
  ASSERT_TRUE(a.Send(Get("/block")));  // takes the only worker
  handler_.AwaitBlocked(1);
  ASSERT_TRUE(b.Send(Get("/x")));  // waits in the queue
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.Send(Get("/x")));  // nowhere to go
  std::string r = c.ReadResponse();
  EXPECT_NE(r.find("HTTP/1.1 503"), std::string::npos) << r;
  EXPECT_NE(r.find("Retry-After: 1"), std::string::npos) << r;
  handler_.Release();
  EXPECT_NE(a.ReadResponse().find("GET /block"), std::string::npos);
  EXPECT_NE(b.ReadResponse().find("GET /x"), std::string::npos);
  // The refused connection stays usable.
  ASSERT_TRUE(c.Send(Get("/x")));
  EXPECT_NE(c.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(server_->stats().refused_busy, 1u);
}

TEST_F(HttpServerTest, ReadsAndChangesHaveTheirOwnPools) {
  HttpServerOptions o;
  o.read_workers = 1;
  o.workers = 1;
  o.queue_capacity = 1;
  Start(o);
  // A change holds the only change worker, a second one waits in its queue ...
  RawClient change(port()), queued(port());
  ASSERT_TRUE(change.Send("POST /block HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  handler_.AwaitBlocked(1);
  ASSERT_TRUE(queued.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  for (int i = 0; i < 200 && server_->stats().change_queued == 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(server_->stats().change_busy, 1u);
  EXPECT_EQ(server_->stats().change_queued, 1u);
  // ... and reads still answer at once.
  for (int i = 0; i < 3; ++i) {
    RawClient read(port());
    ASSERT_TRUE(read.Send(Get("/x")));
    EXPECT_NE(read.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
  }
  EXPECT_EQ(server_->stats().read_busy, 0u);
  EXPECT_EQ(server_->stats().read_queued, 0u);
  handler_.Release();
  EXPECT_NE(change.ReadResponse().find("POST /block"), std::string::npos);
  EXPECT_NE(queued.ReadResponse().find("POST /x"), std::string::npos);
}

TEST_F(HttpServerTest, LongPollsHoldNoWorkerAndWakeUpAtOnce) {
  HttpServerOptions o;
  o.read_workers = 1;  // the polls and GETs share it
  o.recheck = 10s;     // only Wake() or the deadline can end them here
  Start(o);
  std::vector<std::unique_ptr<RawClient>> waiters;
  for (int i = 0; i < 20; ++i) {
    waiters.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(waiters.back()->Send(Get("/wait?ms=30000")));
  }
  for (int i = 0; i < 200 && server_->stats().long_polls < 20; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(server_->stats().long_polls, 20u);
  // The one worker is free for everybody else meanwhile.
  RawClient other(port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(other.Send(Get("/x")));
  EXPECT_NE(other.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  // A result: every waiter answers now, long before the 10 s recheck.
  handler_.ready = true;
  server_->Wake();
  for (auto& w : waiters) {
    std::string r = w->ReadResponse();
    EXPECT_NE(r.find("ready"), std::string::npos) << r;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(server_->stats().long_polls, 0u);
}

TEST_F(HttpServerTest, LongPollsRecheckOnTheirOwnAndAnswerAtTheDeadline) {
  HttpServerOptions o;
  o.recheck = 50ms;
  Start(o);
  RawClient timeout(port());
  ASSERT_TRUE(timeout.Send(Get("/wait?ms=300")));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(timeout.ReadResponse().find("timeout"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_GE(handler_.polls, 4);  // the recheck ran meanwhile (every 50 ms)
  // Without any Wake(), the recheck alone sees a result (another controller recorded it).
  RawClient later(port());
  ASSERT_TRUE(later.Send(Get("/wait?ms=5000")));
  std::this_thread::sleep_for(100ms);
  handler_.ready = true;
  const auto set = std::chrono::steady_clock::now();
  EXPECT_NE(later.ReadResponse().find("ready"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - set, 1s);
}

TEST_F(HttpServerTest, CapsOnLongPollsAndConnectionsHold) {
  HttpServerOptions o;
  o.max_long_polls = 2;
  o.max_connections_per_source = 4;
  Start(o);
  auto w1 = std::make_unique<RawClient>(port());
  RawClient w2(port()), w3(port());
  ASSERT_TRUE(w1->Send(Get("/wait?ms=5000")));
  ASSERT_TRUE(w2.Send(Get("/wait?ms=5000")));
  for (int i = 0; i < 200 && server_->stats().long_polls < 2; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(w3.Send(Get("/wait?ms=5000")));
  EXPECT_NE(w3.ReadResponse().find("HTTP/1.1 503"), std::string::npos);
  // Four connections from 127.0.0.1 are open; the fifth is closed at once.
  RawClient fourth(port());
  ASSERT_TRUE(fourth.Send(Get("/x")));
  ASSERT_NE(fourth.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
  RawClient fifth(port());
  EXPECT_TRUE(fifth.Closed());
  EXPECT_GE(server_->stats().refused_connections, 1u);
  // A waiter that hangs up frees its slot at once, long before its deadline.
  w1.reset();
  for (int i = 0; i < 200 && server_->stats().long_polls > 1; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(server_->stats().long_polls, 1u);
}

TEST_F(HttpServerTest, StopEndsWaitingConnections) {
  Start();
  RawClient w(port());
  ASSERT_TRUE(w.Send(Get("/wait?ms=60000")));
  for (int i = 0; i < 200 && server_->stats().long_polls < 1; ++i) std::this_thread::sleep_for(5ms);
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_TRUE(w.Closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

}  // namespace
}  // namespace hostplane::controller::http
