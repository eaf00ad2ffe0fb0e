// The customer's DNS zones: add one, open one to manage its records, delete one.
import { useMemo } from 'preact/hooks';
import { addService, removeService, type Resource } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { wholeListSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { DeleteButton } from '../../kit/manager/delete_button';
import { ManagerFrame } from '../../kit/manager/manager_frame';
import { useManager } from '../../kit/manager/use_manager';
import { customerLogin } from '../../shell/customer_login';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { objectStatusText } from '../dashboard/resource_text';

type Field = 'zone';

export function zonePath(zone: string): string {
  return `/dns/${encodeURIComponent(zone)}`;
}

export function Zones({ store }: { store: SessionStore }) {
  const heading = useScreen(t('zones.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const form = useMemo(() => new FormState<Field>({ zone: '' }), []);
  const source = useMemo(
    () => wholeListSource<Resource>(client, '/zones', 'zones', { customer }),
    [client, customer, manager.version],
  );

  const submit = async () => {
    if (!form.checkRequired(['zone'])) return;
    const zone = form.value('zone').trim();
    const result = await addService(client, 'zones', { zone, customer });
    const refused = manager.track(t('zones.added', { zone }), result);
    if (refused) form.applyApiError(refused);
    else form.reset();
  };

  const columns: Column<Resource>[] = [
    {
      header: t('zones.col_zone'),
      cell: (z) => (
        <a href={zonePath(z.name)} aria-label={t('zones.open', { zone: z.name })}>
          {z.name}
        </a>
      ),
    },
    { header: t('list.status'), cell: (z) => objectStatusText(z.status) },
    {
      header: t('list.actions'),
      cell: (z) => (
        <DeleteButton
          name={z.name}
          onDelete={async () =>
            manager.track(t('zones.removed', { zone: z.name }), await removeService(client, 'zones', z.name))
          }
        />
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('zones.title')}
      addTitle={t('zones.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('zones.add')}>
          <TextField name="zone" label={t('zones.zone')} hint={t('zones.zone_hint')} required autoComplete="off" />
          <SubmitButton label={t('zones.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('zones.list')} rowKey={(z) => z.id} />
    </ManagerFrame>
  );
}
