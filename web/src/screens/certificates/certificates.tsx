// The customer's certificates, one row per website: none yet, being issued, issued (since when),
// or failed with the ACME client's or the daemon's own words; "Get a certificate" issues one (or
// a new one) over ACME HTTP-01, the aliases included, and the issuing is followed live.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Certificate, Site } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../../kit/form/api_error_text';
import { afterIdSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { ChangeList } from '../../kit/manager/change_list';
import { useManager } from '../../kit/manager/use_manager';
import { customerLogin } from '../../shell/customer_login';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { CertificateButton } from '../sites/certificate_button';
import { CertificateState } from './certificate_state';

function statusText(cert: Certificate | undefined): string {
  if (!cert) return t('certificates.none');
  return t('certificates.status', { status: cert.status });
}

export function Certificates({ store }: { store: SessionStore }) {
  const heading = useScreen(t('certificates.title'));
  const client = store.client;
  const customer = customerLogin(store.session.value);
  const manager = useManager();
  const [refreshes, setRefreshes] = useState(0);
  const certs = useMemo(() => new CertificateState(client, customer), [client, customer]);
  const source = useMemo(
    () => afterIdSource<Site>(client, '/sites', 'sites', { customer }),
    [client, customer, manager.version, refreshes],
  );
  useEffect(() => {
    void certs.load();
    return () => certs.dispose();
  }, [certs, manager.version, refreshes]);

  const bySite = certs.bySite.value;
  const error = certs.error.value;
  const columns: Column<Site>[] = [
    { header: t('certificates.col_site'), cell: (s) => s.domain },
    {
      header: t('certificates.col_status'),
      cell: (s) => {
        const cert = bySite.get(s.domain);
        return (
          <>
            <span class={`cert-status cert-${cert?.status ?? 'none'}`}>{statusText(cert)}</span>
            {cert?.status === 'failed' && cert.error && (
              <span class="task-message">{t('certificates.failed_because', { message: cert.error })}</span>
            )}
          </>
        );
      },
    },
    {
      header: t('certificates.col_issued'),
      cell: (s) => {
        const at = bySite.get(s.domain)?.issued_at;
        return at ? new Date(at).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' }) : t('certificates.never');
      },
    },
    { header: t('certificates.col_https'), cell: (s) => (s.https ? t('sites.https_on') : t('sites.https_off')) },
    {
      header: t('list.actions'),
      cell: (s) => (
        <div class="row-actions">
          <CertificateButton client={client} domain={s.domain} manager={manager} />
        </div>
      ),
    },
  ];

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('certificates.title')}
      </h1>
      <p>{t('certificates.intro')}</p>
      <p>
        <button type="button" onClick={() => setRefreshes((n) => n + 1)}>
          {t('certificates.refresh')}
        </button>
      </p>
      {error && (
        <p class="list-status error" role="alert">
          {apiErrorText(error)}
        </p>
      )}
      <ChangeList client={client} state={manager.changes} />
      <PagedList source={source} columns={columns} caption={t('certificates.list')} rowKey={(s) => s.id} />
    </>
  );
}
