// The customer's mailboxes: add one (address, password, quota), list them, delete one; each
// change followed live. The mail domain is made on the first mailbox of a domain.
import { useMemo } from 'preact/hooks';
import { addService, removeService, type Resource } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { wholeNumber } from '../../kit/form/split_list';
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

type Field = 'address' | 'password' | 'quota_mb';

export function Mailboxes({ store }: { store: SessionStore }) {
  const heading = useScreen(t('mailboxes.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const form = useMemo(() => new FormState<Field>({ address: '', password: '', quota_mb: '' }), []);
  const source = useMemo(
    () => wholeListSource<Resource>(client, '/mailboxes', 'mailboxes', { customer }),
    [client, customer, manager.version],
  );

  const submit = async () => {
    if (!form.checkRequired(['address', 'password'])) return;
    const quota = wholeNumber(form.value('quota_mb'));
    if (quota === null) {
      form.errors.value = { quota_mb: t('field.number.not_integer') };
      form.alert.value = t('form.fix_fields', { count: 1 });
      return;
    }
    const address = form.value('address').trim();
    const result = await addService(client, 'mailboxes', {
      address,
      customer,
      password: form.value('password'),
      ...(quota !== undefined ? { quota_mb: quota } : {}),
    });
    const refused = manager.track(t('mailboxes.added', { address }), result);
    if (refused) form.applyApiError(refused);
    else form.reset();
  };

  const columns: Column<Resource>[] = [
    { header: t('mailboxes.col_address'), cell: (m) => m.name },
    { header: t('mailboxes.col_quota'), cell: (m) => resourceText(m, 'quota_mb') || t('mailboxes.no_quota') },
    { header: t('list.status'), cell: (m) => objectStatusText(m.status) },
    {
      header: t('list.actions'),
      cell: (m) => (
        <DeleteButton
          name={m.name}
          onDelete={async () =>
            manager.track(t('mailboxes.removed', { address: m.name }), await removeService(client, 'mailboxes', m.name))
          }
        />
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('mailboxes.title')}
      addTitle={t('mailboxes.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('mailboxes.add')}>
          <TextField
            name="address"
            label={t('mailboxes.address')}
            hint={t('mailboxes.address_hint')}
            type="email"
            required
            autoComplete="off"
          />
          <TextField
            name="password"
            label={t('mailboxes.password')}
            hint={t('mailboxes.password_hint')}
            type="password"
            required
            autoComplete="new-password"
          />
          <TextField
            name="quota_mb"
            label={t('mailboxes.quota')}
            hint={t('mailboxes.quota_hint')}
            inputMode="numeric"
            autoComplete="off"
          />
          <SubmitButton label={t('mailboxes.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('mailboxes.list')} rowKey={(m) => m.id} />
    </ManagerFrame>
  );
}
