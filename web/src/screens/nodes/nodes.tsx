// The company's nodes (staff): each with its health (heard from within the last minute, or not),
// its state (active, draining, drained, lost), its roles, how far it has applied its changes and
// its load. An administrator drains a node after a confirmation: each press moves a batch of its
// customers off it (POST /nodes/{name}/drain), followed live like any change.
import { useMemo } from 'preact/hooks';
import { drainNode, type HostNode } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { wholeListSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { ChangeList } from '../../kit/manager/change_list';
import { ConfirmButton } from '../../kit/manager/confirm_button';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';

export function Nodes({ store }: { store: SessionStore }) {
  const heading = useScreen(t('nodes.title'));
  const client = store.client;
  const manager = useManager();
  const mayDrain = store.session.value?.person.role === 'admin';
  const source = useMemo(() => wholeListSource<HostNode>(client, '/nodes', 'nodes'), [client, manager.version]);

  const columns: Column<HostNode>[] = [
    { header: t('nodes.name'), cell: (n) => n.name },
    {
      header: t('nodes.health'),
      cell: (n) => <span class={`health health-${n.health}`}>{t('nodes.health_value', { health: n.health })}</span>,
    },
    { header: t('list.status'), cell: (n) => t('nodes.status_value', { status: n.status }) },
    { header: t('nodes.roles'), cell: (n) => n.roles.join(', ') },
    {
      header: t('nodes.revisions'),
      cell: (n) => t('nodes.revisions_value', { applied: n.applied_revision, head: n.head_revision }),
    },
    { header: t('nodes.load'), cell: (n) => (typeof n.load === 'number' ? t('nodes.load_value', { load: n.load }) : '') },
    {
      header: t('list.actions'),
      cell: (n) =>
        mayDrain && (n.status === 'active' || n.status === 'draining') ? (
          <ConfirmButton
            words={{
              start: t('nodes.drain'),
              startLabel: t('nodes.drain_label', { name: n.name }),
              question: t('nodes.drain_question', { name: n.name }),
              confirm: t('nodes.drain_confirm'),
              busy: t('nodes.draining'),
              cancel: t('delete.cancel'),
            }}
            onConfirm={async () => manager.track(t('nodes.drained', { name: n.name }), await drainNode(client, n.name))}
          />
        ) : null,
    },
  ];

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('nodes.title')}
      </h1>
      <p>{t('nodes.intro')}</p>
      <ChangeList client={client} state={manager.changes} />
      <PagedList source={source} columns={columns} caption={t('nodes.list')} rowKey={(n) => n.id} />
    </>
  );
}
