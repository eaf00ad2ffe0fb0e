import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../api/session';
import { App } from '../../app';
import { SessionStore } from '../../shell/session_store';
import { type Call, FakeApiClient, fail, ok } from '../../testing/fake_api_client';

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

const reseller: Session = { person: { login: 'resa', name: 'Reseller A', role: 'reseller' }, acting_as: null, csrf_token: 'c1' };
const admin: Session = { person: { login: 'root', name: 'Admin', role: 'admin' }, acting_as: null, csrf_token: 'c2' };
const plan = { id: 7, name: 'small', limits: {}, placement: {}, created_at: '2026-12-07T10:00:00Z' };
const acme = {
  id: 3, login: 'acme', name: 'Acme Ltd', email: 'o@acme.test', status: 'active', panel_login: true, plan_id: 7,
  created_at: '2026-12-07T10:00:00Z', updated_at: '2026-12-07T10:00:00Z',
};

function navLinks(): string[] {
  return within(screen.getByRole('navigation', { name: 'Main' }))
    .getAllByRole('link')
    .map((a) => a.textContent ?? '');
}

function api(session: Session, extra: (call: Call) => ReturnType<typeof ok> | null = () => null) {
  return new FakeApiClient((call) => {
    const answer = extra(call);
    if (answer) return answer;
    if (call.path === '/sessions/current') return ok({ session });
    if (call.path === '/plans') return ok({ plans: [plan] });
    if (call.path === '/customers') return ok({ customers: [acme], next_after: null });
    return fail({ status: 404, code: 'not_found' });
  });
}

describe('the reseller and admin navigation', () => {
  it('offers a reseller its customers and plans, and staff the nodes and resellers too', async () => {
    render(<App store={new SessionStore(api(reseller))} />);
    await screen.findByRole('heading', { name: 'Overview' });
    expect(navLinks()).toEqual(['Overview', 'Customers', 'Plans', 'Tasks', 'Audit log', 'Settings']);
    cleanup();
    render(<App store={new SessionStore(api(admin))} />);
    await screen.findByRole('heading', { name: 'Overview' });
    expect(navLinks()).toEqual(['Overview', 'Customers', 'Resellers', 'Plans', 'Nodes', 'Tasks', 'Audit log', 'Settings']);
  });
});

describe('customers', () => {
  it('lists the customers with their plan by name, and suspends one', async () => {
    window.history.replaceState(null, '', '/customers');
    const client = api(reseller, (call) =>
      call.method === 'POST' && call.path === '/customers/acme/suspend'
        ? ok({ customer: { ...acme, status: 'suspended' }, tasks: [], change_id: 9 }, 202)
        : null,
    );
    render(<App store={new SessionStore(client)} />);
    const row = (await screen.findByRole('link', { name: 'acme' })).closest('tr')!;
    await waitFor(() => expect(row.textContent).toContain('small'));
    fireEvent.click(screen.getByRole('button', { name: 'Suspend acme' }));
    await screen.findByText('acme suspended');
    expect(client.calls.find((c) => c.path === '/customers/acme/suspend')).toMatchObject({ method: 'POST', csrfToken: 'c1' });
  });

  it('deletes after a confirmation; a reseller is told the removal goes on, no task is followed', async () => {
    window.history.replaceState(null, '', '/customers');
    const task = { id: 41, state: 'pending', kind: 'account.remove', object_key: 'account:acme' };
    const client = api(reseller, (call) =>
      call.method === 'DELETE' && call.path === '/customers/acme' ? ok({ tasks: [task], change_id: 12 }, 202) : null,
    );
    render(<App store={new SessionStore(client)} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete acme' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    const change = (await screen.findByText('Customer acme deleted')).closest('li')!;
    expect(change.textContent).toContain('being removed from the servers');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.calls.some((c) => c.path.startsWith('/tasks/41'))).toBe(false);
  });

  it('shows a customer it may not see as not found, without its details', async () => {
    window.history.replaceState(null, '', '/customers/other');
    render(<App store={new SessionStore(api(reseller))} />);
    expect((await screen.findByRole('alert')).textContent).toBe('This does not exist, or you may not see it.');
    expect(screen.queryByRole('button', { name: /Log in as/ })).toBeNull();
  });

  it('logs in as a customer through the acting-as contract', async () => {
    window.history.replaceState(null, '', '/customers/acme');
    const acting: Session = { ...reseller, acting_as: { login: 'acme', name: 'Acme Ltd', role: 'customer', until: '2026-12-07T22:00:00Z' } };
    const client = api(reseller, (call) => {
      if (call.path === '/customers/acme') return ok({ customer: acme });
      if (call.method === 'POST' && call.path === '/sessions/current/acting-as') return ok({ session: acting });
      return null;
    });
    render(<App store={new SessionStore(client)} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Log in as acme' }));
    await screen.findByRole('region', { name: /You are acting as Acme Ltd \(acme\)/ });
    expect(client.calls.find((c) => c.path === '/sessions/current/acting-as')).toMatchObject({
      method: 'POST',
      options: { body: { login: 'acme' } },
    });
    expect(navLinks()).toContain('Websites');
  });
});
