// The first screen of a reseller or of staff: how many customers, websites and plans there are
// (a reseller's own, against its limits), the failed tasks, and for staff the resellers and the
// nodes that are down; each a link to its screen. Counted from the list routes (one page of up to
// 1000; more shows as "1000+"): the API has no usage route yet.
import { useEffect, useId, useState } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import type { Reseller } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import type { MessageId } from '../../i18n/messages.en';
import { type Count, countList, SITES_PAGE } from '../dashboard/service_counts';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';

interface Card {
  key: string;
  path: string;
  label: MessageId;
  count: (client: ApiClient, signal: AbortSignal) => Promise<Count>;
  limit?: 'customers' | 'sites'; // the reseller's own limit shown beside the count
}

const PAGE = { limit: SITES_PAGE };
const COMMON: readonly Card[] = [
  { key: 'customers', path: '/customers', label: 'nav.customers', limit: 'customers',
    count: (c, s) => countList(c, '/customers', 'customers', PAGE, s) },
  { key: 'sites', path: '/customers', label: 'nav.sites', limit: 'sites',
    count: (c, s) => countList(c, '/sites', 'sites', PAGE, s) },
  { key: 'plans', path: '/plans', label: 'nav.plans', count: (c, s) => countList(c, '/plans', 'plans', {}, s) },
  { key: 'failed', path: '/tasks', label: 'home.failed_tasks',
    count: (c, s) => countList(c, '/tasks', 'tasks', { state: 'failed', ...PAGE }, s) },
];
const STAFF: readonly Card[] = [
  { key: 'resellers', path: '/resellers', label: 'nav.resellers',
    count: (c, s) => countList(c, '/resellers', 'resellers', PAGE, s) },
  { key: 'nodes', path: '/nodes', label: 'home.nodes_down', count: countNodesDown },
];

async function countNodesDown(client: ApiClient, signal: AbortSignal): Promise<Count> {
  const result = await client.request<{ nodes: { health: string }[] }>('GET', '/nodes', { signal });
  if (!result.ok || !Array.isArray(result.data.nodes)) return { more: false };
  return result.data.nodes.filter((n) => n.health !== 'up').length;
}

function limitOf(limit: unknown): string {
  return typeof limit === 'number' ? t('home.limit', { limit }) : t('home.no_limit');
}

function countText(count: Count | undefined): string {
  if (count === undefined) return t('dashboard.counting');
  if (typeof count === 'number') return t('dashboard.count', { count });
  return count.more ? t('dashboard.count_more', { count: count.atLeast }) : t('dashboard.count_unknown');
}

export function Home({ store }: { store: SessionStore }) {
  const heading = useScreen(t('home.title'));
  const client = store.client;
  const person = store.session.value?.person;
  const role = person?.role;
  const cards = role === 'reseller' ? COMMON : role === 'admin' || role === 'support' ? [...COMMON, ...STAFF] : [];
  const cardsHeading = useId();
  const [counts, setCounts] = useState<Record<string, Count>>({});
  const [reseller, setReseller] = useState<Reseller | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    for (const card of cards) {
      void card.count(client, controller.signal).then((count) => {
        if (!controller.signal.aborted) setCounts((all) => ({ ...all, [card.key]: count }));
      });
    }
    if (role === 'reseller' && person) {
      void client
        .request<{ reseller: Reseller }>('GET', `/resellers/${encodeURIComponent(person.login)}`, { signal: controller.signal })
        .then((result) => {
          if (!controller.signal.aborted && result.ok) setReseller(result.data.reseller);
        });
    }
    return () => controller.abort();
  }, [client, role]);

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('home.title')}
      </h1>
      <p>{t('home.welcome', { name: person?.name || person?.login || '' })}</p>
      {cards.length > 0 && (
        <section aria-labelledby={cardsHeading}>
          <h2 id={cardsHeading}>{t(role === 'reseller' ? 'home.yours' : 'home.company')}</h2>
          <ul class="service-cards">
            {cards.map((card) => (
              <li key={card.key} class="service-card">
                <a href={card.path}>
                  <span class="service-count">{countText(counts[card.key])}</span>
                  <span class="service-name">{t(card.label)}</span>
                  {card.limit && reseller?.limits && (
                    <span class="service-limit">{limitOf(reseller.limits[card.limit])}</span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
