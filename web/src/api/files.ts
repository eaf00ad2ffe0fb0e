// The file manager's routes (/customers/{login}/files...): a folder's page, a file's bytes, an
// upload's part, a new folder, a move, a deletion. Paths are relative to the customer's home.
// A file's modification time travels as the decimal string the API's X-File-Mtime-Ns header
// gives: nanoseconds since 1970 exceed the integers a JavaScript number holds exactly, and an
// edit's precondition (if_mtime_ns) is compared to the nanosecond.
import type { components, operations } from './generated/openapi';
import type { ApiClient, ApiResult } from './client';
import type { Answer } from './endpoints';

export type FileEntry = components['schemas']['FileEntry'];
export type FileEntryType = FileEntry['type'];
export type FileList = components['schemas']['FileList'];
export type FileWritten = components['schemas']['FileWritten'];
export type FileSort = 'name' | 'size' | 'mtime';
export type SortOrder = 'asc' | 'desc';

const base = (login: string) => `/customers/${encodeURIComponent(login)}/files`;

export function listFiles(
  client: ApiClient,
  login: string,
  query: { path: string; offset: number; limit: number; sort: FileSort; order: SortOrder },
  signal?: AbortSignal,
): Promise<ApiResult<Answer<operations['listFiles'], 200>>> {
  return client.request('GET', base(login), { query, signal });
}

// Where the browser downloads a file from (the session cookie goes with it): at most 64 MiB.
export function downloadUrl(login: string, path: string): string {
  return `/api/v1${base(login)}/content?${new URLSearchParams({ path }).toString()}`;
}
export const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export interface TextFile {
  text: string;
  mtimeNs: string; // exact, from X-File-Mtime-Ns
}

export async function readTextFile(
  client: ApiClient,
  login: string,
  path: string,
  signal?: AbortSignal,
): Promise<ApiResult<TextFile>> {
  const r = await client.request<string>('GET', `${base(login)}/content`, { query: { path }, text: true, signal });
  if (!r.ok) return r;
  return { ...r, data: { text: r.data, mtimeNs: r.headers.get('X-File-Mtime-Ns') ?? '' } };
}

export interface PartQuery {
  path: string;
  offset: number;
  last: boolean;
  if_mtime_ns?: string;
}

// One part of an upload (or a whole edit): the body is the bytes.
export function putFilePart(
  client: ApiClient,
  login: string,
  query: PartQuery,
  bytes: Blob,
  signal?: AbortSignal,
): Promise<ApiResult<FileWritten>> {
  return client.request('PUT', `${base(login)}/content`, { query: { ...query }, bytes, signal });
}

export function makeFolder(client: ApiClient, login: string, path: string) {
  return client.request<Answer<operations['makeFolder'], 201>>('POST', `${base(login)}/folders`, { body: { path } });
}

export function moveFile(client: ApiClient, login: string, from: string, to: string) {
  return client.request<Answer<operations['moveFile'], 200>>('POST', `${base(login)}/move`, { body: { from, to } });
}

// Deletes to the home's trash (.hp-trash): the answer names the entry there.
export function deleteFile(client: ApiClient, login: string, path: string) {
  return client.request<Answer<operations['deleteFile'], 200>>('DELETE', base(login), { query: { path } });
}
