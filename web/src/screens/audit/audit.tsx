// The audit log a person may read (staff: all; a reseller: its customers'; a customer: its own),
// oldest first, paged on the server; the search box asks for the entries about one object
// (customer:acme, site:shop.example), an exact filter of the API (?object=).
import { useMemo } from 'preact/hooks';
import type { AuditEntry } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { afterIdSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';

export function Audit({ store }: { store: SessionStore }) {
  const heading = useScreen(t('audit.title'));
  const client = store.client;
  const source = useMemo(() => afterIdSource<AuditEntry>(client, '/audit', 'audit', {}, 'object'), [client]);
  const columns: Column<AuditEntry>[] = [
    { header: t('audit.at'), cell: (a) => new Date(a.at).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'medium' }) },
    { header: t('audit.actor'), cell: (a) => a.actor },
    { header: t('audit.action'), cell: (a) => a.action },
    { header: t('audit.object'), cell: (a) => a.object },
  ];
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('audit.title')}
      </h1>
      <p>{t('audit.intro')}</p>
      <PagedList source={source} columns={columns} caption={t('audit.list')} rowKey={(a) => a.id} />
    </>
  );
}
