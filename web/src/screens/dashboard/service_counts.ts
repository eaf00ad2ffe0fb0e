// How many services of each kind a customer has, asked of the list routes (sites page by page up
// to one page of 1000; the service routes answer whole lists). A kind whose route refuses is
// counted as unknown rather than failing the dashboard.
import type { ApiClient } from '../../api/client';
import type { MessageId } from '../../i18n/messages.en';

export type ServiceKey = 'sites' | 'mailboxes' | 'forwarders' | 'ftp_users' | 'databases' | 'zones';

export interface ServiceKind {
  key: ServiceKey;
  path: string; // the manager screen
  route: string; // the API list route
  label: MessageId;
}

export const SERVICE_KINDS: readonly ServiceKind[] = [
  { key: 'sites', path: '/sites', route: '/sites', label: 'nav.sites' },
  { key: 'mailboxes', path: '/mailboxes', route: '/mailboxes', label: 'nav.mailboxes' },
  { key: 'forwarders', path: '/forwarders', route: '/forwarders', label: 'nav.forwarders' },
  { key: 'ftp_users', path: '/ftp-users', route: '/ftp-users', label: 'nav.ftp' },
  { key: 'databases', path: '/databases', route: '/databases', label: 'nav.databases' },
  { key: 'zones', path: '/dns', route: '/zones', label: 'nav.dns' },
];

const SITES_PAGE = 1000;

// A count, or {more, atLeast} when the first page was full, or {more: false} when unknown.
export type Count = number | { more: true; atLeast: number } | { more: false };
export type ServiceCounts = Record<ServiceKey, Count>;

export async function countServices(client: ApiClient, customer: string, signal?: AbortSignal): Promise<ServiceCounts> {
  const entries = await Promise.all(
    SERVICE_KINDS.map(async (kind): Promise<[ServiceKey, Count]> => {
      const query = kind.key === 'sites' ? { customer, limit: SITES_PAGE } : { customer };
      const result = await client.request<Record<string, unknown>>('GET', kind.route, { query, signal });
      if (!result.ok) return [kind.key, { more: false }];
      const items = result.data[kind.key];
      if (!Array.isArray(items)) return [kind.key, { more: false }];
      if (typeof result.data['next_after'] === 'number') return [kind.key, { more: true, atLeast: items.length }];
      return [kind.key, items.length];
    }),
  );
  return Object.fromEntries(entries) as ServiceCounts;
}
