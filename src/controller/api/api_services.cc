// The REST handlers of the services beside sites: mailboxes (and their password and quota),
// forwarders, FTP users (and their password), databases,
// zones and records, certificates, and suspending or resuming a customer (the services do the
// work; these read the request strictly and shape the reply).

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"

namespace hostplane::controller {

using api::ChangeJson;
using api::ListJson;
using api::QueryReader;
using api::Reply;

Result<ApiReply> ApiServer::SuspendCustomer(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.customers().Suspend(call.actor, call.path.at("login")));
  return Reply(202, ChangeJson("customer", change));
}

Result<ApiReply> ApiServer::ResumeCustomer(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.customers().Resume(call.actor, call.path.at("login")));
  return Reply(202, ChangeJson("customer", change));
}

Result<ApiReply> ApiServer::ListOf(const ApiCall& call, const char* kind, const char* key,
                                   const char* parent_param) {
  std::set<std::string> known = {"customer", "after", "limit", "q"};
  if (parent_param) known.insert(parent_param);
  QueryReader q(call.req, known);
  auto customer = q.String("customer");
  std::optional<std::string> parent;
  if (parent_param) parent = q.String(parent_param);
  Page page = q.ReadPage();
  q.ReadSearch(page);
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list,
                      hosting_.resources().List(call.actor, kind, customer, parent, page));
  return Reply(200, ListJson(key, list, page.limit));
}

Result<ApiReply> ApiServer::AddMailbox(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  MailboxInput in;
  in.address = r.String("address", Presence::kRequired).value_or("");
  in.customer = r.String("customer", Presence::kOptional);
  in.password = r.String("password", Presence::kRequired).value_or("");
  in.quota_mb = r.Integer("quota_mb", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.mail().AddMailbox(call.actor, in));
  return Reply(201, ChangeJson("mailbox", change));
}

Result<ApiReply> ApiServer::ListMailboxes(const ApiCall& call) {
  return ListOf(call, "mailbox", "mailboxes", "domain");
}

Result<ApiReply> ApiServer::RemoveMailbox(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.mail().RemoveMailbox(call.actor, call.path.at("address")));
  return Reply(202, ChangeJson("mailbox", change));
}

Result<ApiReply> ApiServer::UpdateMailbox(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  MailboxPatch patch;
  patch.password = r.String("password", Presence::kOptional);
  patch.quota_mb = r.Integer("quota_mb", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.mail().UpdateMailbox(call.actor, call.path.at("address"), patch));
  return Reply(202, ChangeJson("mailbox", change));
}

Result<ApiReply> ApiServer::AddForwarder(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  ForwarderInput in;
  in.address = r.String("address", Presence::kRequired).value_or("");
  in.targets = r.StringArray("targets", Presence::kRequired).value_or(std::vector<std::string>{});
  in.customer = r.String("customer", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.mail().AddForwarder(call.actor, in));
  return Reply(201, ChangeJson("forwarder", change));
}

Result<ApiReply> ApiServer::ListForwarders(const ApiCall& call) {
  return ListOf(call, "forwarder", "forwarders", "domain");
}

Result<ApiReply> ApiServer::RemoveForwarder(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change,
                      hosting_.mail().RemoveForwarder(call.actor, call.path.at("address")));
  return Reply(202, ChangeJson("forwarder", change));
}

Result<ApiReply> ApiServer::MailDomainDns(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto dns, hosting_.mail().DnsRecords(call.actor, call.path.at("domain")));
  return Reply(200, {{"mail_domain", dns}});
}

Result<ApiReply> ApiServer::RotateDkim(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  // No body: a request that brings one is refused as every other unknown field is.
  if (!call.req.body.empty()) {
    HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
    BodyReader r(body);
    HP_TRY(r.Finish());
  }
  HP_ASSIGN_OR_RETURN(auto change, hosting_.mail().RotateDkim(call.actor, call.path.at("domain")));
  return Reply(202, ChangeJson("mail_domain", change));
}

Result<ApiReply> ApiServer::AddFtpUser(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  FtpUserInput in;
  in.user = r.String("user", Presence::kRequired).value_or("");
  in.customer = r.String("customer", Presence::kRequired).value_or("");
  in.password = r.String("password", Presence::kRequired).value_or("");
  in.home = r.String("home", Presence::kOptional).value_or("");
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.ftp().Add(call.actor, in));
  return Reply(201, ChangeJson("ftp_user", change));
}

Result<ApiReply> ApiServer::ListFtpUsers(const ApiCall& call) {
  return ListOf(call, "ftpuser", "ftp_users", nullptr);
}

Result<ApiReply> ApiServer::RemoveFtpUser(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.ftp().Remove(call.actor, call.path.at("user")));
  return Reply(202, ChangeJson("ftp_user", change));
}

Result<ApiReply> ApiServer::UpdateFtpUser(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  FtpUserPatch patch;
  patch.password = r.String("password", Presence::kRequired).value_or("");
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.ftp().Update(call.actor, call.path.at("user"), patch));
  return Reply(202, ChangeJson("ftp_user", change));
}

Result<ApiReply> ApiServer::AddDatabase(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  DatabaseInput in;
  in.name = r.String("name", Presence::kRequired).value_or("");
  in.customer = r.String("customer", Presence::kRequired).value_or("");
  in.password = r.String("password", Presence::kRequired).value_or("");
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.databases().Add(call.actor, in));
  return Reply(201, ChangeJson("database", change));
}

Result<ApiReply> ApiServer::ListDatabases(const ApiCall& call) {
  return ListOf(call, "database", "databases", nullptr);
}

Result<ApiReply> ApiServer::RemoveDatabase(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.databases().Remove(call.actor, call.path.at("name")));
  return Reply(202, ChangeJson("database", change));
}

Result<ApiReply> ApiServer::AddZone(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  ZoneInput in;
  in.zone = r.String("zone", Presence::kRequired).value_or("");
  in.customer = r.String("customer", Presence::kRequired).value_or("");
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.dns().AddZone(call.actor, in));
  return Reply(201, ChangeJson("zone", change));
}

Result<ApiReply> ApiServer::ListZones(const ApiCall& call) {
  return ListOf(call, "zone", "zones", nullptr);
}

Result<ApiReply> ApiServer::GetZone(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto spec, hosting_.dns().ZoneRecords(call.actor, call.path.at("zone")));
  return Reply(200, {{"zone", spec}});
}

Result<ApiReply> ApiServer::RemoveZone(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.dns().RemoveZone(call.actor, call.path.at("zone")));
  return Reply(202, ChangeJson("zone", change));
}

Result<ApiReply> ApiServer::AddRecord(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  RecordInput in;
  in.zone = call.path.at("zone");
  in.name = r.String("name", Presence::kRequired).value_or("");
  in.type = r.String("type", Presence::kRequired).value_or("");
  in.value = r.String("value", Presence::kRequired).value_or("");
  in.ttl = r.Integer("ttl", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.dns().AddRecord(call.actor, in));
  return Reply(201, ChangeJson("record", change));
}

Result<ApiReply> ApiServer::ListRecords(const ApiCall& call) {
  QueryReader q(call.req, {"after", "limit", "q"});
  Page page = q.ReadPage();
  q.ReadSearch(page);
  HP_TRY(q.Finish());
  auto canonical = protocol::CheckDomain(call.path.at("zone"));
  if (!canonical) return Fail(Error::NotFound("zone '" + call.path.at("zone") + "' not found"));
  HP_ASSIGN_OR_RETURN(
      auto list, hosting_.resources().List(call.actor, "record", std::nullopt, *canonical, page));
  return Reply(200, ListJson("records", list, page.limit));
}

Result<ApiReply> ApiServer::RemoveRecord(const ApiCall& call) {
  QueryReader q(call.req, {"name", "type", "value"});
  RecordInput in;
  in.zone = call.path.at("zone");
  in.name = q.String("name").value_or("");
  in.type = q.String("type").value_or("");
  in.value = q.String("value").value_or("");
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.dns().RemoveRecord(call.actor, in));
  return Reply(202, ChangeJson("record", change));
}

Result<ApiReply> ApiServer::IssueCertificate(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto domain = r.String("domain", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.certificates().Issue(call.actor, domain.value_or("")));
  return Reply(202, ChangeJson("certificate", change));
}

Result<ApiReply> ApiServer::ListCertificates(const ApiCall& call) {
  return ListOf(call, "cert", "certificates", nullptr);
}

}  // namespace hostplane::controller
