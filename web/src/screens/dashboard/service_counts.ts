// How many services of each kind a customer has, asked of the list routes (sites page by page up
// to one page of 1000; the service routes answer whole lists). A kind whose route refuses is
// counted as unknown rather than failing the dashboard.
import type { ApiClient, Query } from '../../api/client';
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

export const SITES_PAGE = 1000;

// A count, or {more, atLeast} when the first page was full, or {more: false} when unknown.
export type Count = number | { more: true; atLeast: number } | { more: false };
export type ServiceCounts = Record<ServiceKey, Count>;

// How many items a list route answers: one page of up to `limit` (whole lists answer all at once).
export async function countList(
  client: ApiClient,
  route: string,
  key: string,
  query: Query,
  signal?: AbortSignal,
): Promise<Count> {
  const result = await client.request<Record<string, unknown>>('GET', route, { query, signal });
  if (!result.ok) return { more: false };
  const items = result.data[key];
  if (!Array.isArray(items)) return { more: false };
  if (typeof result.data['next_after'] === 'number') return { more: true, atLeast: items.length };
  return items.length;
}

export async function countServices(client: ApiClient, customer: string, signal?: AbortSignal): Promise<ServiceCounts> {
  const entries = await Promise.all(
    SERVICE_KINDS.map(async (kind): Promise<[ServiceKey, Count]> => {
      const query = kind.key === 'sites' ? { customer, limit: SITES_PAGE } : { customer };
      return [kind.key, await countList(client, kind.route, kind.key, query, signal)];
    }),
  );
  return Object.fromEntries(entries) as ServiceCounts;
}
