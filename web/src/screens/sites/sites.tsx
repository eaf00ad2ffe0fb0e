// The customer's websites: add one (domain, aliases, PHP version), see them page by page with
// their aliases, PHP and HTTPS, ask for a certificate, delete one; each change followed live.
import { useMemo } from 'preact/hooks';
import { createSite, removeSite, type Site } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { splitList } from '../../kit/form/split_list';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { afterIdSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { DeleteButton } from '../../kit/manager/delete_button';
import { ManagerFrame } from '../../kit/manager/manager_frame';
import { useManager } from '../../kit/manager/use_manager';
import { customerLogin } from '../../shell/customer_login';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { CertificateButton } from './certificate_button';
import { sitePath } from './site_settings';

type Field = 'domain' | 'aliases' | 'php';

export function Sites({ store }: { store: SessionStore }) {
  const heading = useScreen(t('sites.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const form = useMemo(() => new FormState<Field>({ domain: '', aliases: '', php: '' }), []);
  const source = useMemo(
    () => afterIdSource<Site>(client, '/sites', 'sites', { customer }),
    [client, customer, manager.version],
  );

  const submit = async () => {
    if (!form.checkRequired(['domain'])) return;
    const domain = form.value('domain').trim();
    const aliases = splitList(form.value('aliases'));
    const result = await createSite(client, {
      domain,
      customer,
      ...(aliases.length ? { aliases } : {}),
      php: form.value('php').trim(),
    });
    const refused = manager.track(t('sites.added', { domain }), result);
    if (refused) form.applyApiError(refused, aliasesOf(aliases.length));
    else form.reset();
  };

  const columns: Column<Site>[] = [
    {
      header: t('sites.col_domain'),
      cell: (s) => (
        <a href={sitePath(s.domain)} aria-label={t('sites.settings_of', { domain: s.domain })}>
          {s.domain}
        </a>
      ),
    },
    { header: t('sites.col_aliases'), cell: (s) => (s.aliases.length ? s.aliases.join(', ') : t('sites.none')) },
    { header: t('sites.col_docroot'), cell: (s) => s.docroot },
    { header: t('sites.col_php'), cell: (s) => s.php || t('sites.static') },
    { header: t('sites.col_https'), cell: (s) => (s.https ? t('sites.https_on') : t('sites.https_off')) },
    { header: t('sites.col_status'), cell: (s) => t('status.object', { status: s.status }) },
    {
      header: t('list.actions'),
      cell: (s) => (
        <div class="row-actions">
          {!s.https && <CertificateButton client={client} domain={s.domain} manager={manager} />}
          <DeleteButton
            name={s.domain}
            onDelete={async () =>
              manager.track(t('sites.removed', { domain: s.domain }), await removeSite(client, s.domain))
            }
          />
        </div>
      ),
    },
  ];

  return (
    <ManagerFrame
      heading={heading}
      title={t('sites.title')}
      addTitle={t('sites.add')}
      client={client}
      manager={manager}
      form={
        <Form state={form} onSubmit={submit} label={t('sites.add')}>
          <TextField
            name="domain"
            label={t('sites.domain')}
            hint={t('sites.domain_hint')}
            required
            autoComplete="off"
          />
          <TextField name="aliases" label={t('sites.aliases')} hint={t('sites.aliases_hint')} autoComplete="off" />
          <TextField name="php" label={t('sites.php')} hint={t('sites.php_hint')} autoComplete="off" />
          <SubmitButton label={t('sites.submit')} busyLabel={t('form.adding')} />
        </Form>
      }
    >
      <PagedList source={source} columns={columns} caption={t('sites.list')} rowKey={(s) => s.id} />
    </ManagerFrame>
  );
}

// The API names an alias's error "aliases[2]"; the form has one box for all of them.
function aliasesOf(count: number): Partial<Record<string, Field>> {
  const map: Partial<Record<string, Field>> = {};
  for (let i = 0; i < count; i++) map[`aliases[${i}]`] = 'aliases';
  return map;
}
