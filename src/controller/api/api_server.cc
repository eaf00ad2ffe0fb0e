#include "controller/api/api_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cctype>
#include <chrono>
#include <exception>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <utility>

#include "common/crypto.h"
#include "controller/api/api_call.h"
#include "controller/api/api_error.h"
#include "controller/api/metrics_text.h"
#include "controller/api/panel_route.h"
#include "controller/api/request_body.h"
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

constexpr int64_t kDefaultWaitMs = 30'000;
constexpr int64_t kMaxWaitMs = 60'000;
constexpr size_t kMaxBodyBytes = 1 << 20;

// Never throws: strings that are not valid UTF-8 (a raw path parameter echoed in a message) are
// replaced with U+FFFD rather than aborting the response.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A path template compiled for httplib's regex routing: "{name}" matches one non-empty segment.
struct CompiledRoute {
  std::string regex;
  std::vector<std::string> params;
};

CompiledRoute Compile(const std::string& path_template) {
  CompiledRoute out;
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  std::string rest = path_template;
  std::smatch m;
  while (std::regex_search(rest, m, kParam)) {
    out.regex += m.prefix().str() + "([^/]+)";
    out.params.push_back(m[1].str());
    rest = m.suffix().str();
  }
  out.regex += rest;
  return out;
}

// The methods allowed on path, or empty when no route has that path.
std::vector<std::string> MethodsFor(const std::string& path) {
  std::vector<std::string> methods;
  for (const auto& route : ApiServer::Routes()) {
    if (std::regex_match(path, std::regex(Compile(route.path).regex))) {
      methods.push_back(route.method);
    }
  }
  return methods;
}

void WriteError(httplib::Response& res, const Error& e) {
  res.status = HttpStatusFor(e);
  if (e.code == ErrorCode::kUnauthorized) res.set_header("WWW-Authenticate", "Bearer");
  res.set_content(Dump(ErrorJson(e)), "application/json");
}

bool IsFinalTaskState(const std::string& state) {
  return state == "applied" || state == "failed" || state == "superseded";
}

Result<int64_t> TaskId(const ApiCall& call) {
  auto id = protocol::CheckInteger(call.path.at("id"), 1, INT64_MAX);
  if (!id) {
    protocol::FieldErrors errors;
    errors.Add("id", id.error());
    return Fail(errors.ToError());
  }
  return *id;
}

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
      {"GET", "/api/v1/audit", true, &ApiServer::ListAudit},
      {"POST", "/api/v1/customers/{login}/suspend", true, &ApiServer::SuspendCustomer},
      {"POST", "/api/v1/customers/{login}/resume", true, &ApiServer::ResumeCustomer},
      {"POST", "/api/v1/mailboxes", true, &ApiServer::AddMailbox},
      {"GET", "/api/v1/mailboxes", true, &ApiServer::ListMailboxes},
      {"DELETE", "/api/v1/mailboxes/{address}", true, &ApiServer::RemoveMailbox},
      {"POST", "/api/v1/forwarders", true, &ApiServer::AddForwarder},
      {"GET", "/api/v1/forwarders", true, &ApiServer::ListForwarders},
      {"DELETE", "/api/v1/forwarders/{address}", true, &ApiServer::RemoveForwarder},
      {"POST", "/api/v1/ftp-users", true, &ApiServer::AddFtpUser},
      {"GET", "/api/v1/ftp-users", true, &ApiServer::ListFtpUsers},
      {"DELETE", "/api/v1/ftp-users/{user}", true, &ApiServer::RemoveFtpUser},
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
  };
  return kRoutes;
}

ApiServer::ApiServer(HostingService& service, TaskEngine& engine, Store& store, const Clock& clock,
                     ApiOptions options)
    : service_(service),
      engine_(engine),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {}

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

  const size_t threads = static_cast<size_t>(std::max(2, options_.threads));
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(kMaxBodyBytes);
  server_->set_keep_alive_timeout(2);
  // httplib closes a keep-alive connection after 5 requests by default: each client then
  // reconnects every fifth call, and when group-committed answers go out together their
  // reconnects overflow httplib's listen backlog (5), so a SYN is dropped and retried 1 s later
  // (the fleet bench's 1 s outliers). An idle connection still closes after the timeout above.
  server_->set_keep_alive_max_count(1000);
  // Answers go out at once: with Nagle's algorithm a small answer on a keep-alive connection
  // waits for the client's delayed ACK (40 ms on Linux), which the fleet bench showed as a 44 ms
  // median for a 2 ms commit.
  server_->set_tcp_nodelay(true);
  // httplib's default is SO_REUSEPORT, which would let a second controller bind the same port
  // and silently take half of the requests. SO_REUSEADDR only lets us rebind past TIME_WAIT.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  Register();

  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.bind);
    if (port_ < 0) {
      port_ = 0;
      return Fail(Error::Unavailable("cannot bind the API to " + options_.bind));
    }
  } else {
    if (!server_->bind_to_port(options_.bind, options_.port)) {
      return Fail(Error::Unavailable(
          fmt::format("cannot bind the API to {}:{}", options_.bind, options_.port)));
    }
    port_ = options_.port;
  }
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  // Stop() is only effective once the loop runs; waiting here makes Start/Stop race-free.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  spdlog::info("api: listening on {}:{}", options_.bind, port_);
  return Ok();
}

void ApiServer::Stop() {
  if (!listener_.joinable()) return;
  server_->stop();
  listener_.join();
}

void ApiServer::Register() {
  for (const Route& route : Routes()) {
    CompiledRoute compiled = Compile(route.path);
    auto handler = [this, route, params = compiled.params](const httplib::Request& req,
                                                           httplib::Response& res) {
      const auto start = clock_.Steady();
      // The one exception boundary of a request (STYLE.md "Errors are values").
      try {
        auto reply = Serve(route, params, req);
        if (reply) {
          res.status = reply->status;
          for (const auto& [name, value] : reply->headers) res.set_header(name, value);
          res.set_content(reply->raw ? *reply->raw : Dump(reply->body), reply->content_type);
        } else {
          if (HttpStatusFor(reply.error()) >= 500) {
            spdlog::error("api: {} {}: {}", route.method, route.path, reply.error().message);
          }
          WriteError(res, reply.error());
        }
      } catch (const std::exception& e) {
        spdlog::error("api: {} {} failed with an exception: {}", route.method, route.path,
                      e.what());
        WriteError(res, Error::Internal("internal error"));
      }
      // The path is client input: JSON-quoted so that it cannot forge log lines.
      spdlog::debug(
          "api: {} {} -> {} in {} ms", req.method, Dump(json(req.path)), res.status,
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Steady() - start).count());
    };
    if (route.method == "GET") {
      server_->Get(compiled.regex, handler);
    } else if (route.method == "POST") {
      server_->Post(compiled.regex, handler);
    } else if (route.method == "PATCH") {
      server_->Patch(compiled.regex, handler);
    } else if (route.method == "DELETE") {
      server_->Delete(compiled.regex, handler);
    }
  }
  // After every API route, so that each of them matches first.
  if (options_.panel) MountPanel(*server_, *options_.panel);

  // Reached for every response with status >= 400. Responses our handlers wrote already carry a
  // JSON body; the rest come from httplib itself (no route, unparsable request, body too large).
  server_->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 404) {
          std::vector<std::string> methods = MethodsFor(req.path);
          if (!methods.empty()) {
            std::string allow;
            for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
            res.status = 405;
            res.set_header("Allow", allow);
            res.set_content(Dump({{"error",
                                   {{"code", "method_not_allowed"},
                                    {"message", "Method " + req.method +
                                                    " is not allowed here; use " + allow + "."},
                                    {"fields", json::object()}}}}),
                            "application/json");
          } else {
            WriteError(res, Error::NotFound("No such route."));
          }
        } else if (res.status == 413) {
          res.set_content(Dump({{"error",
                                 {{"code", "too_large"},
                                  {"message", "The request body is too large."},
                                  {"fields", json::object()}}}}),
                          "application/json");
        } else {
          res.set_content(Dump({{"error",
                                 {{"code", "bad_request"},
                                  {"message", "The request could not be read."},
                                  {"fields", json::object()}}}}),
                          "application/json");
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Backstop for anything thrown outside the handlers' own boundary.
  server_->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          spdlog::error("api: exception outside a handler: {}", e.what());
        } catch (...) {
          spdlog::error("api: unknown exception outside a handler");
        }
        WriteError(res, Error::Internal("internal error"));
      });
}

Result<ApiReply> ApiServer::Serve(const Route& route, const std::vector<std::string>& params,
                                  const httplib::Request& req) {
  Actor actor;
  if (route.authenticated) {
    auto authed = Authenticate(req.get_header_value("Authorization"));
    if (!authed) return Fail(authed.error());
    actor = std::move(*authed);
  }
  ApiCall call{req, std::move(actor), {}};
  for (size_t i = 0; i < params.size() && i + 1 < req.matches.size(); ++i) {
    call.path[params[i]] = req.matches[i + 1].str();
  }
  return (this->*route.handler)(call);
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
  return Actor{"token:" + (*token)->name, (*token)->role};
}

Result<ApiReply> ApiServer::Healthz(const ApiCall&) { return Reply(200, {{"status", "ok"}}); }

Result<ApiReply> ApiServer::MetricsPage(const ApiCall&) {
  MetricsSnapshot snapshot;
  auto stats = store_.GetTaskStats();
  if (!stats) return Fail(stats.error());
  snapshot.tasks = std::move(*stats);
  auto nodes = store_.ListNodes();
  if (!nodes) return Fail(nodes.error());
  snapshot.nodes = std::move(*nodes);
  snapshot.engine = engine_.Metrics();
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
  auto body = ParseJsonObject(call.req.body);
  if (!body) return Fail(body.error());
  BodyReader r(*body);
  auto login = r.String("login", Presence::kRequired);
  auto name = r.String("name", Presence::kOptional);
  auto email = r.String("email", Presence::kRequired);
  auto password = r.String("password", Presence::kOptional);
  auto plan = r.String("plan", Presence::kOptional);
  HP_TRY(r.Finish());
  CustomerInput in{*login, name.value_or(""), *email, password, plan};
  auto change = service_.CreateCustomer(call.actor, in);
  if (!change) return Fail(change.error());
  return Reply(201, ChangeJson("customer", *change));
}

Result<ApiReply> ApiServer::ListCustomers(const ApiCall& call) {
  QueryReader q(call.req, {"after", "limit"});
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  auto list = service_.ListCustomers(call.actor, page);
  if (!list) return Fail(list.error());
  return Reply(200, ListJson("customers", *list, page.limit));
}

Result<ApiReply> ApiServer::GetCustomer(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  auto c = service_.GetCustomer(call.actor, call.path.at("login"));
  if (!c) return Fail(c.error());
  return Reply(200, {{"customer", ToJson(*c)}});
}

Result<ApiReply> ApiServer::UpdateCustomer(const ApiCall& call) {
  auto body = ParseJsonObject(call.req.body);
  if (!body) return Fail(body.error());
  BodyReader r(*body);
  CustomerPatch patch;
  patch.plan = r.String("plan", Presence::kOptional);
  HP_TRY(r.Finish());
  auto change = service_.UpdateCustomer(call.actor, call.path.at("login"), patch);
  if (!change) return Fail(change.error());
  return Reply(200, ChangeJson("customer", *change));
}

Result<ApiReply> ApiServer::DeleteCustomer(const ApiCall& call) {
  QueryReader q(call.req, {"remove_content"});
  bool remove_content = q.Bool("remove_content");
  HP_TRY(q.Finish());
  auto change = service_.DeleteCustomer(call.actor, call.path.at("login"), remove_content);
  if (!change) return Fail(change.error());
  return Reply(202, ChangeJson("customer", *change));
}

Result<ApiReply> ApiServer::CreateSite(const ApiCall& call) {
  auto body = ParseJsonObject(call.req.body);
  if (!body) return Fail(body.error());
  BodyReader r(*body);
  auto domain = r.String("domain", Presence::kRequired);
  auto customer = r.String("customer", Presence::kRequired);
  auto aliases = r.StringArray("aliases", Presence::kOptional);
  auto docroot = r.String("docroot", Presence::kOptional);
  auto php = r.String("php", Presence::kOptional);
  HP_TRY(r.Finish());
  SiteInput in{*domain, *customer, aliases.value_or(std::vector<std::string>{}), docroot, php};
  auto change = service_.CreateSite(call.actor, in);
  if (!change) return Fail(change.error());
  return Reply(201, ChangeJson("site", *change));
}

Result<ApiReply> ApiServer::ListSites(const ApiCall& call) {
  QueryReader q(call.req, {"customer", "after", "limit"});
  auto customer = q.String("customer");
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  auto list = service_.ListSites(call.actor, customer, page);
  if (!list) return Fail(list.error());
  return Reply(200, ListJson("sites", *list, page.limit));
}

Result<ApiReply> ApiServer::GetSite(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  auto s = service_.GetSite(call.actor, call.path.at("domain"));
  if (!s) return Fail(s.error());
  return Reply(200, {{"site", ToJson(*s)}});
}

Result<ApiReply> ApiServer::UpdateSite(const ApiCall& call) {
  auto body = ParseJsonObject(call.req.body);
  if (!body) return Fail(body.error());
  BodyReader r(*body);
  SitePatch patch;
  patch.aliases = r.StringArray("aliases", Presence::kOptional);
  patch.docroot = r.String("docroot", Presence::kOptional);
  patch.php = r.String("php", Presence::kOptional);
  HP_TRY(r.Finish());
  auto change = service_.UpdateSite(call.actor, call.path.at("domain"), patch);
  if (!change) return Fail(change.error());
  return Reply(200, ChangeJson("site", *change));
}

Result<ApiReply> ApiServer::RemoveSite(const ApiCall& call) {
  QueryReader q(call.req, {"remove_content"});
  bool remove_content = q.Bool("remove_content");
  HP_TRY(q.Finish());
  auto change = service_.RemoveSite(call.actor, call.path.at("domain"), remove_content);
  if (!change) return Fail(change.error());
  return Reply(202, ChangeJson("site", *change));
}

Result<ApiReply> ApiServer::ListPlans(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  auto list = service_.ListPlans(call.actor);
  if (!list) return Fail(list.error());
  return Reply(200, ListJson("plans", *list, std::nullopt));
}

Result<ApiReply> ApiServer::CreatePlan(const ApiCall& call) {
  auto body = ParseJsonObject(call.req.body);
  if (!body) return Fail(body.error());
  BodyReader r(*body);
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
  }
  if (BodyReader* placement = r.Object("placement", Presence::kOptional)) {
    in.pin_site = placement->String("site", Presence::kOptional).value_or("");
    in.pin_group = placement->String("group", Presence::kOptional).value_or("");
  }
  HP_TRY(r.Finish());
  in.name = *name;
  auto change = service_.CreatePlan(call.actor, in);
  if (!change) return Fail(change.error());
  return Reply(201, ChangeJson("plan", *change));
}

Result<ApiReply> ApiServer::GetPlan(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  auto p = service_.GetPlan(call.actor, call.path.at("name"));
  if (!p) return Fail(p.error());
  return Reply(200, {{"plan", ToJson(*p)}});
}

Result<ApiReply> ApiServer::ListTasks(const ApiCall& call) {
  QueryReader q(call.req, {"node", "state", "object", "change", "after", "limit"});
  TaskFilter filter;
  filter.node = q.String("node");
  filter.state = q.String("state");
  filter.object_key = q.String("object");
  filter.change_id = q.Integer("change", 1, INT64_MAX);
  filter.page = q.ReadPage();
  HP_TRY(q.Finish());
  auto list = service_.ListTasks(call.actor, filter);
  if (!list) return Fail(list.error());
  return Reply(200, ListJson("tasks", *list, filter.page.limit));
}

Result<ApiReply> ApiServer::GetTask(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  auto id = TaskId(call);
  if (!id) return Fail(id.error());
  auto t = service_.GetTask(call.actor, *id);
  if (!t) return Fail(t.error());
  return Reply(200, {{"task", ToJson(*t)}});
}

Result<ApiReply> ApiServer::WaitTask(const ApiCall& call) {
  QueryReader q(call.req, {"timeout_ms"});
  int64_t timeout_ms = q.Integer("timeout_ms", 0, kMaxWaitMs).value_or(kDefaultWaitMs);
  HP_TRY(q.Finish());
  auto id = TaskId(call);
  if (!id) return Fail(id.error());
  auto t = service_.WaitTask(call.actor, *id, std::chrono::milliseconds(timeout_ms));
  if (!t) return Fail(t.error());
  ApiReply r = Reply(200, {{"task", ToJson(*t)}});
  // Still pending is an answer, not an error: the client decides whether to wait again.
  if (!IsFinalTaskState(t->state)) r.headers.emplace_back("X-Hostplane-Timeout", "1");
  return r;
}

Result<ApiReply> ApiServer::ListAudit(const ApiCall& call) {
  QueryReader q(call.req, {"object", "after", "limit"});
  auto object = q.String("object");
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  auto list = service_.ListAudit(call.actor, page, object);
  if (!list) return Fail(list.error());
  return Reply(200, ListJson("audit", *list, page.limit));
}

}  // namespace hostplane::controller
