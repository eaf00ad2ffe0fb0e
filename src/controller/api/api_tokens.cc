// The REST handlers of one's own API tokens (`/api/v1/tokens`, services/token_service.h): list
// (never the secret or its hash), create (the secret in the answer, once) and revoke. The service
// does the work; these read the request strictly and shape the reply.

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"

namespace hostplane::controller {

using api::ListJson;
using api::QueryReader;
using api::Reply;

Result<ApiReply> ApiServer::ListTokens(const ApiCall& call) {
  QueryReader q(call.req, {"after", "limit"});
  Page page = q.ReadPage();
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.tokens().List(call.actor, page));
  return Reply(200, ListJson("tokens", list, page.limit));
}

Result<ApiReply> ApiServer::CreateToken(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto name = r.String("name", Presence::kRequired);
  auto scopes = r.StringArray("scopes", Presence::kRequired);
  auto days = r.Integer("expires_in_days", Presence::kOptional);
  HP_TRY(r.Finish());
  TokenInput in;
  in.name = *name;
  in.scopes = *scopes;
  if (days) in.expires_in_days = *days;
  HP_ASSIGN_OR_RETURN(auto change, hosting_.tokens().Create(call.actor, in));
  ApiReply reply = Reply(201, {{"token", ToJson(change.object.token)},
                               {"secret", change.object.secret},
                               {"change_id", change.change_id}});
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

Result<ApiReply> ApiServer::RevokeToken(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  const std::string& typed = call.path.at("id");
  auto id = protocol::CheckInteger(typed, 1, INT64_MAX);
  if (!id) {
    return Fail(Error{ErrorCode::kNotFound,
                      "token " + protocol::QuoteForMessage(typed) + " not found",
                      {{"id", "token.not_found"}}});
  }
  HP_ASSIGN_OR_RETURN(auto change, hosting_.tokens().Revoke(call.actor, *id));
  return Reply(200, {{"token", ToJson(change.object)}, {"change_id", change.change_id}});
}

}  // namespace hostplane::controller
