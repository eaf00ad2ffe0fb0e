// A paged, searchable table over a PageSource (at phone width each row is shown as a card, each
// cell under its column's name; the explicit roles keep it a table for screen readers): a search
// box when the source can search, the page
// as a table with a caption, "Previous page" / "Next page" buttons, and a status line that screen
// readers announce (loading, empty, no match, the API's error in the catalog's words).
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useMemo, useState } from 'preact/hooks';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../form/api_error_text';
import type { PageSource } from './page_source';
import { PagedListState } from './paged_list_state';

export interface Column<T> {
  header: string;
  cell: (item: T) => ComponentChildren;
}

interface PagedListProps<T> {
  source: PageSource<T>;
  columns: Column<T>[];
  caption: string;
  rowKey: (item: T) => string | number;
  pageSize?: number;
}

export function PagedList<T>({ source, columns, caption, rowKey, pageSize = 25 }: PagedListProps<T>) {
  const state = useMemo(() => new PagedListState(source, pageSize), [source, pageSize]);
  const [draft, setDraft] = useState('');
  const searchId = useId();
  useEffect(() => {
    void state.first();
    return () => state.dispose();
  }, [state]);

  const items = state.items.value;
  const error = state.error.value;
  const loading = state.loading.value;
  let status = '';
  if (loading) status = t('list.loading');
  else if (error) status = apiErrorText(error);
  else if (items.length === 0) {
    status = state.search.value ? t('list.no_match', { query: state.search.value }) : t('list.empty');
  }

  return (
    <section class="paged-list" aria-busy={loading ? 'true' : 'false'}>
      {state.searchable && (
        <form
          role="search"
          class="list-search"
          onSubmit={(e) => {
            e.preventDefault();
            void state.setSearch(draft);
          }}
        >
          <label for={searchId}>{t('list.search')}</label>
          <input
            id={searchId}
            type="search"
            value={draft}
            onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit">{t('list.search_submit')}</button>
        </form>
      )}
      <p class={error ? 'list-status error' : 'list-status'} role="status">
        {status}
      </p>
      {!error && items.length > 0 && (
        <div class="table-scroll">
          <table role="table">
            <caption>{caption}</caption>
            <thead role="rowgroup">
              <tr role="row">
                {columns.map((c) => (
                  <th scope="col" role="columnheader" key={c.header}>
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody role="rowgroup">
              {items.map((item) => (
                <tr role="row" key={rowKey(item)}>
                  {columns.map((c) => (
                    <td role="cell" key={c.header} data-label={c.header}>
                      {c.cell(item)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label={caption}>
        <button type="button" onClick={() => void state.previous()} disabled={!state.hasPrevious.value || loading}>
          {t('list.previous')}
        </button>
        <span>{t('list.page', { page: state.pageNumber.value })}</span>
        <button type="button" onClick={() => void state.next()} disabled={!state.hasNext.value || loading}>
          {t('list.next')}
        </button>
      </nav>
    </section>
  );
}
