// "Get a certificate" for a site without HTTPS: POST /certificates for its domain (its aliases are
// included); the issuing task is followed live in the screen's change list, and a refusal is
// shown beside the button (refusalText: the field code's words when the API gives one, e.g. that
// this server has no ACME directory).
import { useState } from 'preact/hooks';
import type { ApiClient, ApiError } from '../../api/client';
import type { ChangeAnswer } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import type { Manager } from '../../kit/manager/use_manager';

interface CertificateButtonProps {
  client: ApiClient;
  domain: string;
  manager: Manager;
}

export function CertificateButton({ client, domain, manager }: CertificateButtonProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        aria-label={t('sites.certificate_label', { domain })}
        onClick={async () => {
          setBusy(true);
          const result = await client.request<ChangeAnswer>('POST', '/certificates', { body: { domain } });
          setBusy(false);
          setError(manager.track(t('sites.certificate_requested', { domain }), result));
        }}
      >
        {t('sites.certificate')}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {refusalText(error)}
        </span>
      )}
    </>
  );
}
