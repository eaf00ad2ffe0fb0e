// The REST handlers of people and permissions: resellers (controller/services/reseller_service.h)
// and customers' users (user_service.h). The services do the work; these read the request
// strictly and shape the reply.

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"
#include "controller/store/people_json.h"

namespace hostplane::controller {

using api::ChangeJson;
using api::ListJson;
using api::QueryReader;
using api::Reply;

namespace {

// "limits": {"customers": N | {"unlimited": true}, "sites": ...}, each stated (nothing is
// unlimited by omission) when required, each optional in a patch.
void ReadLimits(BodyReader& r, Presence presence, std::optional<Limit>& customers,
                std::optional<Limit>& sites) {
  if (BodyReader* limits = r.Object("limits", presence)) {
    customers = limits->LimitValue("customers", presence);
    sites = limits->LimitValue("sites", presence);
  }
}

}  // namespace

Result<ApiReply> ApiServer::CreateReseller(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  ResellerInput in;
  auto login = r.String("login", Presence::kRequired);
  auto name = r.String("name", Presence::kOptional);
  auto email = r.String("email", Presence::kRequired);
  in.password = r.String("password", Presence::kOptional);
  std::optional<Limit> customers, sites;
  ReadLimits(r, Presence::kRequired, customers, sites);
  in.overselling = r.Bool("overselling", Presence::kOptional).value_or(false);
  HP_TRY(r.Finish());
  in.login = *login;
  in.name = name.value_or("");
  in.email = *email;
  in.max_customers = customers.value_or(Limit());
  in.max_sites = sites.value_or(Limit());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.resellers().Create(call.actor, in));
  return Reply(201, ChangeJson("reseller", change));
}

Result<ApiReply> ApiServer::ListResellers(const ApiCall& call) {
  QueryReader q(call.req, {"after", "limit"});
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.resellers().List(call.actor, page));
  return Reply(200, ListJson("resellers", list, page.limit));
}

Result<ApiReply> ApiServer::GetReseller(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto r, hosting_.resellers().Get(call.actor, call.path.at("login")));
  return Reply(200, {{"reseller", ToJson(r)}});
}

Result<ApiReply> ApiServer::UpdateReseller(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  ResellerPatch patch;
  patch.name = r.String("name", Presence::kOptional);
  patch.email = r.String("email", Presence::kOptional);
  ReadLimits(r, Presence::kOptional, patch.max_customers, patch.max_sites);
  patch.overselling = r.Bool("overselling", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.resellers().Update(call.actor, call.path.at("login"), patch));
  return Reply(200, ChangeJson("reseller", change));
}

Result<ApiReply> ApiServer::DeleteReseller(const ApiCall& call) {
  QueryReader q(call.req, {"with_customers", "remove_content"});
  bool with_customers = q.Bool("with_customers");
  bool remove_content = q.Bool("remove_content");
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.resellers().Delete(call.actor, call.path.at("login"),
                                                               with_customers, remove_content));
  return Reply(202, ChangeJson("reseller", change));
}

Result<ApiReply> ApiServer::SuspendReseller(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.resellers().Suspend(call.actor, call.path.at("login")));
  return Reply(202, ChangeJson("reseller", change));
}

Result<ApiReply> ApiServer::ResumeReseller(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.resellers().Resume(call.actor, call.path.at("login")));
  return Reply(202, ChangeJson("reseller", change));
}

Result<ApiReply> ApiServer::CreateUser(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  UserInput in;
  auto login = r.String("login", Presence::kRequired);
  auto name = r.String("name", Presence::kOptional);
  auto email = r.String("email", Presence::kRequired);
  in.password = r.String("password", Presence::kOptional);
  in.customer = r.String("customer", Presence::kOptional);
  in.role = r.String("role", Presence::kOptional);
  in.full_access = r.Bool("full_access", Presence::kOptional).value_or(false);
  auto sites = r.StringArray("sites", Presence::kOptional);
  auto mail_domains = r.StringArray("mail_domains", Presence::kOptional);
  HP_TRY(r.Finish());
  in.login = *login;
  in.name = name.value_or("");
  in.email = *email;
  in.sites = sites.value_or(std::vector<std::string>{});
  in.mail_domains = mail_domains.value_or(std::vector<std::string>{});
  HP_ASSIGN_OR_RETURN(auto change, hosting_.users().Create(call.actor, in));
  return Reply(201, ChangeJson("user", change));
}

Result<ApiReply> ApiServer::ListUsers(const ApiCall& call) {
  QueryReader q(call.req, {"customer", "after", "limit"});
  auto customer = q.String("customer");
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.users().List(call.actor, customer, page));
  return Reply(200, ListJson("users", list, page.limit));
}

Result<ApiReply> ApiServer::GetUser(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto u, hosting_.users().Get(call.actor, call.path.at("login")));
  return Reply(200, {{"user", ToJson(u)}});
}

Result<ApiReply> ApiServer::DeleteUser(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.users().Delete(call.actor, call.path.at("login")));
  return Reply(200, ChangeJson("user", change));
}

}  // namespace hostplane::controller
