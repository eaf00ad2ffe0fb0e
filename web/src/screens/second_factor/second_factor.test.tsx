import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { SecondFactor } from './second_factor';

const QR =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><rect width="29" height="29" fill="#fff"/>' +
  '<path fill="#000" d="M4 4h1v1h-1z"/></svg>';
const CODES = ['AAAA-BBBB-CCCC-DDDD', 'EEEE-FFFF-GGGG-HHHH'];

beforeEach(() => {
  // jsdom has no object URLs; the download link only needs one to exist.
  URL.createObjectURL = () => 'blob:codes';
  URL.revokeObjectURL = () => undefined;
});
afterEach(() => cleanup());

function setup(respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>) {
  const client = new FakeApiClient(respond);
  const store = new SessionStore(client);
  render(
    <LocationProvider>
      <SecondFactor store={store} />
    </LocationProvider>,
  );
  return client;
}

function typeCode(label: string, code: string) {
  fireEvent.input(screen.getByLabelText('Code'), { target: { value: code } });
  fireEvent.click(screen.getByRole('button', { name: label }));
}

describe('the second factor screen', () => {
  it('enrols: draws the QR code from its data, confirms with a code, shows the recovery codes once', async () => {
    let enabled = false;
    const client = setup((call) => {
      if (call.method === 'GET') return ok({ enabled, enrolling: false, recovery_codes_left: enabled ? 10 : 0 });
      if (call.path === '/second-factor') {
        return ok({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x', qr_svg: QR, confirm_before: '2026-12-07T23:00:00Z' }, 201);
      }
      if (call.path === '/second-factor/confirm') {
        if (call.options.body && (call.options.body as { code: string }).code === '000000') {
          return fail({ status: 422, code: 'invalid', fields: { code: 'totp.invalid' } });
        }
        enabled = true;
        return ok({ enabled: true, recovery_codes: CODES });
      }
      return fail({ status: 404, code: 'not_found' });
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Set up an authenticator app' }));
    const qr = await screen.findByRole('img', { name: /QR code/ });
    expect(qr.querySelector('path')?.getAttribute('d')).toBe('M4 4h1v1h-1z');
    expect(screen.getByText('JBSWY3DPEHPK3PXP')).toBeTruthy();

    typeCode('Turn on', '000000');
    await waitFor(() => expect(screen.getByText('This code is not right, or it was used already.')).toBeTruthy());
    expect(screen.getByLabelText('Code').getAttribute('aria-invalid')).toBe('true');

    typeCode('Turn on', '123456');
    await screen.findByRole('heading', { name: 'Your recovery codes' });
    expect(screen.getByText(/shown only this once/)).toBeTruthy();
    for (const code of CODES) expect(screen.getByText(code)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('download')).toBe('hostplane-recovery-codes.txt');
    expect(client.calls.find((c) => c.path === '/second-factor/confirm' && c.options.body)?.options.body).toEqual({ code: '000000' });

    fireEvent.click(screen.getByRole('button', { name: 'I have saved them' }));
    await screen.findByText('10 recovery codes are left.');
    expect(screen.queryByText(CODES[0]!)).toBeNull();
  });

  it('turns the second factor off with a code', async () => {
    let enabled = true;
    const client = setup((call) => {
      if (call.method === 'GET') return ok({ enabled, enrolling: false, recovery_codes_left: 3 });
      if (call.path === '/second-factor/disable') {
        enabled = false;
        return ok({ enabled: false });
      }
      return fail({ status: 404, code: 'not_found' });
    });
    await screen.findByText('3 recovery codes are left.');
    const off = screen.getByRole('form', { name: 'Turn off the second factor' });
    fireEvent.input(off.querySelector('input')!, { target: { value: '654321' } });
    fireEvent.click(screen.getByRole('button', { name: 'Turn off' }));
    await screen.findByText(/The second factor is off/);
    expect(client.calls.at(-1)).toMatchObject({ method: 'POST', path: '/second-factor/disable', options: { body: { code: '654321' } } });
  });

  it("says why it cannot be changed while acting for someone (the API's refusal)", async () => {
    setup(() => fail({ status: 409, code: 'conflict', fields: { session: 'acting_as.active' } }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('You are acting for someone: stop acting to change your own login.'),
    );
  });
});
