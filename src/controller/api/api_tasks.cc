// The task routes of the REST API: list, read, wait for (long poll), retry.

#include <chrono>

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {

using nlohmann::json;

namespace {

using api::ListJson;
using api::QueryReader;
using api::Reply;

constexpr int64_t kDefaultWaitMs = 30'000;
constexpr int64_t kMaxWaitMs = 60'000;

Result<int64_t> TaskId(const ApiCall& call) {
  auto id = protocol::CheckInteger(call.path.at("id"), 1, INT64_MAX);
  if (!id) {
    protocol::FieldErrors errors;
    errors.Add("id", id.error());
    return Fail(errors.ToError());
  }
  return *id;
}

}  // namespace

Result<ApiReply> ApiServer::ListTasks(const ApiCall& call) {
  QueryReader q(call.req, {"node", "state", "object", "change", "after", "limit"});
  TaskFilter filter;
  filter.node = q.String("node");
  auto state = q.String("state");
  filter.object_key = q.String("object");
  filter.change_id = q.Integer("change", 1, INT64_MAX);
  filter.page = q.ReadPage();
  HP_TRY(q.Finish());
  if (state) {
    filter.state = Parse<TaskState>(*state);
    // No task is in a state that does not exist: an empty list, as for any other filter.
    if (!filter.state)
      return Reply(200, ListJson("tasks", std::vector<TaskRecord>{}, filter.page.limit));
  }
  HP_ASSIGN_OR_RETURN(auto list, hosting_.tasks().List(call.actor, filter));
  return Reply(200, ListJson("tasks", list, filter.page.limit));
}

Result<ApiReply> ApiServer::GetTask(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto id, TaskId(call));
  HP_ASSIGN_OR_RETURN(auto t, hosting_.tasks().Get(call.actor, id));
  return Reply(200, {{"task", ToJson(t)}});
}

Result<ApiReply> ApiServer::WaitTask(const ApiCall& call) {
  QueryReader q(call.req, {"timeout_ms"});
  int64_t timeout_ms = q.Integer("timeout_ms", 0, kMaxWaitMs).value_or(kDefaultWaitMs);
  HP_TRY(q.Finish());
  auto id = TaskId(call);
  if (!id) return Fail(id.error());
  // Authorised and found now, or refused now; then polled without a thread (ApiWait).
  HP_ASSIGN_OR_RETURN(auto first, hosting_.tasks().Get(call.actor, *id));
  auto answer = [](const TaskRecord& t) {
    ApiReply r = Reply(200, {{"task", ToJson(t)}});
    // Still pending is an answer, not an error: the client decides whether to wait again.
    if (!IsFinal(t.state)) r.headers.emplace_back("X-Hostplane-Timeout", "1");
    return r;
  };
  if (IsFinal(first.state) || timeout_ms == 0) return answer(first);
  ApiReply r;
  r.wait = std::make_shared<ApiWait>();
  r.wait->deadline = clock_.Steady() + std::chrono::milliseconds(timeout_ms);
  r.wait->poll = [this, actor = call.actor, id = *id,
                  answer](bool deadline_passed) -> Result<std::optional<ApiReply>> {
    HP_ASSIGN_OR_RETURN(auto t, hosting_.tasks().Get(actor, id));
    if (!IsFinal(t.state) && !deadline_passed) return std::optional<ApiReply>();
    return std::optional<ApiReply>(answer(t));
  };
  return r;
}

namespace {

json RetryJson(const TaskRetry& r) {
  return {{"retry_of", r.retry_of}, {"task", ToJson(r.task)}, {"queued", r.queued}};
}

// 202 when a new attempt was queued, 200 when every task named had one already.
template <typename T>
ApiReply RetryReply(const Change<T>& change, json body) {
  json tasks = json::array();
  for (const auto& t : change.tasks) tasks.push_back(ToJson(t));
  body["tasks"] = std::move(tasks);
  body["change_id"] = change.change_id;
  return Reply(change.tasks.empty() ? 200 : 202, std::move(body));
}

}  // namespace

Result<ApiReply> ApiServer::RetryTask(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  if (!call.req.body.empty()) {  // no body; one that brings fields is refused
    HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
    BodyReader r(body);
    HP_TRY(r.Finish());
  }
  HP_ASSIGN_OR_RETURN(auto id, TaskId(call));
  HP_ASSIGN_OR_RETURN(auto change, hosting_.tasks().Retry(call.actor, id));
  return RetryReply(change, RetryJson(change.object));
}

Result<ApiReply> ApiServer::RetryTasks(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto ids = r.IntegerArray("ids", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.tasks().Retry(call.actor, *ids));
  json retries = json::array();
  for (const auto& one : change.object) retries.push_back(RetryJson(one));
  return RetryReply(change, {{"retries", std::move(retries)}});
}

}  // namespace hostplane::controller
