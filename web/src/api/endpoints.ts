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

// What every state-changing route answers: the object under its kind's key, the tasks it queued
// (followed live with TaskWatcher) and the change id. A removal answers the same with 202.
export interface ChangeAnswer {
  tasks: Task[];
  change_id: number;
}

export type SiteInput = Schemas['SiteInput'];
export type MailboxInput = Schemas['MailboxInput'];
export type ForwarderInput = Schemas['ForwarderInput'];
export type FtpUserInput = Schemas['FtpUserInput'];
export type DatabaseInput = Schemas['DatabaseInput'];
export type ZoneInput = Schemas['ZoneInput'];
export type RecordInput = Schemas['RecordInput'];
export type RecordType = RecordInput['type'];

export function createSite(client: ApiClient, input: SiteInput): Promise<ApiResult<Answer<operations['createSite'], 201>>> {
  return client.request('POST', '/sites', { body: input });
}

export function removeSite(client: ApiClient, domain: string): Promise<ApiResult<ChangeAnswer>> {
  return client.request('DELETE', `/sites/${encodeURIComponent(domain)}`);
}

// The service routes beside sites (mailboxes, forwarders, FTP users, databases, zones): POST to
// add, DELETE /<collection>/<name> to remove; answers as ChangeAnswer.
export type ServiceCollection = 'mailboxes' | 'forwarders' | 'ftp-users' | 'databases' | 'zones';

export function addService(
  client: ApiClient,
  collection: ServiceCollection,
  input: MailboxInput | ForwarderInput | FtpUserInput | DatabaseInput | ZoneInput,
): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', `/${collection}`, { body: input });
}

export function removeService(
  client: ApiClient,
  collection: ServiceCollection,
  name: string,
): Promise<ApiResult<ChangeAnswer>> {
  return client.request('DELETE', `/${collection}/${encodeURIComponent(name)}`);
}

export function addRecord(client: ApiClient, zone: string, input: RecordInput): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', `/zones/${encodeURIComponent(zone)}/records`, { body: input });
}

export function removeRecord(
  client: ApiClient,
  zone: string,
  record: { name: string; type: string; value: string },
): Promise<ApiResult<ChangeAnswer>> {
  return client.request('DELETE', `/zones/${encodeURIComponent(zone)}/records`, { query: record });
}

export function listTasks(
  client: ApiClient,
  query: QueryOf<operations['listTasks']>,
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['listTasks'], 200>>> {
  return client.request('GET', '/tasks', { query, signal });
}

export type SitePatch = Schemas['SitePatch'];

export function getSite(
  client: ApiClient,
  domain: string,
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['getSite'], 200>>> {
  return client.request('GET', `/sites/${encodeURIComponent(domain)}`, { signal });
}

export function updateSite(
  client: ApiClient,
  domain: string,
  patch: SitePatch,
): Promise<ApiResult<Answer<operations['updateSite'], 200>>> {
  return client.request('PATCH', `/sites/${encodeURIComponent(domain)}`, { body: patch });
}

// The reseller's and the staff's routes: customers, plans, resellers, nodes, the audit log.
export type Customer = Schemas['Customer'];
export type CustomerInput = Schemas['CustomerInput'];
export type Plan = Schemas['Plan'];
export type PlanInput = Schemas['PlanInput'];
export type PlanLimits = Schemas['PlanLimits'];
export type Reseller = Schemas['Reseller'];
export type ResellerInput = Schemas['ResellerInput'];
export type HostNode = Schemas['Node'];
export type AuditEntry = Schemas['AuditEntry'];

export function getCustomer(
  client: ApiClient,
  login: string,
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['getCustomer'], 200>>> {
  return client.request('GET', `/customers/${encodeURIComponent(login)}`, { signal });
}

export function createCustomer(
  client: ApiClient,
  input: CustomerInput,
): Promise<ApiResult<Answer<operations['createCustomer'], 201>>> {
  return client.request('POST', '/customers', { body: input });
}

// PATCH /customers/{login} {plan}: its only changeable field today.
export function changeCustomerPlan(
  client: ApiClient,
  login: string,
  plan: string,
): Promise<ApiResult<Answer<operations['updateCustomer'], 200>>> {
  return client.request('PATCH', `/customers/${encodeURIComponent(login)}`, { body: { plan } });
}

// Suspending (its sites answer 503) or resuming a customer.
export function setCustomerSuspended(
  client: ApiClient,
  login: string,
  suspended: boolean,
): Promise<ApiResult<Answer<operations['suspendCustomer'], 202>>> {
  return client.request('POST', `/customers/${encodeURIComponent(login)}/${suspended ? 'suspend' : 'resume'}`);
}

export function deleteCustomer(client: ApiClient, login: string): Promise<ApiResult<ChangeAnswer>> {
  return client.request('DELETE', `/customers/${encodeURIComponent(login)}`);
}

export function listPlans(client: ApiClient, signal?: AbortSignal): Promise<ApiResult<Answer<operations['listPlans'], 200>>> {
  return client.request('GET', '/plans', { signal });
}

export function createPlan(client: ApiClient, input: PlanInput): Promise<ApiResult<Answer<operations['createPlan'], 201>>> {
  return client.request('POST', '/plans', { body: input });
}

// (The OpenAPI document marks ResellerChange's members optional; the route always sends them.)
export function createReseller(
  client: ApiClient,
  input: ResellerInput,
): Promise<ApiResult<{ reseller: Reseller } & ChangeAnswer>> {
  return client.request('POST', '/resellers', { body: input });
}

export function setResellerSuspended(
  client: ApiClient,
  login: string,
  suspended: boolean,
): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', `/resellers/${encodeURIComponent(login)}/${suspended ? 'suspend' : 'resume'}`);
}

export function listNodes(client: ApiClient, signal?: AbortSignal): Promise<ApiResult<Answer<operations['listNodes'], 200>>> {
  return client.request('GET', '/nodes', { signal });
}

// One step of draining a node (its customers moved off, a batch at a time).
export function drainNode(client: ApiClient, name: string): Promise<ApiResult<Answer<operations['drainNode'], 202>>> {
  return client.request('POST', `/nodes/${encodeURIComponent(name)}/drain`, { body: {} });
}

// A failed task queued again as a new attempt: 202 with the new task, or 200 naming the newer
// task that already exists; 409 task.not_failed.
export function retryTask(client: ApiClient, id: number): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', `/tasks/${id}/retry`);
}

// Several failed tasks in one change, all or nothing (errors name ids[i]).
export function retryTasks(client: ApiClient, ids: number[]): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', '/tasks/retry', { body: { ids } });
}

// A site's certificate as GET /certificates lists it (a Resource of kind "cert", named by the
// site's domain): pending, issued or failed; error holds the ACME client's or the daemon's words
// of the last failure, issued_at the moment (Unix milliseconds) of the last issue.
export type Certificate = Resource & { names?: string[]; error?: string; issued_at?: number };

export function listCertificates(
  client: ApiClient,
  customer: string,
  signal?: AbortSignal,
): Promise<ApiResult<{ certificates: Certificate[] }>> {
  return client.request('GET', '/certificates', { query: { customer }, signal });
}

// Issues (or issues again) the certificate of a site, its aliases included, over ACME HTTP-01.
export function issueCertificate(client: ApiClient, domain: string): Promise<ApiResult<ChangeAnswer>> {
  return client.request('POST', '/certificates', { body: { domain } });
}
