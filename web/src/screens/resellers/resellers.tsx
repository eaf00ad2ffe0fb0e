// The company's resellers (staff), paged on the server: a new one with its limits (customers and
// sites, each a whole number or empty for "unlimited"), overselling and its login's password;
// suspend and resume (the reseller and every one of its customers, in one change).
import { useMemo } from 'preact/hooks';
import { createReseller, type Reseller, setResellerSuspended } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { CheckboxField } from '../../kit/form/checkbox_field';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { wholeNumber } from '../../kit/form/split_list';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { afterIdSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { ManagerFrame } from '../../kit/manager/manager_frame';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { objectStatusText } from '../dashboard/resource_text';
import { SuspendButton } from '../customers/suspend_button';
import { limitText } from '../plans/plans';

type Field = 'login' | 'name' | 'email' | 'password' | 'customers' | 'sites' | 'overselling';

export function Resellers({ store }: { store: SessionStore }) {
  const heading = useScreen(t('resellers.title'));
  const client = store.client;
  const manager = useManager();
  const form = useMemo(
    () =>
      new FormState<Field>({ login: '', name: '', email: '', password: '', customers: '', sites: '', overselling: 'false' }),
    [],
  );
  const source = useMemo(() => afterIdSource<Reseller>(client, '/resellers', 'resellers'), [client, manager.version]);

  const submit = async () => {
    if (!form.checkRequired(['login', 'email'])) return;
    const customers = wholeNumber(form.value('customers'));
    const sites = wholeNumber(form.value('sites'));
    if (customers === null || sites === null) {
      const errors: Partial<Record<Field, string>> = {};
      if (customers === null) errors.customers = t('field.number.not_integer');
      if (sites === null) errors.sites = t('field.number.not_integer');
      form.errors.value = errors;
      form.alert.value = t('form.fix_fields', { count: Object.keys(errors).length });
      return;
    }
    const login = form.value('login').trim();
    const name = form.value('name').trim();
    const password = form.value('password');
    const result = await createReseller(client, {
      login,
      email: form.value('email').trim(),
      ...(name ? { name } : {}),
      ...(password ? { password } : {}),
      limits: {
        customers: customers === undefined ? { unlimited: true } : customers,
        sites: sites === undefined ? { unlimited: true } : sites,
      },
      overselling: form.value('overselling') === 'true',
    });
    const refused = manager.track(t('resellers.added', { login }), result);
    if (refused) form.applyApiError(refused, { 'limits.customers': 'customers', 'limits.sites': 'sites' });
    else form.reset();
  };

  const columns: Column<Reseller>[] = [
    { header: t('customers.col_login'), cell: (r) => r.login ?? '' },
    { header: t('customers.col_name'), cell: (r) => r.name ?? '' },
    { header: t('resellers.customers'), cell: (r) => limitText(r.limits?.customers) },
    { header: t('resellers.sites'), cell: (r) => limitText(r.limits?.sites) },
    { header: t('list.status'), cell: (r) => objectStatusText(r.status ?? '') },
    {
      header: t('list.actions'),
      cell: (r) => (
        <SuspendButton
          name={r.login ?? ''}
          suspended={r.status === 'suspended'}
          onToggle={async (suspend) =>
            manager.track(
              t(suspend ? 'customers.suspended' : 'customers.resumed', { login: r.login ?? '' }),
              await setResellerSuspended(client, r.login ?? '', suspend),
            )
          }
        />
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('resellers.title')}
      addTitle={t('resellers.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('resellers.add')}>
          <TextField name="login" label={t('customers.login')} hint={t('customers.login_hint')} required autoComplete="off" />
          <TextField name="name" label={t('customers.name')} autoComplete="off" />
          <TextField name="email" label={t('customers.email')} type="email" required autoComplete="off" />
          <TextField
            name="password"
            label={t('customers.password')}
            hint={t('customers.password_hint')}
            type="password"
            autoComplete="new-password"
          />
          <TextField
            name="customers"
            label={t('resellers.customers')}
            hint={t('plans.limits_hint')}
            inputMode="numeric"
            autoComplete="off"
          />
          <TextField name="sites" label={t('resellers.sites')} inputMode="numeric" autoComplete="off" />
          <CheckboxField name="overselling" label={t('resellers.overselling')} hint={t('resellers.overselling_hint')} />
          <SubmitButton label={t('resellers.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('resellers.list')} rowKey={(r) => r.id ?? r.login ?? ''} />
    </ManagerFrame>
  );
}
