import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { ResetPassword } from './reset_password';

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

function setup(url: string, respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>) {
  window.history.replaceState(null, '', url);
  const client = new FakeApiClient(respond);
  const store = new SessionStore(client);
  store.set(null);
  render(
    <LocationProvider>
      <ResetPassword store={store} />
    </LocationProvider>,
  );
  return { client };
}

function choose(password: string, confirm = password) {
  fireEvent.input(screen.getByLabelText('New password'), { target: { value: password } });
  fireEvent.input(screen.getByLabelText('The same password again'), { target: { value: confirm } });
  fireEvent.click(screen.getByRole('button', { name: 'Set the password' }));
}

describe('the set-password screen (the mailed link)', () => {
  it('sends the link token in the body with the new password and says it is done', async () => {
    const { client } = setup('/set-password?token=hpr_abc', () =>
      ok({ password_set: true, login: 'acme', sessions_ended: 2 }),
    );
    choose('a brand new passphrase');
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('The password of acme is set.'));
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]).toMatchObject({
      method: 'POST',
      path: '/password-resets/redeem',
      options: { body: { token: 'hpr_abc', password: 'a brand new passphrase' } },
    });
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/sign-in');
  });

  it('refuses two different passwords without asking the server', async () => {
    const { client } = setup('/set-password?token=hpr_abc', () => ok({}));
    choose('a brand new passphrase', 'another passphrase');
    await waitFor(() => expect(screen.getByText('The two passwords are not the same.')).toBeTruthy());
    expect(client.calls).toHaveLength(0);
  });

  it("puts the password policy's refusal beside the field and keeps the form", async () => {
    setup('/set-password?token=hpr_abc', () =>
      fail({ status: 422, code: 'invalid', fields: { password: 'password.too_short' } }),
    );
    choose('short');
    await waitFor(() => expect(screen.getByText('A password has at least 12 characters.')).toBeTruthy());
    expect(screen.getByLabelText('New password').getAttribute('aria-invalid')).toBe('true');
  });

  it('says when the link expired or was used, and offers a new one', async () => {
    setup('/set-password?token=hpr_old', () =>
      fail({ status: 404, code: 'not_found', fields: { token: 'link.expired' } }),
    );
    choose('a brand new passphrase');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('This link has expired.'));
    expect(screen.getByRole('link', { name: 'Ask for a new link' }).getAttribute('href')).toBe('/forgot-password');
    expect(screen.queryByLabelText('New password')).toBeNull();
  });

  it('says at once that a link without a token does not work', () => {
    const { client } = setup('/set-password', () => ok({}));
    expect(screen.getByRole('alert').textContent).toContain('This link does not work');
    expect(client.calls).toHaveLength(0);
  });
});
