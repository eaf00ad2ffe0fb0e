// The submit button of a <Form>: says what it is doing while the submission runs.
import { useFormContext } from './form';

export function SubmitButton({ label, busyLabel }: { label: string; busyLabel: string }) {
  const { state } = useFormContext();
  const busy = state.submitting.value;
  return (
    <button type="submit" class="primary" disabled={busy} aria-busy={busy ? 'true' : undefined}>
      {busy ? busyLabel : label}
    </button>
  );
}
