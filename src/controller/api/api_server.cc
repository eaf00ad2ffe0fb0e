#include "controller/api/api_server.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <exception>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "common/crypto.h"
#include "controller/api/api_call.h"
#include "controller/api/api_error.h"
#include "controller/api/metrics_text.h"
#include "controller/api/panel_route.h"
#include "controller/api/request_body.h"
#include "controller/auth/csrf.h"
#include "controller/http/cookies.h"
#include "controller/services/acting_as.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {

using nlohmann::json;

namespace {

using api::ChangeJson;
using api::kDefaultLimit;
using api::kMaxLimit;
using api::ListJson;
using api::QueryReader;
using api::Reply;

// Never throws: strings that are not valid UTF-8 (a raw path parameter echoed in a message) are
// replaced with U+FFFD rather than aborting the response.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool StartsWithNoCase(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<ApiServer::Route>& ApiServer::Routes() {
  static const std::vector<Route> kRoutes = {
      {"GET", "/healthz", false, &ApiServer::Healthz},
      {"GET", "/metrics", false, &ApiServer::MetricsPage},
      {"GET", "/api/v1/openapi.json", false, &ApiServer::OpenApi},
      {"POST", "/api/v1/customers", true, &ApiServer::CreateCustomer},
      {"GET", "/api/v1/customers", true, &ApiServer::ListCustomers},
      {"GET", "/api/v1/customers/{login}", true, &ApiServer::GetCustomer},
      {"PATCH", "/api/v1/customers/{login}", true, &ApiServer::UpdateCustomer},
      {"DELETE", "/api/v1/customers/{login}", true, &ApiServer::DeleteCustomer},
      {"POST", "/api/v1/sites", true, &ApiServer::CreateSite},
      {"GET", "/api/v1/sites", true, &ApiServer::ListSites},
      {"GET", "/api/v1/sites/{domain}", true, &ApiServer::GetSite},
      {"PATCH", "/api/v1/sites/{domain}", true, &ApiServer::UpdateSite},
      {"DELETE", "/api/v1/sites/{domain}", true, &ApiServer::RemoveSite},
      {"GET", "/api/v1/nodes", true, &ApiServer::ListNodes},
      {"POST", "/api/v1/nodes", true, &ApiServer::CreateNode},
      {"GET", "/api/v1/nodes/{name}", true, &ApiServer::GetNode},
      {"PATCH", "/api/v1/nodes/{name}", true, &ApiServer::SetNode},
      {"POST", "/api/v1/nodes/{name}/token", true, &ApiServer::IssueJoinToken},
      {"POST", "/api/v1/nodes/{name}/drain", true, &ApiServer::DrainNode},
      {"POST", "/api/v1/nodes/{name}/lost", true, &ApiServer::LoseNode},
      {"POST", "/api/v1/join", false, &ApiServer::Join},
      {"GET", "/api/v1/relay/sites/{site}/users", true, &ApiServer::RelayUsers},
      {"POST", "/api/v1/plans", true, &ApiServer::CreatePlan},
      {"GET", "/api/v1/plans", true, &ApiServer::ListPlans},
      {"GET", "/api/v1/plans/{name}", true, &ApiServer::GetPlan},
      {"GET", "/api/v1/tasks", true, &ApiServer::ListTasks},
      {"GET", "/api/v1/tasks/{id}", true, &ApiServer::GetTask},
      {"GET", "/api/v1/tasks/{id}/wait", true, &ApiServer::WaitTask},
      {"POST", "/api/v1/tasks/retry", true, &ApiServer::RetryTasks},
      {"POST", "/api/v1/tasks/{id}/retry", true, &ApiServer::RetryTask},
      {"GET", "/api/v1/audit", true, &ApiServer::ListAudit},
      {"POST", "/api/v1/customers/{login}/suspend", true, &ApiServer::SuspendCustomer},
      {"POST", "/api/v1/customers/{login}/resume", true, &ApiServer::ResumeCustomer},
      {"POST", "/api/v1/mailboxes", true, &ApiServer::AddMailbox},
      {"GET", "/api/v1/mailboxes", true, &ApiServer::ListMailboxes},
      {"DELETE", "/api/v1/mailboxes/{address}", true, &ApiServer::RemoveMailbox},
      {"PATCH", "/api/v1/mailboxes/{address}", true, &ApiServer::UpdateMailbox},
      {"POST", "/api/v1/forwarders", true, &ApiServer::AddForwarder},
      {"GET", "/api/v1/forwarders", true, &ApiServer::ListForwarders},
      {"DELETE", "/api/v1/forwarders/{address}", true, &ApiServer::RemoveForwarder},
      {"GET", "/api/v1/mail-domains/{domain}/dns", true, &ApiServer::MailDomainDns},
      {"POST", "/api/v1/mail-domains/{domain}/dkim/rotate", true, &ApiServer::RotateDkim},
      {"POST", "/api/v1/ftp-users", true, &ApiServer::AddFtpUser},
      {"GET", "/api/v1/ftp-users", true, &ApiServer::ListFtpUsers},
      {"DELETE", "/api/v1/ftp-users/{user}", true, &ApiServer::RemoveFtpUser},
      {"PATCH", "/api/v1/ftp-users/{user}", true, &ApiServer::UpdateFtpUser},
      {"POST", "/api/v1/databases", true, &ApiServer::AddDatabase},
      {"GET", "/api/v1/databases", true, &ApiServer::ListDatabases},
      {"DELETE", "/api/v1/databases/{name}", true, &ApiServer::RemoveDatabase},
      {"POST", "/api/v1/zones", true, &ApiServer::AddZone},
      {"GET", "/api/v1/zones", true, &ApiServer::ListZones},
      {"GET", "/api/v1/zones/{zone}", true, &ApiServer::GetZone},
      {"DELETE", "/api/v1/zones/{zone}", true, &ApiServer::RemoveZone},
      {"POST", "/api/v1/zones/{zone}/records", true, &ApiServer::AddRecord},
      {"GET", "/api/v1/zones/{zone}/records", true, &ApiServer::ListRecords},
      {"DELETE", "/api/v1/zones/{zone}/records", true, &ApiServer::RemoveRecord},
      {"POST", "/api/v1/certificates", true, &ApiServer::IssueCertificate},
      {"GET", "/api/v1/certificates", true, &ApiServer::ListCertificates},
      {"GET", "/api/v1/customers/{login}/files", true, &ApiServer::ListFiles},
      {"DELETE", "/api/v1/customers/{login}/files", true, &ApiServer::DeleteFile},
      {"GET", "/api/v1/customers/{login}/files/content", true, &ApiServer::DownloadFile},
      {"PUT", "/api/v1/customers/{login}/files/content", true, &ApiServer::UploadFile,
       64 * 1024 * 1024},
      {"POST", "/api/v1/customers/{login}/files/folders", true, &ApiServer::MakeFolder},
      {"POST", "/api/v1/customers/{login}/files/move", true, &ApiServer::MoveFile},
      {"POST", "/api/v1/customers/{login}/files/copy", true, &ApiServer::CopyFile},
      {"POST", "/api/v1/customers/{login}/files/extract", true, &ApiServer::ExtractArchive},
      {"POST", "/api/v1/customers/{login}/files/archive", true, &ApiServer::CreateArchive},
      {"DELETE", "/api/v1/customers/{login}/files/trash", true, &ApiServer::EmptyTrash},
      {"POST", "/api/v1/resellers", true, &ApiServer::CreateReseller},
      {"GET", "/api/v1/resellers", true, &ApiServer::ListResellers},
      {"GET", "/api/v1/resellers/{login}", true, &ApiServer::GetReseller},
      {"PATCH", "/api/v1/resellers/{login}", true, &ApiServer::UpdateReseller},
      {"DELETE", "/api/v1/resellers/{login}", true, &ApiServer::DeleteReseller},
      {"POST", "/api/v1/resellers/{login}/suspend", true, &ApiServer::SuspendReseller},
      {"POST", "/api/v1/resellers/{login}/resume", true, &ApiServer::ResumeReseller},
      // The public order form's door: no login, a small body, rate limits in the service.
      {"POST", "/api/v1/orders", false, &ApiServer::SubmitOrder, 16 * 1024},
      {"GET", "/api/v1/orders", true, &ApiServer::ListOrders},
      {"GET", "/api/v1/orders/{id}", true, &ApiServer::GetOrder},
      {"POST", "/api/v1/orders/{id}/accept", true, &ApiServer::AcceptOrder},
      {"POST", "/api/v1/orders/{id}/reject", true, &ApiServer::RejectOrder},
      {"POST", "/api/v1/orders/{id}/mark-paid", true, &ApiServer::MarkOrderPaid},
      {"POST", "/api/v1/users", true, &ApiServer::CreateUser},
      {"GET", "/api/v1/users", true, &ApiServer::ListUsers},
      {"GET", "/api/v1/users/{login}", true, &ApiServer::GetUser},
      {"DELETE", "/api/v1/users/{login}", true, &ApiServer::DeleteUser},
      {"POST", "/api/v1/sessions", false, &ApiServer::Login},
      {"POST", "/api/v1/login/token", false, &ApiServer::LoginForToken},
      {"GET", "/api/v1/sessions", true, &ApiServer::ListSessions},
      {"GET", "/api/v1/sessions/current", true, &ApiServer::CurrentSession},
      {"DELETE", "/api/v1/sessions/current", true, &ApiServer::EndCurrentSession},
      {"DELETE", "/api/v1/sessions/{id}", true, &ApiServer::RevokeSession},
      {"POST", "/api/v1/password", true, &ApiServer::ChangePassword},
      {"GET", "/api/v1/second-factor", true, &ApiServer::SecondFactorState},
      {"POST", "/api/v1/second-factor", true, &ApiServer::StartSecondFactor},
      {"POST", "/api/v1/second-factor/confirm", true, &ApiServer::ConfirmSecondFactor},
      {"POST", "/api/v1/second-factor/recovery-codes", true, &ApiServer::NewRecoveryCodes},
      {"POST", "/api/v1/second-factor/disable", true, &ApiServer::DisableSecondFactor},
      {"DELETE", "/api/v1/users/{login}/second-factor", true, &ApiServer::ResetSecondFactor},
      {"POST", "/api/v1/password-resets", false, &ApiServer::RequestPasswordReset, 4 * 1024},
      {"POST", "/api/v1/password-resets/redeem", false, &ApiServer::RedeemPasswordReset, 4 * 1024},
      {"POST", "/api/v1/sessions/current/acting-as", true, &ApiServer::StartActingAs},
      {"DELETE", "/api/v1/sessions/current/acting-as", true, &ApiServer::StopActingAs},
      {"GET", "/api/v1/tokens", true, &ApiServer::ListTokens},
      {"POST", "/api/v1/tokens", true, &ApiServer::CreateToken},
      {"DELETE", "/api/v1/tokens/{id}", true, &ApiServer::RevokeToken},
  };
  return kRoutes;
}

ApiServer::ApiServer(Hosting& hosting, TaskEngine& engine, Store& store, const Clock& clock,
                     ApiOptions options)
    : hosting_(hosting),
      engine_(engine),
      store_(store),
      clock_(clock),
      options_(std::move(options)) {
  for (const Route& route : Routes()) router_.Add(route.method, route.path);
}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  if (!options_.openapi_path.empty()) {
    std::ifstream in(options_.openapi_path, std::ios::binary);
    if (!in) return Fail(Error::Io("cannot read the OpenAPI document " + options_.openapi_path));
    std::stringstream buf;
    buf << in.rdbuf();
    if (json::parse(buf.str(), nullptr, false).is_discarded()) {
      return Fail(Error::Io("the OpenAPI document " + options_.openapi_path + " is not JSON"));
    }
    openapi_document_ = buf.str();
  } else {
    openapi_document_ = OpenApiDocument();
  }
  if (!doors_) {
    auto doors = LoginDoors::Create(store_, clock_, options_.login);
    if (!doors) return Fail(doors.error().Wrap("the login options"));
    doors_ = std::move(*doors);
  }
  http::HttpServerOptions server = options_.server;
  server.bind = options_.bind;
  server.port = options_.port;
  server.workers = static_cast<size_t>(std::max(2, options_.threads));
  server_ = std::make_unique<http::HttpServer>(server, *this);
  if (auto s = server_->Start(); !s) {
    server_.reset();
    return Fail(Error::Unavailable("cannot bind the API: " + s.error().message));
  }
  // A long poll looks again as soon as a result is recorded here.
  engine_.SetChangeListener([srv = server_.get()] { srv->Wake(); });
  spdlog::info("api: listening on {}:{}", options_.bind, server_->port());
  return Ok();
}

void ApiServer::Stop() {
  if (!server_) return;
  engine_.SetChangeListener(nullptr);
  server_->Stop();
}

http::HttpServerStats ApiServer::ServerStats() const {
  return server_ ? server_->stats() : http::HttpServerStats{};
}

size_t ApiServer::BodyLimit(const http::HttpRequest& head) const {
  auto match = router_.Find(head.method, head.segments);
  if (match.route && Routes()[*match.route].max_body > 0) return Routes()[*match.route].max_body;
  return options_.max_body_bytes;
}

http::HttpResponse ApiServer::Refusal(int status, const std::string& code,
                                      const std::string& message) const {
  http::HttpResponse r;
  r.status = status;
  r.body = Dump({{"error", {{"code", code}, {"message", message}, {"fields", json::object()}}}});
  return r;
}

http::HttpReply ApiServer::Handle(const http::HttpRequest& req) {
  const auto start = clock_.Steady();
  // HEAD is answered by the GET route (the HTTP front sends its headers without the body).
  auto match = router_.Find(req.method == "HEAD" ? "GET" : req.method, req.segments);
  if (!match.route) {
    // Every path the API does not know is the panel's (it leaves /api, /healthz, /metrics to us).
    if (options_.panel != nullptr) {
      if (auto panel = ServePanel(*options_.panel, req)) return std::move(*panel);
    }
    if (match.allowed.empty()) return ToHttp(Fail(Error::NotFound("No such route.")), req, start);
    std::string allow;
    for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    http::HttpResponse r =
        Refusal(405, "method_not_allowed",
                "Method " + req.method + " is not allowed here; use " + allow + ".");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  const Route& route = Routes()[*match.route];
  Result<ApiReply> reply = Fail(Error::Internal("internal error"));
  // The one exception boundary of a request (STYLE.md "Errors are values").
  try {
    reply = Serve(route, std::move(match.params), req);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {} failed with an exception: {}", route.method, route.path, e.what());
    reply = Fail(Error::Internal("internal error"));
  }
  return ToHttp(std::move(reply), req, start);
}

http::HttpReply ApiServer::ToHttp(Result<ApiReply> reply, const http::HttpRequest& req,
                                  std::chrono::steady_clock::time_point start) const {
  if (reply && reply->wait) {
    // Not ready: the HTTP front polls it without holding a worker in between.
    std::shared_ptr<ApiWait> wait = reply->wait;
    http::LongPoll poll;
    poll.deadline = wait->deadline;
    poll.poll = [this, wait, method = req.method, path = req.path,
                 start](bool deadline_passed) -> std::optional<http::HttpResponse> {
      Result<std::optional<ApiReply>> next = Fail(Error::Internal("internal error"));
      try {
        next = wait->poll(deadline_passed);
      } catch (const std::exception& e) {
        spdlog::error("api: a wait failed with an exception: {}", e.what());
      }
      if (next && !*next) return std::nullopt;
      Result<ApiReply> done = next ? Result<ApiReply>(std::move(**next)) : Fail(next.error());
      http::HttpRequest echo;
      echo.method = method;
      echo.path = path;
      auto r = ToHttp(std::move(done), echo, start);
      return std::get<http::HttpResponse>(std::move(r));
    };
    return poll;
  }
  http::HttpResponse res;
  if (reply) {
    res.status = reply->status;
    res.headers = reply->headers;
    res.body = reply->raw ? *reply->raw : Dump(reply->body);
    res.content_type = reply->content_type;
  } else {
    const Error& e = reply.error();
    res.status = HttpStatusFor(e);
    if (res.status >= 500)
      spdlog::error("api: {} {}: {}", req.method, Dump(json(req.path)), e.message);
    if (e.code == ErrorCode::kUnauthorized) res.headers.emplace_back("WWW-Authenticate", "Bearer");
    res.body = Dump(ErrorJson(e));
  }
  // The path is client input: JSON-quoted so that it cannot forge log lines (and only when the
  // line is written: this runs for every request).
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug(
        "api: {} {} -> {} in {} ms", Dump(json(req.method)), Dump(json(req.path)), res.status,
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Steady() - start).count());
  }
  return res;
}

Result<ApiReply> ApiServer::Serve(const Route& route, std::map<std::string, std::string> params,
                                  const http::HttpRequest& req) {
  Actor actor;
  std::string session_token;
  if (route.authenticated) {
    const std::string authorization = req.get_header_value("Authorization");
    // A bearer token wins over a cookie (and is exempt from the CSRF checks: a browser never
    // adds one on its own); without one, the session cookie, with them.
    auto cookie = authorization.empty() ? http::CookieValue(req, doors_->sessions().CookieName())
                                        : std::nullopt;
    if (cookie) {
      HP_ASSIGN_OR_RETURN(auto authed, AuthenticateSession(req, *cookie));
      actor = std::move(authed);
      session_token = std::move(*cookie);
    } else {
      HP_ASSIGN_OR_RETURN(auto authed, Authenticate(authorization));
      actor = std::move(authed);
    }
  }
  if (route.authenticated) HP_TRY(CheckSecondFactorPolicy(route, actor));
  ApiCall call{req, std::move(actor), std::move(params), std::move(session_token)};
  return (this->*route.handler)(call);
}

Status ApiServer::CheckSecondFactorPolicy(const Route& route, const Actor& actor) {
  const SecondFactorPolicy& policy = doors_->options().second_factor_required;
  const Actor& person = actor.Person();
  if (!policy.any() || !person.user_id || !policy.Requires(person.role)) return Ok();
  // What a login without its second factor may still do: see and end its session, enrol.
  static const Handler kEnrolment[] = {&ApiServer::SecondFactorState, &ApiServer::StartSecondFactor,
                                       &ApiServer::ConfirmSecondFactor, &ApiServer::CurrentSession,
                                       &ApiServer::EndCurrentSession};
  for (Handler h : kEnrolment) {
    if (h == route.handler) return Ok();
  }
  const int64_t id = *person.user_id;
  HP_ASSIGN_OR_RETURN(auto user,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(id); }));
  if (user && !user->totp_secret.empty()) return Ok();
  return Fail(Error{ErrorCode::kForbidden,
                    "Logins of your role must have a second factor: enrol one first (POST "
                    "/api/v1/second-factor, then /second-factor/confirm with the app's code).",
                    {{"second_factor", "second_factor.required"}}});
}

Result<Actor> ApiServer::AuthenticateSession(const http::HttpRequest& req,
                                             const std::string& token) {
  auto session = doors_->sessions().Resume(token);
  if (!session) {
    if (session.error().code == ErrorCode::kUnauthorized) {
      return Fail(Error::Unauthorized("The session has ended; log in again."));
    }
    return Fail(session.error());
  }
  if (session->stage != auth::SessionStage::kFull) {
    return Fail(Error::Unauthorized("The login is not complete: the second factor is missing."));
  }
  auto header = [&](const char* name) -> std::optional<std::string> {
    std::string v = req.get_header_value(name);
    if (v.empty()) return std::nullopt;
    return v;
  };
  HP_TRY(auth::CheckCsrf(req.method, header("Origin"), header("Referer"),
                         doors_->AllowedOrigins(options_.bind, port()), token,
                         header(auth::kCsrfHeader)));
  auto id = protocol::CheckInteger(session->user_id, 1, INT64_MAX);
  if (!id) return Fail(Error::Unauthorized("The session has ended; log in again."));
  HP_ASSIGN_OR_RETURN(auto user,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(*id); }));
  if (!user) return Fail(Error::Unauthorized("The session has ended; log in again."));
  // The user's rights as they are now: the same Actor a token of the user gets, without scopes.
  Actor self = ActorOf(*user);
  if (session->acting_as.empty() || session->acting_until_ms <= clock_.NowMillis()) return self;
  // "Log in as": the target's rights, never more than the person's, asked again now (a target
  // gone or moved out of reach ends the acting: the request is the person's own).
  auto target_id = protocol::CheckInteger(session->acting_as, 1, INT64_MAX);
  if (!target_id) return self;
  std::optional<User> target;
  Owner owner;
  HP_TRY(store_.Read([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(target, tx.users().FindById(*target_id));
    if (target) {
      HP_ASSIGN_OR_RETURN(owner, LoginOwnerChain(tx, *target));
    }
    return Ok();
  }));
  if (!target || !MayActAs(self, *target, owner)) return self;
  return ActingActor(self, *target, session->acting_until_ms);
}

Result<Actor> ApiServer::Authenticate(const std::string& header) {
  static const std::string kScheme = "Bearer ";
  if (header.empty()) return Fail(Error::Unauthorized("An API token is required."));
  if (!StartsWithNoCase(header, kScheme) || header.size() == kScheme.size()) {
    return Fail(Error::Unauthorized("The Authorization header must be \"Bearer <token>\"."));
  }
  auto token = store_.FindToken(HashApiToken(header.substr(kScheme.size())));
  if (!token) return Fail(token.error());
  if (!*token) return Fail(Error::Unauthorized("Unknown API token."));
  const ApiToken& t = **token;
  if (t.expires_at && *t.expires_at <= clock_.NowMillis()) {
    return Fail(Error::Unauthorized("Unknown API token."));
  }
  if (!t.user_id) {  // a company token
    Actor company("token:" + t.name, RoleFromName(t.role));
    company.scopes = t.scopes;
    return company;
  }
  // A user's token: the user's rights as they are now, narrowed by the token's scopes.
  HP_ASSIGN_OR_RETURN(auto user,
                      store_.Read([&](StoreTxn& tx) { return tx.users().FindById(*t.user_id); }));
  if (!user) return Fail(Error::Unauthorized("Unknown API token."));
  Actor actor = ActorOf(*user);
  actor.scopes = t.scopes;
  return actor;
}

Result<ApiReply> ApiServer::Healthz(const ApiCall&) { return Reply(200, {{"status", "ok"}}); }

Result<ApiReply> ApiServer::MetricsPage(const ApiCall&) {
  MetricsSnapshot snapshot;
  HP_ASSIGN_OR_RETURN(auto stats, store_.GetTaskStats());
  snapshot.tasks = std::move(stats);
  auto nodes = store_.ListNodes();
  if (!nodes) return Fail(nodes.error());
  snapshot.nodes = std::move(*nodes);
  snapshot.engine = engine_.Metrics();
  snapshot.http = ServerStats();
  ApiReply r;
  r.raw = RenderMetrics(snapshot);
  r.content_type = kMetricsContentType;
  return r;
}

Result<ApiReply> ApiServer::OpenApi(const ApiCall&) {
  if (openapi_document_.empty()) {
    return Fail(Error::Unavailable("This controller was started without its OpenAPI document."));
  }
  ApiReply r;
  r.raw = openapi_document_;
  return r;
}

Result<ApiReply> ApiServer::CreateCustomer(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto login = r.String("login", Presence::kRequired);
  auto name = r.String("name", Presence::kOptional);
  auto email = r.String("email", Presence::kRequired);
  auto password = r.String("password", Presence::kOptional);
  auto plan = r.String("plan", Presence::kOptional);
  HP_TRY(r.Finish());
  CustomerInput in{*login, name.value_or(""), *email, password, plan};
  HP_ASSIGN_OR_RETURN(auto change, hosting_.customers().Create(call.actor, in));
  return Reply(201, ChangeJson("customer", change));
}

Result<ApiReply> ApiServer::ListCustomers(const ApiCall& call) {
  QueryReader q(call.req, {"after", "limit", "q"});
  Page page = q.ReadPage();
  q.ReadSearch(page);
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.customers().List(call.actor, page));
  return Reply(200, ListJson("customers", list, page.limit));
}

Result<ApiReply> ApiServer::GetCustomer(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto c, hosting_.customers().Get(call.actor, call.path.at("login")));
  return Reply(200, {{"customer", ToJson(c)}});
}

Result<ApiReply> ApiServer::UpdateCustomer(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  CustomerPatch patch;
  patch.plan = r.String("plan", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.customers().Update(call.actor, call.path.at("login"), patch));
  return Reply(200, ChangeJson("customer", change));
}

Result<ApiReply> ApiServer::DeleteCustomer(const ApiCall& call) {
  QueryReader q(call.req, {"remove_content"});
  bool remove_content = q.Bool("remove_content");
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(
      auto change, hosting_.customers().Delete(call.actor, call.path.at("login"), remove_content));
  return Reply(202, ChangeJson("customer", change));
}

Result<ApiReply> ApiServer::CreateSite(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto domain = r.String("domain", Presence::kRequired);
  auto customer = r.String("customer", Presence::kRequired);
  auto aliases = r.StringArray("aliases", Presence::kOptional);
  auto docroot = r.String("docroot", Presence::kOptional);
  auto php = r.String("php", Presence::kOptional);
  HP_TRY(r.Finish());
  SiteInput in{*domain, *customer, aliases.value_or(std::vector<std::string>{}), docroot, php};
  HP_ASSIGN_OR_RETURN(auto change, hosting_.sites().Create(call.actor, in));
  return Reply(201, ChangeJson("site", change));
}

Result<ApiReply> ApiServer::ListSites(const ApiCall& call) {
  QueryReader q(call.req, {"customer", "after", "limit", "q"});
  auto customer = q.String("customer");
  Page page = q.ReadPage();
  q.ReadSearch(page);
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.sites().List(call.actor, customer, page));
  return Reply(200, ListJson("sites", list, page.limit));
}

Result<ApiReply> ApiServer::GetSite(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto s, hosting_.sites().Get(call.actor, call.path.at("domain")));
  return Reply(200, {{"site", ToJson(s)}});
}

Result<ApiReply> ApiServer::UpdateSite(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  SitePatch patch;
  patch.aliases = r.StringArray("aliases", Presence::kOptional);
  patch.docroot = r.String("docroot", Presence::kOptional);
  patch.php = r.String("php", Presence::kOptional);
  patch.settings = r.RawObject("settings", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.sites().Update(call.actor, call.path.at("domain"), patch));
  return Reply(200, ChangeJson("site", change));
}

Result<ApiReply> ApiServer::RemoveSite(const ApiCall& call) {
  QueryReader q(call.req, {"remove_content"});
  bool remove_content = q.Bool("remove_content");
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.sites().Remove(call.actor, call.path.at("domain"), remove_content));
  return Reply(202, ChangeJson("site", change));
}

Result<ApiReply> ApiServer::ListPlans(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.plans().List(call.actor));
  return Reply(200, ListJson("plans", list, std::nullopt));
}

Result<ApiReply> ApiServer::CreatePlan(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  PlanInput in;
  auto name = r.String("name", Presence::kRequired);
  // Every limit is stated: a number or {"unlimited": true}. Nothing is unlimited by omission.
  if (BodyReader* limits = r.Object("limits", Presence::kRequired)) {
    const std::pair<const char*, Limit PlanInput::*> kLimits[] = {
        {"sites", &PlanInput::sites},
        {"mailboxes", &PlanInput::mailboxes},
        {"mailbox_quota_mb", &PlanInput::mailbox_quota_mb},
        {"forwarders", &PlanInput::forwarders},
        {"ftp_users", &PlanInput::ftp_users},
        {"dns_zones", &PlanInput::dns_zones},
        {"databases", &PlanInput::databases},
        {"disk_mb", &PlanInput::disk_mb},
    };
    for (const auto& [field, member] : kLimits) {
      if (auto limit = limits->LimitValue(field, Presence::kRequired)) in.*member = *limit;
    }
    // Added later (issue 16): optional, so older clients still work; omitted = the default.
    in.messages_per_hour = kDefaultMessagesPerHour;
    if (auto limit = limits->LimitValue("messages_per_hour", Presence::kOptional)) {
      in.messages_per_hour = *limit;
    }
  }
  if (BodyReader* placement = r.Object("placement", Presence::kOptional)) {
    in.pin_site = placement->String("site", Presence::kOptional).value_or("");
    in.pin_group = placement->String("group", Presence::kOptional).value_or("");
  }
  HP_TRY(r.Finish());
  in.name = *name;
  HP_ASSIGN_OR_RETURN(auto change, hosting_.plans().Create(call.actor, in));
  return Reply(201, ChangeJson("plan", change));
}

Result<ApiReply> ApiServer::GetPlan(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto p, hosting_.plans().Get(call.actor, call.path.at("name")));
  return Reply(200, {{"plan", ToJson(p)}});
}

Result<ApiReply> ApiServer::ListAudit(const ApiCall& call) {
  QueryReader q(call.req, {"object", "after", "limit"});
  auto object = q.String("object");
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.tasks().ListAudit(call.actor, page, object));
  return Reply(200, ListJson("audit", list, page.limit));
}

}  // namespace hostplane::controller
