// The browser session: the contract this panel is built to, which issue 14 ("people and
// permissions") implements in the API (api/openapi.json, tag "login"). These hand-written types
// give way to the generated ones (src/api/endpoints.ts).
//
//   POST   /api/v1/sessions          {login, password, totp?}
//          201 {session: Session} + Set-Cookie (HttpOnly, SameSite=Strict, Secure over TLS)
//          401 the same answer for an unknown login, a wrong password and a wrong second factor;
//              when the password was right and a second factor is needed, fields.totp says so
//              ("totp.required" or "totp.invalid")
//          429 Retry-After: N   too many failures for this login from this address
//          503 Retry-After: N   every password hash slot is busy
//   GET    /api/v1/sessions/current  200 {session: Session}; 401 when not signed in
//   DELETE /api/v1/sessions/current  204, the cookie cleared
//   DELETE /api/v1/sessions/current/acting-as  200 {session: Session} back as oneself
//   POST   /api/v1/password-resets   {login}  202 whatever the login (no enumeration); 429
//   POST   /api/v1/password-resets/redeem  {token, password}  200 {login}; 404 fields.token
//          link.invalid / link.expired; 422 fields.password (the policy)
//   POST   /api/v1/sessions/current/acting-as  {login}  200 {session: Session} acting ("log in as")
//
// Session.csrf_token goes back in X-CSRF-Token on every state-changing request
// (src/controller/auth/csrf.h).
import type { ApiClient, ApiResult } from './client';

export type Role = 'admin' | 'support' | 'reseller' | 'customer' | 'customer_user';

export interface Person {
  login: string;
  name: string;
  role: Role;
}

export interface Session {
  person: Person;
  // Whom the person acts as ("log in as"), with the moment that ends on its own.
  acting_as: (Person & { until: string }) | null;
  csrf_token: string;
}

export interface Credentials {
  login: string;
  password: string;
  totp?: string;
}

export function signIn(client: ApiClient, credentials: Credentials): Promise<ApiResult<{ session: Session }>> {
  return client.request('POST', '/sessions', { body: credentials });
}

export function currentSession(client: ApiClient, signal?: AbortSignal): Promise<ApiResult<{ session: Session }>> {
  return client.request('GET', '/sessions/current', { signal });
}

export function signOut(client: ApiClient): Promise<ApiResult<void>> {
  return client.request('DELETE', '/sessions/current');
}

export function stopActingAs(client: ApiClient): Promise<ApiResult<{ session: Session }>> {
  return client.request('DELETE', '/sessions/current/acting-as');
}

export function requestPasswordReset(client: ApiClient, login: string): Promise<ApiResult<void>> {
  return client.request('POST', '/password-resets', { body: { login } });
}

export function redeemPasswordReset(
  client: ApiClient,
  token: string,
  password: string,
): Promise<ApiResult<{ password_set: boolean; login: string; sessions_ended: number }>> {
  return client.request('POST', '/password-resets/redeem', { body: { token, password } });
}

// "Log in as": POST /api/v1/sessions/current/acting-as {login} → 200 {session: Session} with
// acting_as set (docs/permissions.md "Acting for someone").
export function startActingAs(client: ApiClient, login: string): Promise<ApiResult<{ session: Session }>> {
  return client.request('POST', '/sessions/current/acting-as', { body: { login } });
}
