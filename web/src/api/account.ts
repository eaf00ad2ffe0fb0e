// Typed calls of the routes about the caller's own login (docs/permissions.md): its password, its
// second factor (an authenticator app's TOTP codes, with recovery codes) and its browser
// sessions. Each acts on the login of the request; "log in as" does not reach them (the API
// refuses them while acting for someone). Types come from api/openapi.json (src/api/generated).
import type { components, operations } from './generated/openapi';
import type { ApiClient, ApiResult } from './client';
import type { Answer } from './endpoints';

export type SecondFactorState = Answer<operations['secondFactorState'], 200>;
export type Enrolment = Answer<operations['startSecondFactor'], 201>;
export type AccountSession = components['schemas']['Session'];

// Every other session of the login ends; the answer says how many.
export function changePassword(
  client: ApiClient,
  currentPassword: string,
  newPassword: string,
): Promise<ApiResult<Answer<operations['changePassword'], 200>>> {
  return client.request('POST', '/password', {
    body: { current_password: currentPassword, new_password: newPassword },
  });
}

export function getSecondFactor(client: ApiClient, signal?: AbortSignal): Promise<ApiResult<SecondFactorState>> {
  return client.request('GET', '/second-factor', { signal });
}

// A new secret to scan (its QR code as SVG, its otpauth:// URI, the secret in base32), to be
// confirmed with a code within the answer's confirm_before.
export function startSecondFactor(client: ApiClient): Promise<ApiResult<Enrolment>> {
  return client.request('POST', '/second-factor');
}

// On with a code from the new secret; answers the recovery codes, shown once.
export function confirmSecondFactor(
  client: ApiClient,
  code: string,
): Promise<ApiResult<Answer<operations['confirmSecondFactor'], 200>>> {
  return client.request('POST', '/second-factor/confirm', { body: { code } });
}

// A new set of recovery codes (the old ones stop working), proved with a code.
export function newRecoveryCodes(
  client: ApiClient,
  code: string,
): Promise<ApiResult<Answer<operations['newRecoveryCodes'], 200>>> {
  return client.request('POST', '/second-factor/recovery-codes', { body: { code } });
}

export function disableSecondFactor(
  client: ApiClient,
  code: string,
): Promise<ApiResult<Answer<operations['disableSecondFactor'], 200>>> {
  return client.request('POST', '/second-factor/disable', { body: { code } });
}

export function listSessions(
  client: ApiClient,
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['listSessions'], 200>>> {
  return client.request('GET', '/sessions', { signal });
}

// Ends one of the caller's own sessions by its handle (AccountSession.id).
export function endSession(client: ApiClient, id: string): Promise<ApiResult<Answer<operations['revokeSession'], 200>>> {
  return client.request('DELETE', `/sessions/${encodeURIComponent(id)}`);
}
