import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../api/session';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { SignIn } from './sign_in';

afterEach(cleanup);

const session: Session = {
  person: { login: 'acme', name: 'Acme Ltd', role: 'customer' },
  acting_as: null,
  csrf_token: 'csrf-1',
};

function setup(respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>) {
  const client = new FakeApiClient(respond);
  const store = new SessionStore(client);
  store.set(null);
  render(
    <LocationProvider>
      <SignIn store={store} />
    </LocationProvider>,
  );
  return { client, store };
}

function signIn(login: string, password: string) {
  fireEvent.input(screen.getByLabelText('Login name or e-mail address'), { target: { value: login } });
  fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('the sign-in screen', () => {
  it('posts the credentials to /sessions and keeps the session it gets', async () => {
    const { client, store } = setup(() => ok({ session }, 201));
    signIn(' acme ', 'correct horse battery');
    await waitFor(() => expect(store.status.value).toBe('signed_in'));
    expect(client.calls[0]).toMatchObject({
      method: 'POST',
      path: '/sessions',
      options: { body: { login: 'acme', password: 'correct horse battery' } },
    });
    expect(store.session.value?.person.login).toBe('acme');
    // The CSRF token of the session goes with the next state-changing request.
    await store.client.request('POST', '/sites', { body: {} });
    expect(client.calls[1]?.csrfToken).toBe('csrf-1');
    expect(window.location.pathname).toBe('/');
  });

  it('says the same for every refused login and clears the password', async () => {
    setup(() => fail({ status: 401, code: 'unauthorized', message: 'Unknown login.' }));
    signIn('nobody', 'wrong password here');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('The login name or the password is not right.'));
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Login name or e-mail address') as HTMLInputElement).value).toBe('nobody');
  });

  it('tells a throttled person how long to wait (429 with Retry-After)', async () => {
    setup(() => fail({ status: 429, code: 'throttled', retryAfterSeconds: 840 }));
    signIn('acme', 'wrong password here');
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('Too many attempts. Wait 840 seconds before you try again.'),
    );
  });

  it('asks for the second factor when the API says it is needed, and sends it', async () => {
    const { client, store } = setup((call) => {
      const body = call.options.body as { totp?: string };
      if (body.totp === undefined) return fail({ status: 401, code: 'unauthorized', fields: { totp: 'totp.required' } });
      if (body.totp === '123456') return ok({ session }, 201);
      return fail({ status: 401, code: 'unauthorized', fields: { totp: 'totp.invalid' } });
    });
    expect(screen.queryByLabelText(/authenticator/)).toBeNull();
    signIn('acme', 'correct horse battery');
    const totp = await screen.findByLabelText('Code from your authenticator app');
    expect(totp.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(`${totp.id}-error`)?.textContent).toBe('Enter the code from your authenticator app.');
    await waitFor(() => expect(document.activeElement).toBe(totp));

    fireEvent.input(totp, { target: { value: '000000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() =>
      expect(document.getElementById(`${totp.id}-error`)?.textContent).toBe('This code is not right, or it was used already.'),
    );
    fireEvent.input(totp, { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(store.status.value).toBe('signed_in'));
    expect(client.calls.map((c) => (c.options.body as { totp?: string }).totp)).toEqual([undefined, '000000', '123456']);
  });

  it('needs a login and a password before it asks the API', async () => {
    const { client } = setup(() => ok({ session }, 201));
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('2 fields need your attention.'));
    expect(client.calls).toHaveLength(0);
  });

  it('shows other refusals in the catalog’s words', async () => {
    setup(() => fail({ status: 503, code: 'unavailable', retryAfterSeconds: 2 }));
    signIn('acme', 'correct horse battery');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('The server is busy. Try again in 2 seconds.'));
  });
});
