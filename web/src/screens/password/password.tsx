// Changing one's own password: the current one, the new one twice. The API judges the new one
// (its policy's codes are shown beside the field in the catalog's words) and the current one (a
// wrong one is counted like a failed login); on success every other session of the login has
// ended, and the screen says how many.
import { useMemo, useState } from 'preact/hooks';
import { changePassword } from '../../api/account';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { refusalText } from '../../kit/form/refusal_text';
import { FormState } from '../../kit/form/form_state';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { SettingsFrame } from '../settings/settings_frame';

type Field = 'current_password' | 'new_password' | 'repeat';

export function Password({ store }: { store: SessionStore }) {
  const heading = useScreen(t('password.title'));
  const form = useMemo(() => new FormState<Field>({ current_password: '', new_password: '', repeat: '' }), []);
  const [done, setDone] = useState<number | null>(null);

  const submit = async () => {
    setDone(null);
    if (!form.checkRequired(['current_password', 'new_password', 'repeat'])) return;
    if (form.value('new_password') !== form.value('repeat')) {
      form.errors.value = { repeat: t('password.repeat_differs') };
      form.alert.value = t('form.fix_fields', { count: 1 });
      return;
    }
    const result = await changePassword(store.client, form.value('current_password'), form.value('new_password'));
    if (result.ok) {
      form.reset();
      setDone(result.data.sessions_ended ?? 0);
      return;
    }
    form.applyApiError(result.error);
    const fields = Object.keys(result.error.fields).filter((f) => form.has(f)).length;
    // A wrong current password is a 403 with its field code: the field says what is wrong, not
    // the generic "you may not do this".
    if (result.error.status === 429) return;
    if (fields > 0) form.alert.value = t('form.fix_fields', { count: fields });
    else if (Object.keys(result.error.fields).length > 0) {
      // About no field of this form (e.g. acting for someone): the code's words say why.
      form.alert.value = refusalText(result.error);
      form.otherErrors.value = [];
    }
  };

  return (
    <SettingsFrame heading={heading} title={t('password.title')}>
      <section class="panel" aria-label={t('password.title')}>
        <p>{t('password.intro')}</p>
        {done !== null && (
          <p class="notice" role="status">
            {t('password.changed', { count: done })}
          </p>
        )}
        <Form state={form} onSubmit={submit} label={t('password.title')}>
          <TextField
            name="current_password"
            label={t('password.current')}
            type="password"
            autoComplete="current-password"
            required
          />
          <TextField
            name="new_password"
            label={t('password.new')}
            hint={t('password.new_hint')}
            type="password"
            autoComplete="new-password"
            required
          />
          <TextField name="repeat" label={t('password.repeat')} type="password" autoComplete="new-password" required />
          <SubmitButton label={t('password.submit')} busyLabel={t('password.submitting')} />
        </Form>
      </section>
    </SettingsFrame>
  );
}
