#pragma once

// The REST API (/api/v1, JSON in and out) plus /healthz and /metrics, served by cpp-httplib.
// Handlers are thin: they authenticate the bearer token, parse the request strictly
// (request_body.h), call HostingService (which validates, authorises and writes) and encode the
// result with entity_json.h. Every error leaves through api_error.h, so its shape and HTTP status
// are decided in one place. api/openapi.json describes exactly the routes of Routes(); a test
// holds the two equal.
//
// Threads: Start() runs the accept loop on a thread of its own and requests on a pool of
// ApiOptions::threads workers; long polls (/tasks/{id}/wait, up to 60 s) occupy one worker each,
// so the pool is sized well above the expected number of concurrent waiters. Start and Stop are
// called by the owner (main) from one thread; port() may be called from any thread after Start.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "controller/engine/hosting_service.h"
#include "controller/engine/task_engine.h"
#include "controller/store/store.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace hostplane {
// api/openapi.json, embedded at build time (cmake/embed_file.cmake).
const char* OpenApiDocument();
}  // namespace hostplane

namespace hostplane::controller {

class PanelFiles;  // controller/panel/panel_files.h

struct ApiOptions {
  std::string bind = "127.0.0.1";
  int port = 0;      // 0: the kernel picks a free port (see port())
  int threads = 32;  // request workers; each long poll holds one
  // The OpenAPI document served at /api/v1/openapi.json, read once by Start(). Empty: the copy of
  // api/openapi.json compiled into the binary (OpenApiDocument()).
  std::string openapi_path;
  // The panel's files, served at every other path (panel_route.h); null: the API alone. Must
  // outlive the server.
  const PanelFiles* panel = nullptr;
};

struct ApiCall;   // one request as the handlers see it (api_server.cc)
struct ApiReply;  // status, JSON body and extra headers (api_server.cc)

class ApiServer {
 public:
  using Handler = Result<ApiReply> (ApiServer::*)(const ApiCall&);
  struct Route {
    std::string method;  // "GET", "POST", "PATCH", "DELETE"
    std::string path;    // template as in the OpenAPI document: "/api/v1/sites/{domain}"
    bool authenticated;  // needs "Authorization: Bearer <token>"
    Handler handler;
  };

  ApiServer(HostingService& service, TaskEngine& engine, Store& store, const Clock& clock,
            ApiOptions options);
  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Reads the OpenAPI document, binds and starts serving. Errors: kIo when the document cannot
  // be read or parsed; kUnavailable when the address cannot be bound.
  [[nodiscard]] Status Start();
  // The bound port (the chosen one when ApiOptions::port was 0); 0 before Start.
  int port() const { return port_; }
  // Stops accepting, finishes running requests and joins the threads. Idempotent.
  void Stop();

  // Every route the server registers, in registration order.
  static const std::vector<Route>& Routes();

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
  Result<ApiReply> ListAudit(const ApiCall& call);
  Result<ApiReply> SuspendCustomer(const ApiCall& call);
  Result<ApiReply> ResumeCustomer(const ApiCall& call);
  Result<ApiReply> AddMailbox(const ApiCall& call);
  Result<ApiReply> ListMailboxes(const ApiCall& call);
  Result<ApiReply> RemoveMailbox(const ApiCall& call);
  Result<ApiReply> AddForwarder(const ApiCall& call);
  Result<ApiReply> ListForwarders(const ApiCall& call);
  Result<ApiReply> RemoveForwarder(const ApiCall& call);
  Result<ApiReply> AddFtpUser(const ApiCall& call);
  Result<ApiReply> ListFtpUsers(const ApiCall& call);
  Result<ApiReply> RemoveFtpUser(const ApiCall& call);
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
  // A list of one kind of Resource, filtered by ?customer= and, when parent_param is set, by it.
  Result<ApiReply> ListOf(const ApiCall& call, const char* kind, const char* key,
                          const char* parent_param);

  // Authenticates (when the route needs it), binds the path parameters and runs the handler.
  Result<ApiReply> Serve(const Route& route, const std::vector<std::string>& params,
                         const httplib::Request& req);
  Result<Actor> Authenticate(const std::string& authorization_header);
  void Register();

  HostingService& service_;
  TaskEngine& engine_;
  Store& store_;
  const Clock& clock_;
  ApiOptions options_;
  std::string openapi_document_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
};

}  // namespace hostplane::controller
