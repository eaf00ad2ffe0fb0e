import { describe, expect, it } from 'vitest';
import { FakeApiClient, fail, ok } from '../../testing/fake_api_client';
import { countServices } from './service_counts';

describe('countServices', () => {
  it('counts each kind of the customer, says "at least" for a full page and "unknown" for a refusal', async () => {
    const client = new FakeApiClient((call) => {
      switch (call.path) {
        case '/sites':
          return ok({ sites: new Array(1000).fill({}), next_after: 1000 });
        case '/mailboxes':
          return ok({ mailboxes: [{}, {}] });
        case '/forwarders':
          return fail({ status: 503, code: 'unavailable' });
        case '/ftp-users':
          return ok({ ftp_users: [] });
        case '/databases':
          return ok({ databases: [{}] });
        default:
          return ok({ zones: 'not a list' });
      }
    });
    expect(await countServices(client, 'acme')).toEqual({
      sites: { more: true, atLeast: 1000 },
      mailboxes: 2,
      forwarders: { more: false },
      ftp_users: 0,
      databases: 1,
      zones: { more: false },
    });
    expect(client.calls.map((c) => c.options.query)).toEqual([
      { customer: 'acme', limit: 1000 },
      { customer: 'acme' },
      { customer: 'acme' },
      { customer: 'acme' },
      { customer: 'acme' },
      { customer: 'acme' },
    ]);
  });
});
