import { describe, expect, it } from 'vitest';
import { buildUrl, errorFromResponse, FetchApiClient, parseRetryAfter } from './client';

function fakeFetch(answer: () => Response | Promise<Response>) {
  const seen: { url: string; init: RequestInit }[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return answer();
  }) as unknown as typeof fetch;
  return { seen, impl };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('buildUrl', () => {
  it('leaves out empty parameters and encodes the rest', () => {
    expect(buildUrl('/api/v1', '/sites', { customer: 'a&b', after: 0, q: '', x: null, y: undefined })).toBe(
      '/api/v1/sites?customer=a%26b&after=0',
    );
    expect(buildUrl('/api/v1', '/sites')).toBe('/api/v1/sites');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const seconds = parseRetryAfter(inAMinute) ?? -1;
    expect(seconds).toBeGreaterThanOrEqual(58);
    expect(seconds).toBeLessThanOrEqual(60);
  });
});

describe('errorFromResponse', () => {
  it('keeps the API’s code, sentence and field codes', () => {
    const e = errorFromResponse(
      422,
      new Headers(),
      JSON.stringify({ error: { code: 'invalid', message: 'Bad domain.', fields: { domain: 'domain.label_too_long' } } }),
    );
    expect(e).toEqual({
      status: 422,
      code: 'invalid',
      message: 'Bad domain.',
      fields: { domain: 'domain.label_too_long' },
      retryAfterSeconds: null,
    });
  });

  it('marks bodies that are not the API’s error shape as unexpected', () => {
    expect(errorFromResponse(502, new Headers(), '<html>Bad gateway</html>').code).toBe('unexpected');
    expect(errorFromResponse(500, new Headers(), '{"error":{"code":7}}').code).toBe('unexpected');
    // Field values that are not strings are dropped rather than shown.
    expect(
      errorFromResponse(422, new Headers(), '{"error":{"code":"invalid","message":"","fields":{"a":1}}}').fields,
    ).toEqual({});
  });

  it('reads Retry-After', () => {
    const e = errorFromResponse(429, new Headers({ 'Retry-After': '30' }), '{"error":{"code":"throttled","message":"","fields":{}}}');
    expect(e.retryAfterSeconds).toBe(30);
  });
});

describe('FetchApiClient', () => {
  it('sends JSON to /api/v1 with the session cookie and answers with the data', async () => {
    const f = fakeFetch(() => json(201, { customer: { login: 'acme' } }));
    const client = new FetchApiClient('/api/v1', f.impl);
    const result = await client.request('POST', '/customers', { body: { login: 'acme' } });
    expect(result).toMatchObject({ ok: true, status: 201, data: { customer: { login: 'acme' } } });
    expect(f.seen[0]?.url).toBe('/api/v1/customers');
    expect(f.seen[0]?.init.method).toBe('POST');
    expect(f.seen[0]?.init.body).toBe('{"login":"acme"}');
    expect(f.seen[0]?.init.credentials).toBe('same-origin');
    expect((f.seen[0]?.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('sends the CSRF token on state-changing requests only', async () => {
    const f = fakeFetch(() => json(200, {}));
    const client = new FetchApiClient('/api/v1', f.impl);
    client.setCsrfToken('tok');
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE', 'HEAD']) await client.request(method, '/x');
    const sent = f.seen.map((s) => (s.init.headers as Record<string, string>)['X-CSRF-Token'] ?? null);
    expect(sent).toEqual([null, 'tok', 'tok', 'tok', null]);
    client.setCsrfToken(null);
    await client.request('POST', '/x');
    expect((f.seen[5]?.init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('turns refusals into values with the API’s codes', async () => {
    const f = fakeFetch(() =>
      json(422, { error: { code: 'invalid', message: 'No.', fields: { login: 'login.taken' } } }),
    );
    const result = await new FetchApiClient('/api/v1', f.impl).request('POST', '/customers', { body: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.fields).toEqual({ login: 'login.taken' });
  });

  it('turns a failed connection into the network code, and an abort into aborted', async () => {
    const down = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const r1 = await new FetchApiClient('/api/v1', down.impl).request('GET', '/sites');
    expect(r1.ok ? null : r1.error).toMatchObject({ status: 0, code: 'network' });
    const aborted = fakeFetch(() => Promise.reject(new DOMException('stop', 'AbortError')));
    const r2 = await new FetchApiClient('/api/v1', aborted.impl).request('GET', '/sites');
    expect(r2.ok ? null : r2.error).toMatchObject({ status: 0, code: 'aborted' });
  });

  it('answers an empty 204 with no data, and a 200 that is not JSON as unexpected', async () => {
    const empty = fakeFetch(() => new Response(null, { status: 204 }));
    expect(await new FetchApiClient('/api/v1', empty.impl).request('DELETE', '/sessions/current')).toMatchObject({
      ok: true,
      status: 204,
      data: undefined,
    });
    const html = fakeFetch(() => new Response('<html>', { status: 200 }));
    const r = await new FetchApiClient('/api/v1', html.impl).request('GET', '/sites');
    expect(r.ok ? null : r.error.code).toBe('unexpected');
  });
});
