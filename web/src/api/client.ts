// The one way the panel talks to the controller: JSON over fetch to /api/v1 on the same origin,
// the session cookie sent by the browser (credentials: 'same-origin'), the CSRF token of the
// session in X-CSRF-Token on every state-changing request. Errors are values (ApiResult), never
// exceptions: every answer that is not 2xx becomes an ApiError with the API's code, its sentence
// and its per-field codes ({"error": {"code", "message", "fields"}}), or a code of our own for
// what the API cannot say (network, unexpected).
//
// Screens and components depend on the ApiClient interface, so unit tests pass a fake.

export interface ApiError {
  status: number; // HTTP status; 0 when no answer arrived
  code: string; // the API's Error.code, or "network" / "aborted" (the caller's signal) / "unexpected"
  message: string; // the server's sentence (never shown raw when the catalog has words for code)
  fields: Record<string, string>; // field path -> field code, e.g. {"domain": "domain.taken"}
  retryAfterSeconds: number | null; // Retry-After of a 429 or 503
}

export type ApiResult<T> =
  | { ok: true; status: number; data: T; headers: Headers }
  | { ok: false; error: ApiError };

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown; // sent as JSON
  bytes?: Blob; // sent as it is (application/octet-stream): a file's contents
  text?: boolean; // the answer is the body as text (a file's contents), not JSON
  signal?: AbortSignal;
}

export interface ApiClient {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<ApiResult<T>>;
  // The CSRF token of the signed-in session (from POST /sessions or GET /sessions/current).
  setCsrfToken(token: string | null): void;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'X-CSRF-Token';

// "/sites" + {customer: "acme", after: 3} -> "/api/v1/sites?customer=acme&after=3". Empty values
// are left out, so a cleared search box sends no parameter.
export function buildUrl(base: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === null || value === undefined || value === '') continue;
    params.append(name, String(value));
  }
  const qs = params.toString();
  return `${base}${path}${qs ? `?${qs}` : ''}`;
}

export function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const when = Date.parse(value);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

function isRecordOfStrings(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  );
}

// The ApiError of a non-2xx answer with its body already read as text.
export function errorFromResponse(status: number, headers: Headers, text: string): ApiError {
  const retryAfterSeconds = parseRetryAfter(headers.get('Retry-After'));
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const e = (body as { error?: unknown } | null)?.error as
    | { code?: unknown; message?: unknown; fields?: unknown }
    | undefined;
  if (e && typeof e.code === 'string') {
    return {
      status,
      code: e.code,
      message: typeof e.message === 'string' ? e.message : '',
      fields: isRecordOfStrings(e.fields) ? e.fields : {},
      retryAfterSeconds,
    };
  }
  return { status, code: 'unexpected', message: '', fields: {}, retryAfterSeconds };
}

export class FetchApiClient implements ApiClient {
  private csrfToken: string | null = null;

  constructor(
    private readonly base = '/api/v1',
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | Blob | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    } else if (options.bytes !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      body = options.bytes;
    }
    if (!SAFE_METHODS.has(method) && this.csrfToken) headers[CSRF_HEADER] = this.csrfToken;
    let response: Response;
    try {
      response = await this.fetchImpl(buildUrl(this.base, path, options.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: options.signal,
      });
    } catch (err) {
      const aborted = (err as { name?: string }).name === 'AbortError';
      return {
        ok: false,
        error: {
          status: 0,
          code: aborted ? 'aborted' : 'network',
          message: String(err),
          fields: {},
          retryAfterSeconds: null,
        },
      };
    }
    const text = await response.text();
    if (!response.ok) {
      return { ok: false, error: errorFromResponse(response.status, response.headers, text) };
    }
    if (options.text) return { ok: true, status: response.status, data: text as T, headers: response.headers };
    if (text === '') return { ok: true, status: response.status, data: undefined as T, headers: response.headers };
    try {
      return { ok: true, status: response.status, data: JSON.parse(text) as T, headers: response.headers };
    } catch {
      return {
        ok: false,
        error: { status: response.status, code: 'unexpected', message: '', fields: {}, retryAfterSeconds: null },
      };
    }
  }
}
