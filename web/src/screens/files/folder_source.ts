// The pages of one folder as the list shows them: GET /files?path=&offset=&limit=&sort=&order=,
// sorted and paged by the API; the cursor is the next page's offset. Within a page, folders come
// before the other entries (the API sorts by name, size or time only, so a folder on a later page
// stays on that page).
import type { ApiClient } from '../../api/client';
import { listFiles, type FileEntry, type FileSort, type SortOrder } from '../../api/files';
import type { PageSource } from '../../kit/list/page_source';

export function foldersFirst(entries: readonly FileEntry[]): FileEntry[] {
  const rank = (e: FileEntry) => (e.type === 'directory' ? 0 : 1);
  return [...entries].sort((a, b) => rank(a) - rank(b)); // stable: the API's order otherwise
}

export function folderSource(
  client: ApiClient,
  login: string,
  path: string,
  sort: FileSort,
  order: SortOrder,
): PageSource<FileEntry> {
  return {
    searchable: false,
    async fetch(request, signal) {
      const offset = request.cursor === null ? 0 : Number(request.cursor);
      const result = await listFiles(client, login, { path, offset, limit: request.limit, sort, order }, signal);
      if (!result.ok) return result;
      const { entries, total } = result.data;
      const end = offset + entries.length;
      const next = end < total && entries.length > 0 ? String(end) : null;
      return { ...result, data: { items: foldersFirst(entries), next } };
    },
  };
}
