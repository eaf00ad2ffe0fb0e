// One DNS zone: the typed form to add a record, the changes made here with their live state, and
// the customer's records of the zone, each with a delete.
import { useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso/router';
import { removeRecord, type Resource } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { wholeListSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { DeleteButton } from '../../kit/manager/delete_button';
import { ManagerFrame } from '../../kit/manager/manager_frame';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { resourceText } from '../dashboard/resource_text';
import { RecordForm } from './record_form';

export function ZoneRecords({ store }: { store: SessionStore }) {
  const zone = decodeURIComponent(useRoute().params['zone'] ?? '');
  const heading = useScreen(t('records.title', { zone }));
  const client = store.client;
  const manager = useManager();
  const source = useMemo(
    () => wholeListSource<Resource>(client, `/zones/${encodeURIComponent(zone)}/records`, 'records'),
    [client, zone, manager.version],
  );

  const columns: Column<Resource>[] = [
    { header: t('records.col_name'), cell: (r) => resourceText(r, 'name') },
    { header: t('records.col_type'), cell: (r) => resourceText(r, 'type') },
    { header: t('records.col_value'), cell: (r) => resourceText(r, 'value') },
    { header: t('records.col_ttl'), cell: (r) => resourceText(r, 'ttl') },
    {
      header: t('list.actions'),
      cell: (r) => {
        const record = { name: resourceText(r, 'name'), type: resourceText(r, 'type'), value: resourceText(r, 'value') };
        const label = `${record.name} ${record.type} ${record.value}`;
        return (
          <DeleteButton
            name={label}
            onDelete={async () =>
              manager.track(t('records.removed', { record: label }), await removeRecord(client, zone, record))
            }
          />
        );
      },
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('records.title', { zone })}
      intro={
        <p>
          <a href="/dns">{t('records.back')}</a>
        </p>
      }
      addTitle={t('records.add')}
      client={client}
      manager={manager}
      form={<RecordForm client={client} zone={zone} manager={manager} />}
    >
      <PagedList source={source} columns={columns} caption={t('records.list', { zone })} rowKey={(r) => r.id} />
    </ManagerFrame>
  );
}
