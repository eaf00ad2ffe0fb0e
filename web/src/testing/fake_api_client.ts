// An ApiClient for unit tests: records every call and answers from a function the test gives
// (method, path, options) -> ApiResult, like the controller would. ok() and fail() build answers.
import type { ApiClient, ApiError, ApiResult, RequestOptions } from '../api/client';

export interface Call {
  method: string;
  path: string;
  options: RequestOptions;
  csrfToken: string | null;
}

type Responder = (call: Call) => ApiResult<unknown> | Promise<ApiResult<unknown>>;

export class FakeApiClient implements ApiClient {
  readonly calls: Call[] = [];
  private csrfToken: string | null = null;

  constructor(public respond: Responder) {}

  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const call = { method, path, options, csrfToken: this.csrfToken };
    this.calls.push(call);
    return (await this.respond(call)) as ApiResult<T>;
  }
}

export function ok<T>(data: T, status = 200): ApiResult<T> {
  return { ok: true, status, data, headers: new Headers() };
}

export function fail(error: Partial<ApiError> & { status: number; code: string }): ApiResult<never> {
  return { ok: false, error: { message: '', fields: {}, retryAfterSeconds: null, ...error } };
}
