import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso/router';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../shell/session_store';
import { FakeApiClient, fail, ok, type Call } from '../../testing/fake_api_client';
import { Certificates } from './certificates';

afterEach(() => cleanup());

const at = '2026-12-07T20:00:00Z';
function site(id: number, domain: string, https: boolean) {
  return { id, domain, customer: 'acme', customer_id: 1, aliases: [], docroot: 'public_html', status: 'active', node: 'n1', node_id: 1, created_at: at, updated_at: at, https };
}
function cert(name: string, status: string, extra: object = {}) {
  return { id: 9, kind: 'cert', name, customer: 'acme', status, created_at: at, updated_at: at, names: [], error: '', ...extra };
}
const XSS = '<img src=x onerror="window.__xss=1">';

function setup(respond: (call: Call) => ReturnType<typeof ok> | ReturnType<typeof fail>) {
  const client = new FakeApiClient(respond);
  const store = new SessionStore(client);
  store.set({ person: { login: 'acme', name: 'Acme', role: 'customer' }, acting_as: null, csrf_token: 'x' });
  render(
    <LocationProvider>
      <Certificates store={store} />
    </LocationProvider>,
  );
  return client;
}

describe('the certificates screen', () => {
  it("shows each site's certificate: none, issued, failed with the ACME client's words as text", async () => {
    const client = setup((call) => {
      if (call.path === '/sites') {
        return ok({ sites: [site(1, 'a.example', false), site(2, 'b.example', true), site(3, 'c.example', false)], next_after: null });
      }
      return ok({
        certificates: [
          cert('b.example', 'issued', { issued_at: Date.parse(at) }),
          cert('c.example', 'failed', { error: `acme: urn:ietf:params:acme:error:connection ${XSS}` }),
        ],
      });
    });
    const rows = await screen.findAllByRole('row');
    await waitFor(() => expect(screen.getByText('Failed')).toBeTruthy());
    expect(rows.map((r) => r.textContent)).toEqual([
      'WebsiteCertificateIssuedHTTPSActions',
      'a.exampleNoneNeverOffGet a certificate',
      expect.stringMatching(/^b\.exampleIssuedDec 7, 2026.*OnGet a certificate$/),
      `c.exampleFailedWhy: acme: urn:ietf:params:acme:error:connection ${XSS}NeverOffGet a certificate`,
    ]);
    expect(document.querySelector('img')).toBeNull();
    expect(client.calls.find((c) => c.path === '/certificates')?.options.query).toEqual({ customer: 'acme' });
  });

  it("asks for a certificate, and shows the API's reason beside the button when it cannot", async () => {
    const client = setup((call) => {
      if (call.path === '/sites') return ok({ sites: [site(1, 'a.example', false)], next_after: null });
      if (call.method === 'POST') {
        return fail({ status: 503, code: 'unavailable', fields: { domain: 'acme.not_configured' } });
      }
      return ok({ certificates: [] });
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Get a certificate for a.example' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('Certificates are not available on this server (no ACME directory is set).'),
    );
    expect(client.calls.find((c) => c.method === 'POST')?.options.body).toEqual({ domain: 'a.example' });
  });
});
