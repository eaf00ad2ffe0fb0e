// The customers a person may see (a reseller its own, staff every one), paged on the server: add
// one with a plan, suspend or resume it (its sites answer 503 while it is suspended), delete it
// after a confirmation; each change followed live. A customer's own screen changes its plan and
// offers "log in as".
import { useEffect, useMemo } from 'preact/hooks';
import { createCustomer, type Customer, deleteCustomer, setCustomerSuspended } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SelectField } from '../../kit/form/select_field';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { afterIdSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { DeleteButton } from '../../kit/manager/delete_button';
import { ManagerFrame } from '../../kit/manager/manager_frame';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { objectStatusText } from '../dashboard/resource_text';
import { customerPath } from './customer_path';
import { planName, usePlans } from './plan_options';
import { SuspendButton } from './suspend_button';

type Field = 'login' | 'name' | 'email' | 'password' | 'plan';

export function Customers({ store }: { store: SessionStore }) {
  const heading = useScreen(t('customers.title'));
  const client = store.client;
  const manager = useManager();
  const plans = usePlans(client);
  const form = useMemo(
    () => new FormState<Field>({ login: '', name: '', email: '', password: '', plan: '' }),
    [],
  );
  const source = useMemo(() => afterIdSource<Customer>(client, '/customers', 'customers'), [client, manager.version]);
  // Staff may leave the plan to the default one; a reseller's customers get one of its own plans,
  // so its form starts on the first of them (again after each customer added).
  const staff = ['admin', 'support'].includes(store.session.value?.person.role ?? '');
  useEffect(() => {
    if (!staff && plans?.length && !form.value('plan')) form.values.plan.value = plans[0]!.name;
  }, [plans, manager.version]);

  const submit = async () => {
    if (!form.checkRequired(['login', 'email'])) return;
    const login = form.value('login').trim();
    const name = form.value('name').trim();
    const password = form.value('password');
    const plan = form.value('plan');
    const result = await createCustomer(client, {
      login,
      email: form.value('email').trim(),
      ...(name ? { name } : {}),
      ...(password ? { password } : {}),
      ...(plan ? { plan } : {}),
    });
    const refused = manager.track(t('customers.added', { login }), result);
    if (refused) form.applyApiError(refused);
    else form.reset();
  };

  const columns: Column<Customer>[] = [
    { header: t('customers.col_login'), cell: (c) => <a href={customerPath(c.login)}>{c.login}</a> },
    { header: t('customers.col_name'), cell: (c) => c.name },
    { header: t('customers.col_plan'), cell: (c) => planName(plans, c.plan_id) },
    { header: t('list.status'), cell: (c) => objectStatusText(c.status) },
    {
      header: t('list.actions'),
      cell: (c) => (
        <span class="row-actions">
          <SuspendButton
            name={c.login}
            suspended={c.status === 'suspended'}
            onToggle={async (suspend) =>
              manager.track(
                t(suspend ? 'customers.suspended' : 'customers.resumed', { login: c.login }),
                await setCustomerSuspended(client, c.login, suspend),
              )
            }
          />
          <DeleteButton
            name={c.login}
            onDelete={async () =>
              manager.track(
                t('customers.removed', { login: c.login }),
                await deleteCustomer(client, c.login),
                staff ? undefined : t('customers.removed_note'),
              )
            }
          />
        </span>
      ),
    },
  ];

  const planOptions = [
    ...(staff ? [{ value: '', label: t('customers.plan_default') }] : []),
    ...(plans ?? []).map((p) => ({ value: p.name, label: p.name })),
  ];
  return (
    <ManagerFrame
      heading={heading}
      title={t('customers.title')}
      addTitle={t('customers.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('customers.add')}>
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
          <SelectField name="plan" label={t('customers.plan')} options={planOptions} />
          <SubmitButton label={t('customers.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('customers.list')} rowKey={(c) => c.id} />
    </ManagerFrame>
  );
}
