import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { Files } from './files';

afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
});

const XSS = '<img src=x onerror=alert(1)>.txt';
const T = 1_765_000_000_000_000_000;

function setup(respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>, url = '/files') {
  history.replaceState(null, '', url);
  const client = new FakeApiClient(respond);
  const store = new SessionStore(client);
  store.set({ person: { login: 'acme', name: 'Acme', role: 'customer' }, acting_as: null, csrf_token: 'x' });
  render(
    <LocationProvider>
      <Files store={store} />
    </LocationProvider>,
  );
  return client;
}

function textAnswer(text: string, mtime: string) {
  return { ok: true as const, status: 200, data: text, headers: new Headers({ 'X-File-Mtime-Ns': mtime }) };
}

describe('the files screen', () => {
  it('lists a folder with folders first, names as text, links and foreign entries marked, never opened', async () => {
    const client = setup(
      (call) =>
        ok({
          path: 'sites/a.example/public',
          total: 4,
          offset: 0,
          entries: [
            { name: XSS, type: 'file', size: 12, mtime_ns: T, mode: 0o644 },
            { name: 'img', type: 'directory', size: 0, mtime_ns: T, mode: 0o755 },
            { name: 'etc', type: 'symlink', size: 0, mtime_ns: T, mode: 0o777 },
            { name: 'shadow', type: 'foreign' },
          ],
        }) as ReturnType<typeof ok>,
      '/files?path=sites/a.example/public',
    );
    const rows = await screen.findAllByRole('row');
    expect(rows[1]?.textContent).toMatch(/^img\//);
    expect(rows[2]?.textContent).toContain(XSS);
    expect(rows[2]?.textContent).toContain('rw-r--r-- (644)');
    expect(rows[3]?.textContent).toContain('etc (a link, not followed)');
    expect(rows[4]?.textContent).toContain('shadow (another user’s: not opened)');
    expect(document.querySelector('img')).toBeNull();
    // Only the folder is a link into the list; the link and the foreign entry are not.
    expect(screen.getByRole('link', { name: 'img/' }).getAttribute('href')).toBe('/files?path=sites%2Fa.example%2Fpublic%2Fimg');
    expect(screen.queryByRole('link', { name: /etc/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit shadow' })).toBeNull();
    expect(screen.getByRole('link', { name: `Download ${XSS}` }).getAttribute('href')).toBe(
      `/api/v1/customers/acme/files/content?${new URLSearchParams({ path: `sites/a.example/public/${XSS}` }).toString()}`,
    );
    // Breadcrumbs from the home; "up" to the parent.
    const crumbs = screen.getByRole('navigation', { name: 'Folder' });
    expect(crumbs.textContent).toBe('Homesitesa.examplepublic');
    expect(screen.getByRole('link', { name: 'Up one folder' }).getAttribute('href')).toBe('/files?path=sites%2Fa.example');
    expect(client.calls[0]?.options.query).toEqual({ path: 'sites/a.example/public', offset: 0, limit: 50, sort: 'name', order: 'asc' });
    // Opening a folder lists it and moves focus to the screen's heading.
    fireEvent.click(screen.getByRole('link', { name: 'img/' }));
    await waitFor(() => expect(client.calls.at(-1)?.options.query).toMatchObject({ path: 'sites/a.example/public/img' }));
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Files'));
  });

  it('pages and sorts with the API’s own parameters', async () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, type: 'file', size: i, mtime_ns: T, mode: 0o644 }));
    const client = setup((call) => {
      const q = call.options.query as { offset: number };
      return ok({ path: '', total: 60, offset: q.offset, entries: q.offset === 0 ? entries : entries.slice(0, 10) }) as ReturnType<typeof ok>;
    });
    await screen.findByText('f0');
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect((client.calls.at(-1)?.options.query as { offset: number }).offset).toBe(50));
    fireEvent.change(screen.getByLabelText('Sort by'), { target: { value: 'size' } });
    fireEvent.change(screen.getByLabelText('Order'), { target: { value: 'desc' } });
    await waitFor(() => expect(client.calls.at(-1)?.options.query).toMatchObject({ offset: 0, sort: 'size', order: 'desc' }));
  });

  it('saves an edit with the mtime it read, and offers a reload when someone else saved meanwhile', async () => {
    let disk = { text: '<?php echo 1;', mtime: '1765000000123456789' };
    const client = setup((call) => {
      if (call.method === 'GET' && call.path.endsWith('/content')) return textAnswer(disk.text, disk.mtime);
      if (call.method === 'PUT') {
        const q = call.options.query as { if_mtime_ns: string };
        if (q.if_mtime_ns !== disk.mtime) {
          return fail({ status: 409, code: 'conflict', fields: { if_mtime: 'file.changed' } });
        }
        disk = { text: '<?php echo 2;', mtime: '1765000000999999999' };
        return ok({ path: 'i.php', size: 13, mtime_ns: 1, done: true }) as ReturnType<typeof ok>;
      }
      return ok({ path: '', total: 1, offset: 0, entries: [{ name: 'i.php', type: 'file', size: 13, mtime_ns: T, mode: 0o644 }] }) as ReturnType<typeof ok>;
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit i.php' }));
    const box = (await screen.findByLabelText('Contents of i.php')) as HTMLTextAreaElement;
    await waitFor(() => expect(box.value).toBe('<?php echo 1;'));
    fireEvent.input(box, { target: { value: '<?php echo 2;' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('i.php was saved.');
    const put = client.calls.find((c) => c.method === 'PUT');
    expect(put?.options.query).toEqual({ path: 'i.php', offset: 0, last: true, if_mtime_ns: '1765000000123456789' });
    // Someone else saves; this editor's next save is refused and says so.
    disk = { text: 'theirs', mtime: '1765000001000000000' };
    fireEvent.input(box, { target: { value: 'mine' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText(/Someone else changed i\.php since you opened it/);
    fireEvent.click(screen.getByRole('button', { name: 'Reload the file' }));
    await waitFor(() => expect(box.value).toBe('theirs'));
  });

  it('deletes to the trash after asking, and says so', async () => {
    const client = setup((call) => {
      if (call.method === 'DELETE') return ok({ path: 'old.txt', trash: '.hp-trash/old.txt' }) as ReturnType<typeof ok>;
      return ok({ path: '', total: 1, offset: 0, entries: [{ name: 'old.txt', type: 'file', size: 1, mtime_ns: T, mode: 0o600 }] }) as ReturnType<typeof ok>;
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Delete old.txt' }));
    screen.getByText('Move old.txt to the trash (.hp-trash in your home)?');
    fireEvent.click(screen.getByRole('button', { name: 'Yes, to the trash' }));
    await screen.findByText('old.txt is in the trash (.hp-trash in your home).');
    expect(client.calls.find((c) => c.method === 'DELETE')?.options.query).toEqual({ path: 'old.txt' });
  });

  it('renames in the same folder and shows a refusal in words', async () => {
    const client = setup((call) => {
      if (call.method === 'POST') return fail({ status: 409, code: 'conflict', fields: { to: 'file.exists' } });
      return ok({ path: 'd', total: 1, offset: 0, entries: [{ name: 'a.txt', type: 'file', size: 1, mtime_ns: T, mode: 0o644 }] }) as ReturnType<typeof ok>;
    }, '/files?path=d');
    fireEvent.click(await screen.findByRole('button', { name: 'Rename or move a.txt' }));
    fireEvent.input(screen.getByLabelText('New name of a.txt (or a path from your home)'), { target: { value: 'b.txt' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    await screen.findByText('Something of this name is already there.');
    expect(client.calls.find((c) => c.method === 'POST')?.options.body).toEqual({ from: 'd/a.txt', to: 'd/b.txt' });
  });

  it('shows an over-limit upload’s refusal in words, with its progress, and offers to resume', async () => {
    const client = setup((call) => {
      if (call.method === 'PUT') {
        const q = call.options.query as { offset: number };
        if (q.offset === 0) return ok({ path: 'd/big.bin', size: 262144, mtime_ns: 1, done: false }) as ReturnType<typeof ok>;
        return fail({ status: 413, code: 'limit_reached', fields: { path: 'file.no_space' } });
      }
      return ok({ path: 'd', total: 0, offset: 0, entries: [] }) as ReturnType<typeof ok>;
    }, '/files?path=d');
    const input = (await screen.findByLabelText('Drop files here, or choose them:')) as HTMLInputElement;
    const file = new File([new Uint8Array(300 * 1024)], 'big.bin');
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    fireEvent.change(input);
    await screen.findByText('There is no space left for this file: the disk or your quota is full.');
    screen.getByText('Stopped at 85%');
    expect(screen.getByRole('progressbar', { name: 'Upload of d/big.bin' }).getAttribute('value')).toBe('85');
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(client.calls.filter((c) => c.method === 'PUT').length).toBe(3));
    expect((client.calls.at(-1)?.options.query as { offset: number }).offset).toBe(262144);
  });
});
