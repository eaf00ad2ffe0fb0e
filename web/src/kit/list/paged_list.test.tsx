import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../api/client';
import { FakeApiClient, fail, ok } from '../../testing/fake_api_client';
import { PagedList } from './paged_list';
import { afterIdSource, wholeListSource, type Page, type PageRequest, type PageSource } from './page_source';
import { PagedListState } from './paged_list_state';

afterEach(cleanup);

interface Row {
  id: number;
  name: string;
}

// A server-side list of `total` rows, paged by cursor and searched by substring, recording what
// the list asked for.
function serverList(total: number, searchable = true) {
  const rows: Row[] = Array.from({ length: total }, (_, i) => ({ id: i + 1, name: `site${i + 1}.example` }));
  const requests: PageRequest[] = [];
  const source: PageSource<Row> = {
    searchable,
    async fetch(request): Promise<ApiResult<Page<Row>>> {
      requests.push(request);
      const matching = rows.filter((r) => r.name.includes(request.search));
      const start = request.cursor === null ? 0 : matching.findIndex((r) => r.id > Number(request.cursor));
      const items = start < 0 ? [] : matching.slice(start, start + request.limit);
      const last = items[items.length - 1];
      const more = start >= 0 && start + request.limit < matching.length;
      return ok({ items, next: more && last ? String(last.id) : null });
    },
  };
  return { source, requests };
}

const names = () =>
  within(screen.getByRole('table'))
    .getAllByRole('row')
    .slice(1)
    .map((tr) => tr.textContent);

function renderList(source: PageSource<Row>, pageSize = 2) {
  render(
    <PagedList
      source={source}
      caption="Sites"
      pageSize={pageSize}
      rowKey={(r) => r.id}
      columns={[{ header: 'Domain', cell: (r) => r.name }]}
    />,
  );
}

describe('PagedList', () => {
  it('asks the server for one page at a time and pages both ways', async () => {
    const { source, requests } = serverList(5);
    renderList(source);
    await waitFor(() => expect(names()).toEqual(['site1.example', 'site2.example']));
    expect(requests).toEqual([{ cursor: null, limit: 2, search: '' }]);
    expect(screen.getByRole('button', { name: 'Previous page' }).hasAttribute('disabled')).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(names()).toEqual(['site3.example', 'site4.example']));
    expect(requests[1]).toEqual({ cursor: '2', limit: 2, search: '' });
    expect(screen.getByText('Page 2')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(names()).toEqual(['site5.example']));
    expect(screen.getByRole('button', { name: 'Next page' }).hasAttribute('disabled')).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    await waitFor(() => expect(names()).toEqual(['site3.example', 'site4.example']));
    expect(requests[3]).toEqual({ cursor: '2', limit: 2, search: '' });
  });

  it('searches on the server and starts again from the first page', async () => {
    const { source, requests } = serverList(30);
    renderList(source);
    await waitFor(() => expect(names()).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(screen.getByText('Page 2')).toBeTruthy());
    fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: ' site2 ' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(names()).toEqual(['site2.example', 'site20.example']));
    expect(requests[requests.length - 1]).toEqual({ cursor: null, limit: 2, search: 'site2' });
    expect(screen.getByText('Page 1')).toBeTruthy();

    fireEvent.input(screen.getByRole('searchbox'), { target: { value: 'nothing-like-this' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Nothing matches “nothing-like-this”.'));
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('has no search box when the source cannot search', async () => {
    const { source } = serverList(3, false);
    renderList(source);
    await waitFor(() => expect(names()).toHaveLength(2));
    expect(screen.queryByRole('search')).toBeNull();
  });

  it('says so when the list is empty, and shows the API’s refusal in words', async () => {
    renderList(serverList(0).source);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Nothing here yet.'));
    cleanup();
    renderList({ searchable: false, fetch: async () => fail({ status: 403, code: 'forbidden' }) });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('You may not do this.'));
  });

  it('drops an answer that arrives after a newer request', async () => {
    const resolvers: ((r: ApiResult<Page<Row>>) => void)[] = [];
    const source: PageSource<Row> = {
      searchable: true,
      fetch: () => new Promise((resolve) => resolvers.push(resolve)),
    };
    const state = new PagedListState(source, 10);
    const first = state.first();
    const second = state.setSearch('b');
    resolvers[1]?.(ok({ items: [{ id: 2, name: 'b.example' }], next: null }));
    await second;
    resolvers[0]?.(ok({ items: [{ id: 1, name: 'a.example' }], next: '1' }));
    await first;
    expect(state.items.value).toEqual([{ id: 2, name: 'b.example' }]);
    expect(state.hasNext.value).toBe(false);
  });
});

describe('afterIdSource (today’s ?after=&limit= list routes)', () => {
  it('maps the cursor onto after and next_after onto the next cursor', async () => {
    const client = new FakeApiClient((call) =>
      ok({ sites: [{ id: 7 }, { id: 9 }], next_after: call.options.query?.['after'] === undefined ? 9 : null }),
    );
    const source = afterIdSource<{ id: number }>(client, '/sites', 'sites', { customer: 'acme' });
    expect(source.searchable).toBe(false);
    const page1 = await source.fetch({ cursor: null, limit: 2, search: '' });
    expect(page1).toMatchObject({ ok: true, data: { items: [{ id: 7 }, { id: 9 }], next: '9' } });
    expect(client.calls[0]).toMatchObject({ method: 'GET', path: '/sites', options: { query: { customer: 'acme', limit: 2 } } });
    expect(client.calls[0]?.options.query?.['after']).toBeUndefined();
    const page2 = await source.fetch({ cursor: '9', limit: 2, search: '' });
    expect(page2).toMatchObject({ ok: true, data: { next: null } });
    expect(client.calls[1]?.options.query).toMatchObject({ after: '9', limit: 2 });
  });

  it('refuses an answer without the list', async () => {
    const client = new FakeApiClient(() => ok({ customers: [] }));
    const page = await afterIdSource(client, '/sites', 'sites').fetch({ cursor: null, limit: 2, search: '' });
    expect(page.ok ? null : page.error.code).toBe('unexpected');
  });
});

describe('wholeListSource (routes that answer everything, or a page at their default size)', () => {
  it('follows next_after when the route pages, and stops without it', async () => {
    const client = new FakeApiClient((call) =>
      ok({ mailboxes: [{ id: 3 }], next_after: call.options.query?.['after'] === undefined ? 3 : null }),
    );
    const source = wholeListSource<{ id: number }>(client, '/mailboxes', 'mailboxes', { customer: 'acme' });
    const page1 = await source.fetch({ cursor: null, limit: 50, search: '' });
    expect(page1).toMatchObject({ ok: true, data: { items: [{ id: 3 }], next: '3' } });
    expect(client.calls[0]?.options.query?.['after']).toBeUndefined();
    const page2 = await source.fetch({ cursor: '3', limit: 50, search: '' });
    expect(page2).toMatchObject({ ok: true, data: { next: null } });
    expect(client.calls[1]?.options.query).toMatchObject({ customer: 'acme', after: '3' });
    const nodes = new FakeApiClient(() => ok({ nodes: [{ id: 1 }] }));
    const all = await wholeListSource(nodes, '/nodes', 'nodes').fetch({ cursor: null, limit: 50, search: '' });
    expect(all).toMatchObject({ ok: true, data: { items: [{ id: 1 }], next: null } });
  });
});
