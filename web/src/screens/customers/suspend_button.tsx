// "Suspend" or "Resume" for one customer or reseller: one press, the change followed live in the
// screen's change list; a refusal shown beside the button in the catalog's words.
import { useState } from 'preact/hooks';
import type { ApiError } from '../../api/client';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../../kit/form/api_error_text';

interface SuspendButtonProps {
  name: string;
  suspended: boolean;
  // Resolves with null when the API took the change, else with its refusal.
  onToggle: (suspend: boolean) => Promise<ApiError | null>;
}

export function SuspendButton({ name, suspended, onToggle }: SuspendButtonProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <span class="suspend">
      <button
        type="button"
        disabled={busy}
        aria-label={t(suspended ? 'customers.resume_label' : 'customers.suspend_label', { name })}
        onClick={async () => {
          setBusy(true);
          setError(await onToggle(!suspended));
          setBusy(false);
        }}
      >
        {t(suspended ? 'customers.resume' : 'customers.suspend')}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {apiErrorText(error)}
        </span>
      )}
    </span>
  );
}
