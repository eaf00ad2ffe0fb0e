import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { Sessions } from './sessions';

afterEach(() => cleanup());

const at = '2026-12-07T20:00:00Z';
function session(id: string, current: boolean, agent: string) {
  return { id, current, created_at: at, last_seen: at, expires_at: at, source: '127.0.0.1', user_agent: agent };
}

function setup(respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>) {
  const client = new FakeApiClient(respond);
  render(
    <LocationProvider>
      <Sessions store={new SessionStore(client)} />
    </LocationProvider>,
  );
  return client;
}

describe('the sessions screen', () => {
  it('marks this browser, and ends every other session', async () => {
    let live = [session('b', false, 'Firefox'), session('a', true, 'Chromium'), session('c', false, '<b>x</b>')];
    const client = setup((call) => {
      if (call.method === 'GET') return ok({ sessions: live });
      const id = call.path.split('/').pop();
      live = live.filter((s) => s.id !== id);
      return ok({ revoked: id });
    });
    await screen.findByText('This browser');
    const rows = screen.getAllByRole('row');
    expect(rows[1]!.textContent).toContain('This browser');
    expect(screen.getByText('<b>x</b>')).toBeTruthy(); // the user agent is text
    fireEvent.click(screen.getByRole('button', { name: 'End all other sessions' }));
    await waitFor(() => expect(screen.getByText('2 sessions were ended.')).toBeTruthy());
    expect(client.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/sessions/b', '/sessions/c']);
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect((screen.getByRole('button', { name: 'End all other sessions' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the API's refusal to end one", async () => {
    setup((call) =>
      call.method === 'GET'
        ? ok({ sessions: [session('a', true, 'Chromium'), session('b', false, 'Firefox')] })
        : fail({ status: 403, code: 'forbidden' }),
    );
    fireEvent.click(await screen.findByRole('button', { name: /End the session signed in/ }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('You may not do this.'));
  });
});
