// The plans a person may see (a reseller its own, staff every one) with their limits, and a new
// plan: its name and each limit, a whole number or empty for "unlimited". The API judges the
// limits against the reseller's own (its field codes shown beside each limit).
import { useMemo } from 'preact/hooks';
import { createPlan, type Plan, type PlanLimits } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import type { MessageId } from '../../i18n/messages.en';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { wholeNumber } from '../../kit/form/split_list';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { wholeListSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { ManagerFrame } from '../../kit/manager/manager_frame';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';

type Limit = keyof PlanLimits;
const LIMITS: readonly { key: Limit; label: MessageId }[] = [
  { key: 'sites', label: 'plans.sites' },
  { key: 'mailboxes', label: 'plans.mailboxes' },
  { key: 'mailbox_quota_mb', label: 'plans.mailbox_quota_mb' },
  { key: 'forwarders', label: 'plans.forwarders' },
  { key: 'ftp_users', label: 'plans.ftp_users' },
  { key: 'dns_zones', label: 'plans.dns_zones' },
  { key: 'databases', label: 'plans.databases' },
  { key: 'disk_mb', label: 'plans.disk_mb' },
];
type Field = 'name' | Limit;

export function limitText(value: PlanLimits[Limit] | undefined): string {
  if (typeof value === 'number') return t('plans.limit', { value });
  return t('plans.unlimited');
}

export function Plans({ store }: { store: SessionStore }) {
  const heading = useScreen(t('plans.title'));
  const client = store.client;
  const manager = useManager();
  const form = useMemo(() => {
    const initial = { name: '' } as Record<Field, string>;
    for (const l of LIMITS) initial[l.key] = '';
    return new FormState<Field>(initial);
  }, []);
  const source = useMemo(() => wholeListSource<Plan>(client, '/plans', 'plans'), [client, manager.version]);

  const submit = async () => {
    if (!form.checkRequired(['name'])) return;
    const limits = {} as PlanLimits;
    const bad: Partial<Record<Field, string>> = {};
    for (const l of LIMITS) {
      const n = wholeNumber(form.value(l.key));
      if (n === null) bad[l.key] = t('field.number.not_integer');
      else limits[l.key] = n === undefined ? { unlimited: true } : n;
    }
    if (Object.keys(bad).length > 0) {
      form.errors.value = bad;
      form.alert.value = t('form.fix_fields', { count: Object.keys(bad).length });
      return;
    }
    const name = form.value('name').trim();
    const result = await createPlan(client, { name, limits });
    const refused = manager.track(t('plans.added', { name }), result);
    if (refused) {
      const aliases: Partial<Record<string, Field>> = {};
      for (const l of LIMITS) aliases[`limits.${l.key}`] = l.key;
      form.applyApiError(refused, aliases);
    } else form.reset();
  };

  const columns: Column<Plan>[] = [
    { header: t('plans.name'), cell: (p) => p.name },
    ...LIMITS.map((l) => ({ header: t(l.label), cell: (p: Plan) => limitText(p.limits[l.key]) })),
  ];
  return (
    <ManagerFrame
      heading={heading}
      title={t('plans.title')}
      addTitle={t('plans.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('plans.add')}>
          <TextField name="name" label={t('plans.name')} hint={t('plans.name_hint')} required autoComplete="off" />
          <p class="field-hint">{t('plans.limits_hint')}</p>
          {LIMITS.map((l) => (
            <TextField key={l.key} name={l.key} label={t(l.label)} inputMode="numeric" autoComplete="off" />
          ))}
          <SubmitButton label={t('plans.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('plans.list')} rowKey={(p) => p.id} />
    </ManagerFrame>
  );
}
