// One customer: its plan (changed with PATCH /customers/{login}: the API refuses a plan below
// what the customer already has), its state, and "log in as" it (the customer's view, with the
// banner, until the person ends it). A customer the person may not see answers 404, shown as
// "does not exist" — the same words for one that does not exist.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso/router';
import type { ApiError } from '../../api/client';
import { changeCustomerPlan, type Customer, getCustomer } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../../kit/form/api_error_text';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SelectField } from '../../kit/form/select_field';
import { SubmitButton } from '../../kit/form/submit_button';
import { ChangeList } from '../../kit/manager/change_list';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { objectStatusText } from '../dashboard/resource_text';
import { planName, usePlans } from './plan_options';

export function CustomerDetail({ store }: { store: SessionStore }) {
  const login = decodeURIComponent(useRoute().params['login'] ?? '');
  const heading = useScreen(t('customer.title', { login }));
  const client = store.client;
  const { route } = useLocation();
  const manager = useManager();
  const plans = usePlans(client);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [actingError, setActingError] = useState<ApiError | null>(null);
  const form = useMemo(() => new FormState<'plan'>({ plan: '' }), []);

  useEffect(() => {
    const controller = new AbortController();
    void getCustomer(client, login, controller.signal).then((result) => {
      if (controller.signal.aborted) return;
      if (!result.ok) setError(result.error);
      else setCustomer(result.data.customer);
    });
    return () => controller.abort();
  }, [client, login]);
  useEffect(() => {
    if (customer && plans && !form.value('plan')) form.values.plan.value = planName(plans, customer.plan_id);
  }, [customer, plans]);

  const submit = async () => {
    const plan = form.value('plan');
    const result = await changeCustomerPlan(client, login, plan);
    const refused = manager.track(t('customer.plan_changed', { login, plan }), result);
    if (refused) form.applyApiError(refused);
    else if (result.ok) {
      form.clearErrors();
      setCustomer(result.data.customer);
    }
  };

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('customer.title', { login })}
      </h1>
      <p>
        <a href="/customers">{t('customer.back')}</a>
      </p>
      {error && (
        <p class="list-status error" role="alert">
          {apiErrorText(error)}
        </p>
      )}
      {!error && !customer && <p role="status">{t('list.loading')}</p>}
      {customer && (
        <>
          <dl class="facts">
            <dt>{t('customers.col_name')}</dt>
            <dd>{customer.name}</dd>
            <dt>{t('customers.email')}</dt>
            <dd>{customer.email}</dd>
            <dt>{t('list.status')}</dt>
            <dd>{objectStatusText(customer.status)}</dd>
            <dt>{t('customers.col_plan')}</dt>
            <dd>{planName(plans, customer.plan_id)}</dd>
          </dl>
          <section class="panel" aria-label={t('customer.plan_form')}>
            <Form state={form} onSubmit={submit} label={t('customer.plan_form')}>
              <SelectField
                name="plan"
                label={t('customers.plan')}
                options={(plans ?? []).map((p) => ({ value: p.name, label: p.name }))}
              />
              <SubmitButton label={t('customer.plan_submit')} busyLabel={t('site.saving')} />
            </Form>
          </section>
          <p>
            <button
              type="button"
              onClick={async () => {
                const refused = await store.actAs(login);
                setActingError(refused);
                if (!refused) route('/');
              }}
            >
              {t('customer.act_as', { login })}
            </button>
            {actingError && (
              <span class="field-error" role="alert">
                {apiErrorText(actingError)}
              </span>
            )}
          </p>
        </>
      )}
      <ChangeList client={client} state={manager.changes} />
    </>
  );
}
