// "Delete" for one row of a list, asked twice: the first press shows the question with the
// object's name and two buttons (delete, keep), focused on "keep"; an API refusal is shown in
// the catalog's words beside the buttons.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../../api/client';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../form/api_error_text';

interface DeleteButtonProps {
  name: string; // the object, as the person knows it ("shop.example", "info@shop.example")
  // Resolves with null when the API took the removal, else with its refusal.
  onDelete: () => Promise<ApiError | null>;
}

export function DeleteButton({ name, onDelete }: DeleteButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) keep.current?.focus();
    else if (wasAsking.current) start.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button
        ref={start}
        type="button"
        class="danger"
        onClick={() => setAsking(true)}
        aria-label={t('delete.start_label', { name })}
      >
        {t('delete.start')}
      </button>
    );
  }
  return (
    <div class="confirm" role="group" aria-label={t('delete.question', { name })}>
      <span>{t('delete.question', { name })}</span>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const refused = await onDelete();
          setBusy(false);
          setError(refused);
          if (!refused) setAsking(false);
        }}
      >
        {busy ? t('delete.busy') : t('delete.confirm')}
      </button>
      <button ref={keep} type="button" disabled={busy} onClick={() => setAsking(false)}>
        {t('delete.cancel')}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {apiErrorText(error)}
        </span>
      )}
    </div>
  );
}
