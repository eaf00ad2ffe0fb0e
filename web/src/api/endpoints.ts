// Typed calls of the routes the panel uses, with request and answer types taken from the types
// generated out of api/openapi.json (src/api/generated, written by `npm run gen:api` before every
// type check, build and test run): a route or schema changed in the OpenAPI document shows up
// here as a type error, not as a surprise in the browser.
import type { components, operations } from './generated/openapi';
import type { ApiClient, ApiResult } from './client';

type Schemas = components['schemas'];
// The JSON body of an operation's answer with status S.
export type Answer<O, S extends number> = O extends {
  responses: { [K in S]: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Task = Schemas['Task'];
export type TaskState = Task['state'];
export type Site = Schemas['Site'];
export type Resource = Schemas['Resource'];

export const FINAL_TASK_STATES: ReadonlySet<TaskState> = new Set(['applied', 'failed', 'superseded']);

export function getTask(client: ApiClient, id: number, signal?: AbortSignal) {
  return client.request<Answer<operations['getTask'], 200>>('GET', `/tasks/${id}`, { signal });
}

// The long poll: answers when the task is final or when timeoutMs passed (then with the header
// X-Hostplane-Timeout: 1 and the task as it is).
export function waitTask(
  client: ApiClient,
  id: number,
  query: QueryOf<operations['waitTask']>,
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['waitTask'], 200>>> {
  return client.request('GET', `/tasks/${id}/wait`, { query, signal });
}

export function listSites(
  client: ApiClient,
  query: QueryOf<operations['listSites']>,
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['listSites'], 200>>> {
  return client.request('GET', '/sites', { query, signal });
}
