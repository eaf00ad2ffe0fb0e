// The customer's databases: <account>_<suffix> and the password of its user (the same name).
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

type Field = 'name' | 'password';

export function Databases({ store }: { store: SessionStore }) {
  const heading = useScreen(t('databases.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const form = useMemo(() => new FormState<Field>({ name: `${customer}_`, password: '' }), [customer]);
  const source = useMemo(
    () => wholeListSource<Resource>(client, '/databases', 'databases', { customer }),
    [client, customer, manager.version],
  );

  const submit = async () => {
    if (!form.checkRequired(['name', 'password'])) return;
    const name = form.value('name').trim();
    const result = await addService(client, 'databases', { name, customer, password: form.value('password') });
    const refused = manager.track(t('databases.added', { name }), result);
    if (refused) form.applyApiError(refused);
    else form.reset();
  };

  const columns: Column<Resource>[] = [
    { header: t('databases.col_name'), cell: (d) => d.name },
    { header: t('databases.col_user'), cell: (d) => d.name },
    { header: t('list.status'), cell: (d) => objectStatusText(d.status) },
    {
      header: t('list.actions'),
      cell: (d) => (
        <DeleteButton
          name={d.name}
          onDelete={async () =>
            manager.track(t('databases.removed', { name: d.name }), await removeService(client, 'databases', d.name))
          }
        />
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('databases.title')}
      addTitle={t('databases.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('databases.add')}>
          <TextField
            name="name"
            label={t('databases.name')}
            hint={t('databases.name_hint', { customer })}
            required
            autoComplete="off"
          />
          <TextField
            name="password"
            label={t('databases.password')}
            hint={t('mailboxes.password_hint')}
            type="password"
            required
            autoComplete="new-password"
          />
          <SubmitButton label={t('databases.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('databases.list')} rowKey={(d) => d.id} />
    </ManagerFrame>
  );
}
