#pragma once

// The REST API (/api/v1, JSON in and out) plus /healthz and /metrics, served by the controller's
// HTTP front (controller/http: Boost.Beast, asynchronous, bounded). Handlers are thin: they
// authenticate the bearer token, parse the request strictly (request_body.h), call the service of
// the object (controller/services, through Hosting: it validates, authorises and writes) and
// encode the result with entity_json.h. Every error leaves through api_error.h, so its shape and
// HTTP status are decided in one place. api/openapi.json describes exactly the routes of Routes();
// a test holds the two equal. Body limits, header limits, time-outs and connection caps are the
// HTTP front's (http_server.h): they apply before a request reaches a handler, authentication
// included.
//
// Threads: handlers run on the HTTP front's worker pools (reads on one thread per core, changes
// on ApiOptions::threads); a long poll (/tasks/{id}/wait, up to 60 s) holds no worker while it
// waits: it is re-polled when the task engine records results (TaskEngine::SetChangeListener)
// and every 250 ms (another controller may record them). Start and Stop are called by the owner
// (main) from one thread; port() may be called from any thread after Start.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "controller/api/login_doors.h"
#include "controller/engine/task_engine.h"
#include "controller/http/http_message.h"
#include "controller/http/http_server.h"
#include "controller/http/router.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"

namespace hostplane {
// api/openapi.json, embedded at build time (cmake/embed_file.cmake).
const char* OpenApiDocument();
}  // namespace hostplane

namespace hostplane::controller {

class PanelFiles;    // controller/panel/panel_files.h
class OrderService;  // controller/orders/order_service.h

struct ApiOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0: the kernel picks a free port (see port())
  // Workers for changes (POST, PATCH, DELETE: each waits for the store's durable commit). Reads
  // run on one worker per core (HttpServerOptions::read_workers); long polls hold none.
  int threads = 16;
  // The OpenAPI document served at /api/v1/openapi.json, read once by Start(). Empty: the copy of
  // api/openapi.json compiled into the binary (OpenApiDocument()).
  std::string openapi_path;
  // The panel's files, served for every GET or HEAD no API route matches (and the panel's 405
  // for other methods outside /api); null: the API alone. Must outlive the server.
  const PanelFiles* panel = nullptr;
  // Request bodies larger than this are refused with 413 before authentication and before any
  // handler, whatever their transfer encoding (Route::max_body may allow a route more).
  size_t max_body_bytes = 1 << 20;
  // Logins, sessions and their defences (login_doors.h): the base URL, Argon2id cost, the
  // hashing gate, the throttle and session expiry.
  LoginOptions login;
  // The order pipeline behind /api/v1/orders; null: this controller takes no orders (those
  // routes answer 404). Must outlive the server.
  OrderService* orders = nullptr;
  // Called after a mail was put in the store's outbox (password resets): wakes the controller's
  // mail sender (MailSender::Wake). Empty: the mails wait for the sender's next look.
  std::function<void()> mail_wake;
  // The HTTP front's other limits (time-outs, connection caps, queues, long polls, read
  // workers); bind, port and threads above are used instead of its own.
  http::HttpServerOptions server;
};

struct ApiCall;   // one request as the handlers see it (api_call.h)
struct ApiReply;  // status, JSON body and extra headers, or a wait (api_call.h)

class ApiServer final : public http::HttpHandler {
 public:
  using Handler = Result<ApiReply> (ApiServer::*)(const ApiCall&);
  struct Route {
    std::string method;  // "GET", "POST", "PATCH", "DELETE"
    std::string path;    // template as in the OpenAPI document: "/api/v1/sites/{domain}"
    bool authenticated;  // needs "Authorization: Bearer <token>" or a session cookie
    Handler handler;
    size_t max_body = 0;  // 0: ApiOptions::max_body_bytes (uploads may be allowed more)
  };

  ApiServer(Hosting& hosting, TaskEngine& engine, Store& store, const Clock& clock,
            ApiOptions options);
  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Reads the OpenAPI document, binds and starts serving. Errors: kIo when the document cannot
  // be read or parsed; kUnavailable when the address cannot be bound.
  [[nodiscard]] Status Start();
  // The bound port (the chosen one when ApiOptions::port was 0); 0 before Start.
  int port() const { return server_ ? server_->port() : 0; }
  // Stops accepting, finishes running requests and joins the threads. Idempotent.
  void Stop();

  // Every route the server registers, in registration order.
  static const std::vector<Route>& Routes();

  // The HTTP front's side (http::HttpHandler): the body limit of a request's route, the request
  // itself (routing, authentication, the handler, the one exception boundary), and the server's
  // own refusals in the API's error shape.
  size_t BodyLimit(const http::HttpRequest& head) const override;
  http::HttpReply Handle(const http::HttpRequest& request) override;
  http::HttpResponse Refusal(int status, const std::string& code,
                             const std::string& message) const override;
  http::HttpServerStats ServerStats() const;

 private:
  Result<ApiReply> Healthz(const ApiCall& call);
  Result<ApiReply> MetricsPage(const ApiCall& call);
  Result<ApiReply> OpenApi(const ApiCall& call);
  Result<ApiReply> CreateCustomer(const ApiCall& call);
  Result<ApiReply> ListCustomers(const ApiCall& call);
  Result<ApiReply> GetCustomer(const ApiCall& call);
  Result<ApiReply> UpdateCustomer(const ApiCall& call);
  Result<ApiReply> DeleteCustomer(const ApiCall& call);
  Result<ApiReply> CreateSite(const ApiCall& call);
  Result<ApiReply> ListSites(const ApiCall& call);
  Result<ApiReply> GetSite(const ApiCall& call);
  Result<ApiReply> UpdateSite(const ApiCall& call);
  Result<ApiReply> RemoveSite(const ApiCall& call);
  Result<ApiReply> ListNodes(const ApiCall& call);
  Result<ApiReply> GetNode(const ApiCall& call);
  Result<ApiReply> CreateNode(const ApiCall& call);
  Result<ApiReply> SetNode(const ApiCall& call);
  Result<ApiReply> IssueJoinToken(const ApiCall& call);
  Result<ApiReply> DrainNode(const ApiCall& call);
  Result<ApiReply> LoseNode(const ApiCall& call);
  Result<ApiReply> Drain(const ApiCall& call, bool lost);
  Result<ApiReply> Join(const ApiCall& call);
  Result<ApiReply> RelayUsers(const ApiCall& call);
  nlohmann::json NodeJson(const Node& n) const;
  Result<ApiReply> CreatePlan(const ApiCall& call);
  Result<ApiReply> ListPlans(const ApiCall& call);
  Result<ApiReply> GetPlan(const ApiCall& call);
  Result<ApiReply> ListTasks(const ApiCall& call);
  Result<ApiReply> GetTask(const ApiCall& call);
  Result<ApiReply> WaitTask(const ApiCall& call);
  Result<ApiReply> RetryTask(const ApiCall& call);
  Result<ApiReply> RetryTasks(const ApiCall& call);
  Result<ApiReply> ListAudit(const ApiCall& call);
  Result<ApiReply> SuspendCustomer(const ApiCall& call);
  Result<ApiReply> ResumeCustomer(const ApiCall& call);
  Result<ApiReply> AddMailbox(const ApiCall& call);
  Result<ApiReply> ListMailboxes(const ApiCall& call);
  Result<ApiReply> RemoveMailbox(const ApiCall& call);
  Result<ApiReply> UpdateMailbox(const ApiCall& call);
  Result<ApiReply> AddForwarder(const ApiCall& call);
  Result<ApiReply> ListForwarders(const ApiCall& call);
  Result<ApiReply> RemoveForwarder(const ApiCall& call);
  Result<ApiReply> MailDomainDns(const ApiCall& call);
  Result<ApiReply> RotateDkim(const ApiCall& call);
  Result<ApiReply> AddFtpUser(const ApiCall& call);
  Result<ApiReply> ListFtpUsers(const ApiCall& call);
  Result<ApiReply> RemoveFtpUser(const ApiCall& call);
  Result<ApiReply> UpdateFtpUser(const ApiCall& call);
  Result<ApiReply> AddDatabase(const ApiCall& call);
  Result<ApiReply> ListDatabases(const ApiCall& call);
  Result<ApiReply> RemoveDatabase(const ApiCall& call);
  Result<ApiReply> AddZone(const ApiCall& call);
  Result<ApiReply> ListZones(const ApiCall& call);
  Result<ApiReply> GetZone(const ApiCall& call);
  Result<ApiReply> RemoveZone(const ApiCall& call);
  Result<ApiReply> AddRecord(const ApiCall& call);
  Result<ApiReply> ListRecords(const ApiCall& call);
  Result<ApiReply> RemoveRecord(const ApiCall& call);
  Result<ApiReply> IssueCertificate(const ApiCall& call);
  Result<ApiReply> ListCertificates(const ApiCall& call);
  // The file manager (api_files.cc).
  Result<ApiReply> ListFiles(const ApiCall& call);
  Result<ApiReply> DownloadFile(const ApiCall& call);
  Result<ApiReply> UploadFile(const ApiCall& call);
  Result<ApiReply> MakeFolder(const ApiCall& call);
  Result<ApiReply> MoveFile(const ApiCall& call);
  Result<ApiReply> DeleteFile(const ApiCall& call);
  Result<ApiReply> CopyFile(const ApiCall& call);
  Result<ApiReply> ExtractArchive(const ApiCall& call);
  Result<ApiReply> CreateArchive(const ApiCall& call);
  Result<ApiReply> EmptyTrash(const ApiCall& call);
  // Resellers (api_people.cc).
  Result<ApiReply> CreateReseller(const ApiCall& call);
  Result<ApiReply> ListResellers(const ApiCall& call);
  Result<ApiReply> GetReseller(const ApiCall& call);
  Result<ApiReply> UpdateReseller(const ApiCall& call);
  Result<ApiReply> DeleteReseller(const ApiCall& call);
  Result<ApiReply> SuspendReseller(const ApiCall& call);
  Result<ApiReply> ResumeReseller(const ApiCall& call);
  // A customer's users (api_people.cc).
  Result<ApiReply> CreateUser(const ApiCall& call);
  Result<ApiReply> ListUsers(const ApiCall& call);
  Result<ApiReply> GetUser(const ApiCall& call);
  Result<ApiReply> DeleteUser(const ApiCall& call);
  // Orders (api_orders.cc).
  Result<OrderService*> Orders() const;
  Result<ApiReply> SubmitOrder(const ApiCall& call);
  Result<ApiReply> ListOrders(const ApiCall& call);
  Result<ApiReply> GetOrder(const ApiCall& call);
  Result<ApiReply> AcceptOrder(const ApiCall& call);
  Result<ApiReply> RejectOrder(const ApiCall& call);
  Result<ApiReply> MarkOrderPaid(const ApiCall& call);
  // One's own API tokens (api_tokens.cc).
  Result<ApiReply> ListTokens(const ApiCall& call);
  Result<ApiReply> CreateToken(const ApiCall& call);
  Result<ApiReply> RevokeToken(const ApiCall& call);
  // Logins, sessions and the own password (api_login.cc).
  Result<ApiReply> Login(const ApiCall& call);
  Result<ApiReply> LoginForToken(const ApiCall& call);
  Result<ApiReply> CurrentSession(const ApiCall& call);
  Result<ApiReply> EndCurrentSession(const ApiCall& call);
  Result<ApiReply> ListSessions(const ApiCall& call);
  Result<ApiReply> RevokeSession(const ApiCall& call);
  Result<ApiReply> ChangePassword(const ApiCall& call);
  // The session answer of the panel's contract (api_login.cc).
  nlohmann::json SessionContractJson(const User& u, const std::string& csrf_token,
                                     const auth::SessionRecord& s, nlohmann::json acting_as);
  // Password resets by mail (api_password_resets.cc).
  Result<ApiReply> RequestPasswordReset(const ApiCall& call);
  // The work of a reset request after its answer (on LoginDoors::background): the lookup of the
  // login as typed, the link, the mail and the audit entry. Failures are logged.
  void SendPasswordReset(const std::string& typed, const std::string& source);
  Result<ApiReply> RedeemPasswordReset(const ApiCall& call);
  // "Log in as" (api_acting_as.cc): begin, end, and whom the actor acts as (null, or {login,
  // name, role, until}) for the session answer.
  Result<ApiReply> StartActingAs(const ApiCall& call);
  Result<ApiReply> StopActingAs(const ApiCall& call);
  Result<nlohmann::json> ActingAsJson(const Actor& actor);
  // The second factor: one's own (enrol, confirm, recovery codes, off, state) and the reset of
  // someone else's (api_second_factor.cc).
  Result<ApiReply> SecondFactorState(const ApiCall& call);
  Result<ApiReply> StartSecondFactor(const ApiCall& call);
  Result<ApiReply> ConfirmSecondFactor(const ApiCall& call);
  Result<ApiReply> NewRecoveryCodes(const ApiCall& call);
  Result<ApiReply> DisableSecondFactor(const ApiCall& call);
  Result<ApiReply> ResetSecondFactor(const ApiCall& call);
  // A code for u's second factor typed into `field`: a TOTP code (each step once) or a recovery
  // code (each once). A wrong one counts as a failed login of u from source. Errors:
  // kUnauthorized with field -> "totp.invalid"; the store's.
  // The caller's own login, proved by {"code"} in the body (CheckSecondFactor), for the routes
  // that change its second factor. Errors: the body's; user.none; second_factor.none with
  // none_message; CheckSecondFactor's.
  Result<User> OwnLoginProved(const ApiCall& call, const char* none_message);
  [[nodiscard]] Status CheckSecondFactor(const User& u, const std::string& typed,
                                         const std::string& field, const std::string& source);
  // A password login (session or token) on the hashing gate, answered when its job is done.
  Result<ApiReply> PasswordLoginReply(const ApiCall& call, bool want_token);
  // What a finished password login answers (on a worker, from the poll of its wait).
  struct LoginAsked;
  Result<ApiReply> FinishLogin(const LoginAsked& asked, Result<auth::LoginOutcome> outcome);
  // The owner's mail that failed logins throttled its login from source (at most one per
  // ThrottlePolicy::notice_interval: the throttle decides), with an audit entry. Nothing for a
  // login without an address. Errors: the store's, the mail's.
  [[nodiscard]] Status SendLockoutNotice(const std::string& user_id, const std::string& source);
  // An audit entry of a login event (login.failed, login.throttled, login, logout, ...).
  void AuditLogin(const std::string& actor, const std::string& action, const std::string& object,
                  const Json& after);
  // A list of one kind of Resource, filtered by ?customer= and, when parent_param is set, by it.
  Result<ApiReply> ListOf(const ApiCall& call, const char* kind, const char* key,
                          const char* parent_param);

  // Authenticates (when the route needs it) and runs the handler.
  Result<ApiReply> Serve(const Route& route, std::map<std::string, std::string> params,
                         const http::HttpRequest& req);
  Result<Actor> Authenticate(const std::string& authorization_header);
  // The installation's second-factor policy (LoginOptions::second_factor_required): a login of a
  // role that must have one and has none may only reach the enrolment routes. Errors: kForbidden
  // {"second_factor": "second_factor.required"}; the store's.
  [[nodiscard]] Status CheckSecondFactorPolicy(const Route& route, const Actor& actor);
  // The actor of a session cookie; on a state-changing method also the CSRF token and the
  // Origin/Referer checks (auth/csrf.h).
  Result<Actor> AuthenticateSession(const http::HttpRequest& req, const std::string& token);
  http::HttpReply ToHttp(Result<ApiReply> reply, const http::HttpRequest& req,
                         std::chrono::steady_clock::time_point start) const;

  Hosting& hosting_;
  TaskEngine& engine_;
  Store& store_;
  const Clock& clock_;
  ApiOptions options_;
  std::string openapi_document_;
  http::Router router_;  // the routes of Routes(), same order
  std::unique_ptr<http::HttpServer> server_;
  // After server_: destroyed first, so the hashing gate's last callbacks still find the server.
  std::unique_ptr<LoginDoors> doors_;
};

}  // namespace hostplane::controller
