// Asks for a password-reset link. The answer is the same whether or not an account has the name
// (the API answers 202 either way), so the screen never tells who has an account here.
import { useMemo, useState } from 'preact/hooks';
import { requestPasswordReset } from '../../api/session';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { useScreen } from '../../shell/use_screen';
import type { SessionStore } from '../../shell/session_store';

export function ForgotPassword({ store }: { store: SessionStore }) {
  const heading = useScreen(t('forgot.title'));
  const form = useMemo(() => new FormState<'login'>({ login: '' }), []);
  const [sent, setSent] = useState(false);

  const submit = async () => {
    if (!form.checkRequired(['login'])) return;
    const result = await requestPasswordReset(store.client, form.value('login').trim());
    if (result.ok) {
      form.clearErrors();
      setSent(true);
      return;
    }
    form.applyApiError(result.error);
  };

  return (
    <div class="card">
      <h1 ref={heading} tabIndex={-1}>
        {t('forgot.title')}
      </h1>
      {sent ? (
        <p role="status" class="notice">
          {t('forgot.sent')}
        </p>
      ) : (
        <>
          <p>{t('forgot.intro')}</p>
          <Form state={form} onSubmit={submit} label={t('forgot.title')}>
            <TextField name="login" label={t('forgot.login')} autoComplete="username" required />
            <SubmitButton label={t('forgot.submit')} busyLabel={t('forgot.submitting')} />
          </Form>
        </>
      )}
      <p class="aside">
        <a href="/sign-in">{t('forgot.back')}</a>
      </p>
    </div>
  );
}
