#include "common/nats/nats_bus.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <utility>

namespace hostplane {
namespace {

using namespace std::chrono_literals;

// How long a destructor waits for cnats to confirm that a callback can no longer run. Only a
// handler blocked for this long delays it; past it, the closure is leaked rather than freed under
// a callback that might still come.
constexpr auto kCallbackDrainLimit = 30s;

struct OptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using OptionsPtr = std::unique_ptr<natsOptions, OptionsDeleter>;
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

// cnats' words for s, with the calling thread's last error when it says more.
std::string NatsText(natsStatus s) {
  std::string text = natsStatus_GetText(s);
  natsStatus last_status = NATS_OK;
  const char* last = nats_GetLastError(&last_status);
  if (last != nullptr && *last != '\0' && last_status == s && text != last) {
    text += std::string(" (") + last + ")";
  }
  return text;
}

ErrorCode CodeOf(natsStatus s) {
  switch (s) {
    case NATS_TIMEOUT:
      return ErrorCode::kTimeout;
    case NATS_NOT_PERMITTED:
      return ErrorCode::kForbidden;
    case NATS_CONNECTION_AUTH_FAILED:
      return ErrorCode::kUnauthorized;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_QUEUE_NAME:
    case NATS_INVALID_TIMEOUT:
    case NATS_ADDRESS_MISSING:
    case NATS_MAX_PAYLOAD:
    case NATS_NOT_FOUND:
    case NATS_SSL_ERROR:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED:
      return ErrorCode::kInvalid;
    case NATS_NO_MEMORY:
    case NATS_ILLEGAL_STATE:
    case NATS_NOT_INITIALIZED:
    case NATS_FAILED_TO_INITIALIZE:
      return ErrorCode::kInternal;
    default:  // closed, disconnected, no server, I/O, stale, reconnect buffer full, no responders
      return ErrorCode::kUnavailable;
  }
}

Error NatsError(natsStatus s, const std::string& context) {
  return Error{CodeOf(s), context + ": " + NatsText(s), {}};
}

// The third exception boundary of STYLE.md: nothing may unwind into cnats' C frames.
template <typename F>
void Guarded(const char* callback, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("nats {} callback threw: {}", callback, e.what());
  } catch (...) {
    spdlog::error("nats {} callback threw a non-standard exception", callback);
  }
}

// Waits until *done under mu, at most kCallbackDrainLimit. Returns whether it became true.
bool WaitFor(std::mutex& mu, std::condition_variable& cv, const bool& done) {
  std::unique_lock lock(mu);
  return cv.wait_for(lock, kCallbackDrainLimit, [&] { return done; });
}

// What the connection's callbacks need; lives until cnats reports the connection closed.
struct ConnectionState {
  std::function<void()> on_reconnect;
  std::function<void()> on_disconnect;
  std::string name;
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
};

void RunOnReconnect(ConnectionState* st, const char* what) {
  Guarded(what, [&] {
    if (st->on_reconnect) st->on_reconnect();
  });
}

void OnReconnected(natsConnection* nc, void* closure) {
  auto* st = static_cast<ConnectionState*>(closure);
  Guarded("reconnected", [&] {
    char url[256] = {0};
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    spdlog::info("nats {}: reconnected to {}", st->name, url);
  });
  RunOnReconnect(st, "on_reconnect");
}

void OnConnected(natsConnection* nc, void* closure) {
  auto* st = static_cast<ConnectionState*>(closure);
  Guarded("connected", [&] {
    char url[256] = {0};
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    spdlog::info("nats {}: connected to {}", st->name, url);
  });
  RunOnReconnect(st, "on_reconnect");
}

void OnDisconnected(natsConnection* nc, void* closure) {
  auto* st = static_cast<ConnectionState*>(closure);
  Guarded("disconnected", [&] {
    if (natsConnection_IsClosed(nc)) return;  // our own Close(), not an outage
    spdlog::warn("nats {}: disconnected; reconnecting (publishes are buffered)", st->name);
    if (st->on_disconnect) st->on_disconnect();
  });
}

void OnClosed(natsConnection* nc, void* closure) {
  auto* st = static_cast<ConnectionState*>(closure);
  Guarded("closed", [&] {
    std::lock_guard lock(st->mu);
    st->closed = true;
  });
  st->cv.notify_all();
}

// Asynchronous errors: a permission violation or a slow consumer is only known this way.
void OnAsyncError(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure) {
  auto* st = static_cast<ConnectionState*>(closure);
  Guarded("error", [&] {
    const char* text = nullptr;
    natsConnection_GetLastError(nc, &text);
    spdlog::error("nats {}: {}{}{}{}", st->name, natsStatus_GetText(err),
                  text != nullptr && *text != '\0' ? ": " : "", text != nullptr ? text : "",
                  sub != nullptr
                      ? std::string(" (subscription to ") + natsSubscription_GetSubject(sub) + ")"
                      : std::string());
  });
}

// One subscription's handler, and the flag cnats' completion callback sets once the handler can
// no longer run.
struct SubscriptionState {
  Bus::Handler handler;
  std::mutex mu;
  std::condition_variable cv;
  bool complete = false;
  bool orphaned = false;  // the owner is gone: the completion callback frees this
};

// The subscription whose handler runs on this thread: destroying it from inside its own handler
// must not wait for that handler to return.
thread_local const SubscriptionState* current_subscription = nullptr;

void OnMessage(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure) {
  MsgPtr owned(msg);
  auto* st = static_cast<SubscriptionState*>(closure);
  Guarded("message", [&] {
    BusMessage m;
    m.subject = natsMsg_GetSubject(msg);
    if (const char* data = natsMsg_GetData(msg); data != nullptr) {
      m.data.assign(data, static_cast<size_t>(natsMsg_GetDataLength(msg)));
    }
    if (const char* reply = natsMsg_GetReply(msg); reply != nullptr) m.reply = reply;
    struct Current {
      explicit Current(const SubscriptionState* s) { current_subscription = s; }
      ~Current() { current_subscription = nullptr; }
    } current(st);
    st->handler(m);
  });
}

void OnSubscriptionComplete(void* closure) {
  auto* st = static_cast<SubscriptionState*>(closure);
  bool orphaned = false;
  {
    std::lock_guard lock(st->mu);
    st->complete = true;
    orphaned = st->orphaned;
  }
  if (orphaned) {
    delete st;
    return;
  }
  st->cv.notify_all();
}

// Gives up ownership of st: frees it now if its completion already ran, else leaves that to
// OnSubscriptionComplete.
void Orphan(std::unique_ptr<SubscriptionState> st) {
  std::lock_guard lock(st->mu);
  if (st->complete) return;  // st is freed by the unique_ptr after the lock is released
  st->orphaned = true;
  st.release();  // NOLINT: OnSubscriptionComplete deletes it
}

// Holds a reference on the connection (cnats keeps the connection alive while a subscription
// exists), so it may outlive the NatsBus.
class NatsSubscription final : public Subscription {
 public:
  NatsSubscription(natsSubscription* sub, std::unique_ptr<SubscriptionState> state)
      : sub_(sub), state_(std::move(state)) {}

  ~NatsSubscription() override {
    std::string subject =
        natsSubscription_GetSubject(sub_) ? natsSubscription_GetSubject(sub_) : "";
    // Fails only when the subscription is already closed (its connection closed): the
    // completion callback has then run, or is about to.
    if (natsStatus s = natsSubscription_Unsubscribe(sub_); s != NATS_OK) {
      spdlog::debug("nats: unsubscribing from {}: {}", subject, NatsText(s));
    }
    if (current_subscription == state_.get()) {
      // Called from its own handler: cnats completes it after the handler returns.
      Orphan(std::move(state_));
    } else if (!WaitFor(state_->mu, state_->cv, state_->complete)) {
      spdlog::error("nats: the handler of {} is still running after {} s; leaving it its state",
                    subject, kCallbackDrainLimit.count());
      Orphan(std::move(state_));
    }
    natsSubscription_Destroy(sub_);
  }

 private:
  natsSubscription* sub_;
  std::unique_ptr<SubscriptionState> state_;
};

class NatsBus final : public Bus {
 public:
  NatsBus(natsConnection* conn, std::unique_ptr<ConnectionState> state,
          std::chrono::milliseconds flush_timeout)
      : conn_(conn), state_(std::move(state)), flush_timeout_(flush_timeout) {}

  ~NatsBus() override {
    natsConnection_Close(conn_);
    // The closed callback is the last one cnats runs for this connection: only after it may the
    // state the callbacks use be freed.
    if (!WaitFor(state_->mu, state_->cv, state_->closed)) {
      spdlog::error("nats {}: no close confirmation; keeping its callback state", state_->name);
      state_.release();  // NOLINT: a late callback may still use it
    }
    natsConnection_Destroy(conn_);
  }

  Status Publish(const std::string& subject, const std::string& data,
                 const std::string& reply) override {
    HP_TRY(CheckSize(data, subject));
    natsStatus s = reply.empty()
                       ? natsConnection_Publish(conn_, subject.c_str(), data.data(),
                                                static_cast<int>(data.size()))
                       : natsConnection_PublishRequest(conn_, subject.c_str(), reply.c_str(),
                                                       data.data(), static_cast<int>(data.size()));
    if (s != NATS_OK) return Fail(NatsError(s, "publishing on " + subject));
    return Ok();
  }

  Result<std::unique_ptr<Subscription>> Subscribe(const std::string& subject,
                                                  const std::string& queue_group,
                                                  Handler handler) override {
    auto state = std::make_unique<SubscriptionState>();
    state->handler = std::move(handler);
    natsSubscription* sub = nullptr;
    natsStatus s =
        queue_group.empty()
            ? natsConnection_Subscribe(&sub, conn_, subject.c_str(), OnMessage, state.get())
            : natsConnection_QueueSubscribe(&sub, conn_, subject.c_str(), queue_group.c_str(),
                                            OnMessage, state.get());
    if (s != NATS_OK) return Fail(NatsError(s, "subscribing to " + subject));
    s = natsSubscription_SetOnCompleteCB(sub, OnSubscriptionComplete, state.get());
    if (s != NATS_OK) {
      // Only when the connection closed meanwhile; a handler may be running: keep its state.
      Error e = NatsError(s, "subscribing to " + subject);
      natsSubscription_Destroy(sub);
      state.release();  // NOLINT: see above
      return Fail(e);
    }
    // A round trip, so that the server knows the interest before Subscribe returns: a message
    // published right after is delivered. While disconnected, cnats re-subscribes on reconnect.
    if (natsStatus f = natsConnection_FlushTimeout(conn_, flush_timeout_.count()); f != NATS_OK) {
      spdlog::warn("nats {}: subscription to {} not confirmed yet: {}", state_->name, subject,
                   NatsText(f));
    }
    return std::unique_ptr<Subscription>(new NatsSubscription(sub, std::move(state)));
  }

  Result<std::string> Request(const std::string& subject, const std::string& data,
                              std::chrono::milliseconds timeout) override {
    HP_TRY(CheckSize(data, subject));
    natsMsg* raw = nullptr;
    natsStatus s = natsConnection_Request(&raw, conn_, subject.c_str(), data.data(),
                                          static_cast<int>(data.size()), timeout.count());
    if (s == NATS_TIMEOUT) {
      return Fail(Error::Timeout("no reply on " + subject + " within " +
                                 std::to_string(timeout.count()) + " ms"));
    }
    if (s == NATS_NO_RESPONDERS) return Fail(Error::Unavailable("no responders on " + subject));
    if (s != NATS_OK) return Fail(NatsError(s, "request on " + subject));
    MsgPtr reply(raw);
    const char* body = natsMsg_GetData(reply.get());
    if (body == nullptr) return std::string();
    return std::string(body, static_cast<size_t>(natsMsg_GetDataLength(reply.get())));
  }

 private:
  static Status CheckSize(const std::string& data, const std::string& subject) {
    if (data.size() > static_cast<size_t>(INT_MAX)) {
      return Fail(Error::Invalid("message on " + subject + " is too large"));
    }
    return Ok();
  }

  natsConnection* conn_;
  std::unique_ptr<ConnectionState> state_;
  std::chrono::milliseconds flush_timeout_;
};

Status CheckOptions(const NatsOptions& o) {
  if (o.servers.empty()) return Fail(Error::Invalid("nats: no server URL given"));
  int credentials = !o.user.empty() + !o.token.empty() + !o.creds_file.empty();
  if (credentials > 1) {
    return Fail(Error::Invalid("nats: give at most one of user, token and creds file"));
  }
  if (!o.password.empty() && o.user.empty()) {
    return Fail(Error::Invalid("nats: a password needs a user"));
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return Fail(Error::Invalid("nats: a TLS client certificate needs its key, and the other way"));
  }
  if (o.reconnect_buffer_bytes < 0) {
    return Fail(Error::Invalid("nats: the reconnect buffer size cannot be negative"));
  }
  if (o.connect_timeout.count() <= 0 || o.reconnect_wait.count() < 0) {
    return Fail(Error::Invalid("nats: timeouts must be positive"));
  }
  if (!o.inbox_prefix.empty()) HP_TRY(CheckInboxPrefix(o.inbox_prefix));
  return Ok();
}

}  // namespace

Status CheckInboxPrefix(const std::string& prefix) {
  constexpr size_t kMaxLength = 128;
  bool ok = !prefix.empty() && prefix.size() <= kMaxLength && prefix.front() != '.' &&
            prefix.back() != '.' && prefix.find("..") == std::string::npos;
  for (char c : prefix) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    return Fail(Error::Invalid("nats: inbox prefix '" + prefix +
                               "' is not dot-separated tokens of letters, digits, '_' and '-'"));
  }
  return Ok();
}

Result<std::unique_ptr<Bus>> ConnectNatsBus(const NatsOptions& options) {
  HP_TRY(CheckOptions(options));
  natsOptions* raw_options = nullptr;
  if (natsStatus s = natsOptions_Create(&raw_options); s != NATS_OK) {
    return Fail(NatsError(s, "nats: creating options"));
  }
  OptionsPtr opts(raw_options);
  auto set = [](natsStatus s, const std::string& what) -> Status {
    if (s != NATS_OK) return Fail(NatsError(s, "nats: " + what));
    return Ok();
  };
  std::vector<const char*> urls;
  for (const auto& url : options.servers) urls.push_back(url.c_str());
  HP_TRY(set(natsOptions_SetServers(opts.get(), urls.data(), static_cast<int>(urls.size())),
             "server URLs"));
  // The servers are tried in the order given (a site's own leaf node first).
  HP_TRY(set(natsOptions_SetNoRandomize(opts.get(), true), "server order"));
  auto state = std::make_unique<ConnectionState>();
  state->name = options.name.empty() ? std::string("hostplane") : options.name;
  state->on_reconnect = options.on_reconnect;
  state->on_disconnect = options.on_disconnect;
  HP_TRY(set(natsOptions_SetName(opts.get(), state->name.c_str()), "connection name"));
  if (!options.user.empty()) {
    HP_TRY(set(natsOptions_SetUserInfo(opts.get(), options.user.c_str(), options.password.c_str()),
               "user"));
  }
  if (!options.token.empty()) {
    HP_TRY(set(natsOptions_SetToken(opts.get(), options.token.c_str()), "token"));
  }
  if (!options.creds_file.empty()) {
    HP_TRY(set(
        natsOptions_SetUserCredentialsFromFiles(opts.get(), options.creds_file.c_str(), nullptr),
        "creds file " + options.creds_file));
  }
  if (!options.tls_ca_file.empty()) {
    HP_TRY(set(natsOptions_SetSecure(opts.get(), true), "TLS"));
    HP_TRY(set(natsOptions_LoadCATrustedCertificates(opts.get(), options.tls_ca_file.c_str()),
               "TLS CA file " + options.tls_ca_file));
  }
  if (!options.tls_cert_file.empty()) {
    HP_TRY(set(natsOptions_LoadCertificatesChain(opts.get(), options.tls_cert_file.c_str(),
                                                 options.tls_key_file.c_str()),
               "TLS client certificate " + options.tls_cert_file));
  }
  if (!options.inbox_prefix.empty()) {
    HP_TRY(set(natsOptions_SetCustomInboxPrefix(opts.get(), options.inbox_prefix.c_str()),
               "inbox prefix " + options.inbox_prefix));
  }
  HP_TRY(set(natsOptions_SetTimeout(opts.get(), options.connect_timeout.count()), "timeout"));
  HP_TRY(set(natsOptions_SetAllowReconnect(opts.get(), true), "reconnect"));
  HP_TRY(set(natsOptions_SetMaxReconnect(opts.get(), -1), "unlimited reconnects"));
  HP_TRY(set(natsOptions_SetReconnectWait(opts.get(), options.reconnect_wait.count()),
             "reconnect wait"));
  HP_TRY(set(natsOptions_SetReconnectBufSize(opts.get(), options.reconnect_buffer_bytes),
             "reconnect buffer"));
  ConnectionState* closure = state.get();
  HP_TRY(set(natsOptions_SetErrorHandler(opts.get(), OnAsyncError, closure), "error handler"));
  HP_TRY(set(natsOptions_SetDisconnectedCB(opts.get(), OnDisconnected, closure),
             "disconnected callback"));
  HP_TRY(set(natsOptions_SetReconnectedCB(opts.get(), OnReconnected, closure),
             "reconnected callback"));
  HP_TRY(set(natsOptions_SetClosedCB(opts.get(), OnClosed, closure), "closed callback"));
  if (options.retry_on_failed_connect) {
    HP_TRY(set(natsOptions_SetRetryOnFailedConnect(opts.get(), true, OnConnected, closure),
               "retry on failed connect"));
  }

  natsConnection* conn = nullptr;
  natsStatus s = natsConnection_Connect(&conn, opts.get());
  if (s == NATS_NOT_YET_CONNECTED) {
    spdlog::warn("nats {}: no server answers yet; connecting in the background", state->name);
  } else if (s != NATS_OK) {
    std::string servers;
    for (const auto& url : options.servers) servers += (servers.empty() ? "" : ", ") + url;
    return Fail(NatsError(s, "nats: connecting to " + servers));
  }
  return std::unique_ptr<Bus>(new NatsBus(conn, std::move(state), options.connect_timeout));
}

}  // namespace hostplane
