// A button for a step that cannot be taken back, asked twice: the first press shows the question
// and two buttons (do it, keep), focused on "keep"; an API refusal is shown in the catalog's
// words beside the buttons. DeleteButton is this with the words of a deletion.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../../api/client';
import { apiErrorText } from '../form/api_error_text';

export interface ConfirmWords {
  start: string; // the button ("Delete")
  startLabel: string; // its accessible name, with the object ("Delete shop.example")
  question: string; // "Delete shop.example?"
  confirm: string; // "Yes, delete"
  busy: string; // "Deleting…"
  cancel: string; // "Keep it"
}

interface ConfirmButtonProps {
  words: ConfirmWords;
  danger?: boolean;
  // Resolves with null when the API took the step, else with its refusal.
  onConfirm: () => Promise<ApiError | null>;
}

export function ConfirmButton({ words, danger = true, onConfirm }: ConfirmButtonProps) {
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
        class={danger ? 'danger' : undefined}
        onClick={() => setAsking(true)}
        aria-label={words.startLabel}
      >
        {words.start}
      </button>
    );
  }
  return (
    <div class="confirm" role="group" aria-label={words.question}>
      <span>{words.question}</span>
      <button
        type="button"
        class={danger ? 'danger' : undefined}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const refused = await onConfirm();
          setBusy(false);
          setError(refused);
          if (!refused) setAsking(false);
        }}
      >
        {busy ? words.busy : words.confirm}
      </button>
      <button ref={keep} type="button" disabled={busy} onClick={() => setAsking(false)}>
        {words.cancel}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {apiErrorText(error)}
        </span>
      )}
    </div>
  );
}
