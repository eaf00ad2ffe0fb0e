// Where a paged list gets its pages: always from the server, one page at a time, searched on the
// server. A list never loads everything to page or filter it in the browser.
//
// The cursor is opaque to the list. Today's list routes page by id (?after=<id>&limit=N, answering
// {"<key>": [...], "next_after": id | null}: afterIdSource below); issue 14 brings opaque cursors,
// sorting and a search parameter to every list route, and a source for those is another adapter
// of this interface, with no change to the list itself.
import type { ApiClient, ApiResult, Query } from '../../api/client';

export interface Page<T> {
  items: T[];
  next: string | null; // the cursor of the next page; null on the last page
}

export interface PageRequest {
  cursor: string | null; // null: the first page
  limit: number;
  search: string; // '' for no search; sent only when the source is searchable
}

export interface PageSource<T> {
  readonly searchable: boolean;
  fetch(request: PageRequest, signal?: AbortSignal): Promise<ApiResult<Page<T>>>;
}

// A list route of today's API: `path` answers {[key]: T[], next_after: number | null}. With
// `searchParam`, the list's search box fills that query parameter (e.g. the audit log's ?object=,
// an exact filter on the server).
export function afterIdSource<T>(
  client: ApiClient,
  path: string,
  key: string,
  query: Query = {},
  searchParam?: string,
): PageSource<T> {
  return {
    searchable: searchParam !== undefined,
    async fetch(request, signal) {
      const search = searchParam && request.search ? { [searchParam]: request.search } : {};
      const result = await client.request<Record<string, unknown>>('GET', path, {
        query: { ...query, ...search, after: request.cursor ?? undefined, limit: request.limit },
        signal,
      });
      if (!result.ok) return result;
      const items = result.data[key];
      const next = result.data['next_after'];
      if (!Array.isArray(items) || (next !== null && typeof next !== 'number')) {
        return {
          ok: false,
          error: { status: result.status, code: 'unexpected', message: '', fields: {}, retryAfterSeconds: null },
        };
      }
      return { ...result, data: { items: items as T[], next: next === null ? null : String(next) } };
    },
  };
}

// A list route that may answer every item at once ({[key]: T[]}, no next_after: /plans, /nodes)
// or one page with next_after (the service routes beside sites: mailboxes, forwarders, FTP users,
// databases, zones, records, certificates, at the server's default page size). The first page is
// asked for with the route's own query; the next with ?after= the answer's next_after.
export function wholeListSource<T>(client: ApiClient, path: string, key: string, query: Query = {}): PageSource<T> {
  return {
    searchable: false,
    async fetch(request, signal) {
      const result = await client.request<Record<string, unknown>>('GET', path, {
        query: { ...query, after: request.cursor ?? undefined },
        signal,
      });
      if (!result.ok) return result;
      const items = result.data[key];
      const next = result.data['next_after'] ?? null;
      if (!Array.isArray(items) || (next !== null && typeof next !== 'number')) {
        return {
          ok: false,
          error: { status: result.status, code: 'unexpected', message: '', fields: {}, retryAfterSeconds: null },
        };
      }
      return { ...result, data: { items: items as T[], next: next === null ? null : String(next) } };
    },
  };
}
