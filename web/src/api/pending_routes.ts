// Routes the panel is built for that are not in api/openapi.json on main yet, each behind a
// switch the lead turns on when the route lands (then the buttons that call it appear):
//   actingAs   POST /sessions/current/acting-as (session.ts startActingAs; branch "people")
//   taskRetry  POST /tasks/{id}/retry and POST /tasks/retry {ids} (branch "api-ops")
// While a switch is off, the screens show no button for it: a button that answers 404 is worse
// than none. The calls follow the contracts of those branches; their types are hand-written and
// give way to the generated ones with the routes.
import type { ApiClient, ApiResult } from './client';
import type { ChangeAnswer } from './endpoints';

export const PENDING_ROUTES = {
  actingAs: false,
  taskRetry: false,
};

// A failed task queued again as a new attempt: 202 with the new task, or 200 naming the newer
// task that already exists; 409 task.not_failed.
export function retryTask(client: ApiClient, id: number): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', `/tasks/${id}/retry`);
}

// Several failed tasks in one change, all or nothing (errors name ids[i]).
export function retryTasks(client: ApiClient, ids: number[]): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', '/tasks/retry', { body: { ids } });
}
