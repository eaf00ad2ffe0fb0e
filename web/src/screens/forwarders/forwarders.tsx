// The customer's forwarders: an address (or @domain for the catch-all) and where its mail goes.
import { useMemo } from 'preact/hooks';
import { addService, removeService, type Resource } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { splitList } from '../../kit/form/split_list';
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
import { objectStatusText, resourceText } from '../dashboard/resource_text';

type Field = 'address' | 'targets';

export function Forwarders({ store }: { store: SessionStore }) {
  const heading = useScreen(t('forwarders.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const form = useMemo(() => new FormState<Field>({ address: '', targets: '' }), []);
  const source = useMemo(
    () => wholeListSource<Resource>(client, '/forwarders', 'forwarders', { customer }),
    [client, customer, manager.version],
  );

  const submit = async () => {
    if (!form.checkRequired(['address', 'targets'])) return;
    const address = form.value('address').trim();
    const targets = splitList(form.value('targets'));
    const result = await addService(client, 'forwarders', { address, targets, customer });
    const refused = manager.track(t('forwarders.added', { address }), result);
    if (refused) {
      const aliases: Partial<Record<string, Field>> = {};
      targets.forEach((_, i) => (aliases[`targets[${i}]`] = 'targets'));
      form.applyApiError(refused, aliases);
    } else form.reset();
  };

  const columns: Column<Resource>[] = [
    { header: t('forwarders.col_address'), cell: (f) => f.name },
    { header: t('forwarders.col_targets'), cell: (f) => resourceText(f, 'targets') },
    { header: t('list.status'), cell: (f) => objectStatusText(f.status) },
    {
      header: t('list.actions'),
      cell: (f) => (
        <DeleteButton
          name={f.name}
          onDelete={async () =>
            manager.track(t('forwarders.removed', { address: f.name }), await removeService(client, 'forwarders', f.name))
          }
        />
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('forwarders.title')}
      addTitle={t('forwarders.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('forwarders.add')}>
          <TextField
            name="address"
            label={t('forwarders.address')}
            hint={t('forwarders.address_hint')}
            required
            autoComplete="off"
          />
          <TextField
            name="targets"
            label={t('forwarders.targets')}
            hint={t('forwarders.targets_hint')}
            required
            autoComplete="off"
          />
          <SubmitButton label={t('forwarders.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('forwarders.list')} rowKey={(f) => f.id} />
    </ManagerFrame>
  );
}
