// The customer's FTP users: <account>_<suffix>, a password and the folder they are locked in.
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
import { objectStatusText, resourceText } from '../dashboard/resource_text';

type Field = 'user' | 'password' | 'home';

export function FtpUsers({ store }: { store: SessionStore }) {
  const heading = useScreen(t('ftp.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const form = useMemo(() => new FormState<Field>({ user: `${customer}_`, password: '', home: '' }), [customer]);
  const source = useMemo(
    () => wholeListSource<Resource>(client, '/ftp-users', 'ftp_users', { customer }),
    [client, customer, manager.version],
  );

  const submit = async () => {
    if (!form.checkRequired(['user', 'password'])) return;
    const user = form.value('user').trim();
    const home = form.value('home').trim();
    const result = await addService(client, 'ftp-users', {
      user,
      customer,
      password: form.value('password'),
      ...(home ? { home } : {}),
    });
    const refused = manager.track(t('ftp.added', { user }), result);
    if (refused) form.applyApiError(refused);
    else form.reset();
  };

  const columns: Column<Resource>[] = [
    { header: t('ftp.col_user'), cell: (u) => u.name },
    { header: t('ftp.col_home'), cell: (u) => resourceText(u, 'home') || t('ftp.home_default') },
    { header: t('list.status'), cell: (u) => objectStatusText(u.status) },
    {
      header: t('list.actions'),
      cell: (u) => (
        <DeleteButton
          name={u.name}
          onDelete={async () =>
            manager.track(t('ftp.removed', { user: u.name }), await removeService(client, 'ftp-users', u.name))
          }
        />
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('ftp.title')}
      addTitle={t('ftp.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('ftp.add')}>
          <TextField
            name="user"
            label={t('ftp.user')}
            hint={t('ftp.user_hint', { customer })}
            required
            autoComplete="off"
          />
          <TextField
            name="password"
            label={t('ftp.password')}
            hint={t('mailboxes.password_hint')}
            type="password"
            required
            autoComplete="new-password"
          />
          <TextField name="home" label={t('ftp.home')} hint={t('ftp.home_hint')} autoComplete="off" />
          <SubmitButton label={t('ftp.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('ftp.list')} rowKey={(u) => u.id} />
    </ManagerFrame>
  );
}
