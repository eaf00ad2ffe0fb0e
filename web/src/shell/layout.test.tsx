import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../api/session';
import { App } from '../app';
import { FakeApiClient, fail, ok } from '../testing/fake_api_client';
import { SessionStore } from './session_store';

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

const me: Session = {
  person: { login: 'resellerA', name: 'Reseller A', role: 'reseller' },
  acting_as: null,
  csrf_token: 'c1',
};

describe('the app shell', () => {
  it('shows the public screens to a browser without a session', async () => {
    const client = new FakeApiClient(() => fail({ status: 401, code: 'unauthorized' }));
    render(<App store={new SessionStore(client)} />);
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(client.calls[0]).toMatchObject({ method: 'GET', path: '/sessions/current' });
    expect(window.location.pathname).toBe('/sign-in');
    await waitFor(() => expect(document.title).toBe('Sign in · hostplane'));
    expect(screen.queryByRole('navigation')).toBeNull();
  });

  it('shows who is signed in, in which role, and the navigation', async () => {
    const client = new FakeApiClient(() => ok({ session: me }));
    render(<App store={new SessionStore(client)} />);
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeTruthy();
    expect(screen.getByRole('banner').textContent).toContain('Signed in as Reseller A');
    expect(screen.getByRole('banner').textContent).toContain('Reseller');
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: /acting as/ })).toBeNull();
  });

  it('shows the acting-as banner and ends it with one click', async () => {
    const acting: Session = {
      ...me,
      acting_as: { login: 'acme', name: 'Acme Ltd', role: 'customer', until: '2026-12-06T22:30:00Z' },
    };
    const client = new FakeApiClient((call) => {
      if (call.method === 'DELETE' && call.path === '/sessions/current/acting-as') return ok({ session: me });
      return ok({ session: acting });
    });
    render(<App store={new SessionStore(client)} />);
    const banner = await screen.findByRole('region', { name: /You are acting as Acme Ltd \(acme\) until/ });
    expect(banner).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stop acting as Acme Ltd' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: /acting as/ })).toBeNull());
    expect(client.calls[1]).toMatchObject({ method: 'DELETE', path: '/sessions/current/acting-as', csrfToken: 'c1' });
  });

  it('signs out', async () => {
    const client = new FakeApiClient((call) => (call.method === 'DELETE' ? ok(undefined, 204) : ok({ session: me })));
    const store = new SessionStore(client);
    render(<App store={store} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(client.calls[1]).toMatchObject({ method: 'DELETE', path: '/sessions/current' });
  });

  it('folds the navigation behind the menu button and unfolds it', async () => {
    const client = new FakeApiClient(() => ok({ session: me }));
    render(<App store={new SessionStore(client)} />);
    const menu = await screen.findByRole('button', { name: 'Menu' });
    expect(menu.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(menu);
    expect(menu.getAttribute('aria-expanded')).toBe('true');
    expect(document.getElementById(menu.getAttribute('aria-controls') ?? '')?.className).toContain('open');
  });

  it('shows the not-found screen for a path it has no screen for', async () => {
    window.history.replaceState(null, '', '/no/such/screen');
    const client = new FakeApiClient(() => fail({ status: 404, code: 'not_found' }));
    render(<App store={new SessionStore(client)} />);
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
    expect(screen.getByText('There is no page at /no/such/screen.')).toBeTruthy();
  });

  it('gives a customer its dashboard and a link to each manager, the current one marked', async () => {
    const customer: Session = { ...me, person: { login: 'acme', name: 'Acme Ltd', role: 'customer' } };
    const client = new FakeApiClient((call) => {
      if (call.path === '/sessions/current') return ok({ session: customer });
      if (call.path === '/sites') return ok({ sites: [], next_after: null });
      if (call.path === '/tasks') return ok({ tasks: [], next_after: null });
      const key = call.path.slice(1).replace('-', '_');
      return ok({ [key]: [] });
    });
    render(<App store={new SessionStore(client)} />);
    expect(await screen.findByRole('heading', { name: 'Your services' })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = [...nav.querySelectorAll('a')].map((a) => a.textContent);
    expect(links).toEqual(['Overview', 'Websites', 'Mailboxes', 'Forwarders', 'FTP users', 'Databases', 'DNS zones', 'Certificates', 'Files', 'Settings']);
    expect(nav.querySelector('[aria-current="page"]')?.textContent).toBe('Overview');
    // The dashboard asks for this customer's services only.
    await waitFor(() => expect(client.calls.some((c) => c.path === '/mailboxes')).toBe(true));
    for (const call of client.calls.filter((c) => c.path !== '/sessions/current' && c.path !== '/tasks')) {
      expect(call.options.query?.['customer']).toBe('acme');
    }
  });
});
