// A form that asks for one code (the authenticator app's, or a recovery code where the API takes
// one) to prove a step: turning the second factor on or off, new recovery codes. The API's
// refusal is shown beside the field (a wrong code: its field code in the catalog's words).
import { useMemo } from 'preact/hooks';
import type { ApiError } from '../../api/client';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { refusalText } from '../../kit/form/refusal_text';
import { FormState } from '../../kit/form/form_state';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';

interface CodeFormProps {
  label: string; // the form's name ("Turn off the second factor")
  hint: string;
  submit: string;
  busy: string;
  // Resolves with null when the API took the code, else with its refusal.
  onCode: (code: string) => Promise<ApiError | null>;
}

export function CodeForm({ label, hint, submit, busy, onCode }: CodeFormProps) {
  const form = useMemo(() => new FormState<'code'>({ code: '' }), []);
  const send = async () => {
    if (!form.checkRequired(['code'])) return;
    const refused = await onCode(form.value('code').trim());
    if (!refused) {
      form.reset();
      return;
    }
    // The routes name the field "code", or "second_factor" when there is none to prove.
    form.applyApiError(refused, { second_factor: 'code' });
    if (refused.status === 429) return;
    if (form.errors.value.code) form.alert.value = t('form.fix_fields', { count: 1 });
    else if (Object.keys(refused.fields).length > 0) {
      form.alert.value = refusalText(refused);
      form.otherErrors.value = [];
    }
  };
  return (
    <Form state={form} onSubmit={send} label={label}>
      <TextField name="code" label={t('second_factor.code')} hint={hint} autoComplete="one-time-code" required />
      <SubmitButton label={submit} busyLabel={busy} />
    </Form>
  );
}
