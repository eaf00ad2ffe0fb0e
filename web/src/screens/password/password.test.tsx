import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { Password } from './password';

afterEach(() => cleanup());

function setup(respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>) {
  const client = new FakeApiClient(respond);
  render(
    <LocationProvider>
      <Password store={new SessionStore(client)} />
    </LocationProvider>,
  );
  return client;
}

function change(current: string, next: string, repeat = next) {
  fireEvent.input(screen.getByLabelText('Current password'), { target: { value: current } });
  fireEvent.input(screen.getByLabelText('New password'), { target: { value: next } });
  fireEvent.input(screen.getByLabelText('New password again'), { target: { value: repeat } });
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('the password screen', () => {
  it('changes the password and says how many other sessions ended', async () => {
    const client = setup(() => ok({ password_changed: true, sessions_ended: 2 }));
    change('old passphrase here', 'a new long passphrase');
    await waitFor(() => expect(screen.getByText(/2 other sessions were ended/)).toBeTruthy());
    expect(client.calls[0]).toMatchObject({
      method: 'POST',
      path: '/password',
      options: { body: { current_password: 'old passphrase here', new_password: 'a new long passphrase' } },
    });
    expect((screen.getByLabelText('Current password') as HTMLInputElement).value).toBe('');
  });

  it('refuses two different new passwords without asking the server', async () => {
    const client = setup(() => ok({}));
    change('old passphrase here', 'a new long passphrase', 'another one');
    await waitFor(() => expect(screen.getByText('This is not the same as the new password.')).toBeTruthy());
    expect(client.calls).toHaveLength(0);
  });

  it("puts the API's codes beside their fields: a wrong current password, the policy", async () => {
    setup((call) => {
      const body = call.options.body as { current_password: string };
      return body.current_password === 'wrong'
        ? fail({ status: 403, code: 'forbidden', fields: { current_password: 'password.mismatch' } })
        : fail({ status: 422, code: 'invalid', fields: { new_password: 'password.too_short' } });
    });
    change('wrong', 'a new long passphrase');
    await waitFor(() => expect(screen.getByText('This is not your current password.')).toBeTruthy());
    expect(screen.getByLabelText('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toContain('1 field needs your attention.');
    change('right passphrase', 'short');
    await waitFor(() => expect(screen.getByText('A password has at least 12 characters.')).toBeTruthy());
    expect(screen.getByLabelText('New password').getAttribute('aria-invalid')).toBe('true');
  });

  it('says why while acting for someone (a field code about no field of the form)', async () => {
    setup(() => fail({ status: 409, code: 'conflict', fields: { session: 'acting_as.active' } }));
    change('old passphrase here', 'a new long passphrase');
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('You are acting for someone: stop acting to change your own login.'),
    );
  });
});
