// The page a mailed one-time link opens (/set-password?token=…): a password reset, or the first
// password of a new account from the welcome mail. The token goes to the API in the body
// (POST /password-resets/redeem), never in a path. A password the policy refuses is said beside
// its field and leaves the link working; a used, replaced or expired link says so and offers a
// new one. After success every session of the login has ended, so the person signs in anew.
import { useLocation } from 'preact-iso/router';
import { useMemo, useState } from 'preact/hooks';
import { redeemPasswordReset } from '../../api/session';
import { t } from '../../i18n/i18n';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { useScreen } from '../../shell/use_screen';
import type { SessionStore } from '../../shell/session_store';

type LinkProblem = 'link.invalid' | 'link.expired';

export function ResetPassword({ store }: { store: SessionStore }) {
  const heading = useScreen(t('reset.title'));
  const token = useLocation().query['token'] ?? '';
  const form = useMemo(() => new FormState<'password' | 'confirm'>({ password: '', confirm: '' }), []);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<LinkProblem | null>(token === '' ? 'link.invalid' : null);

  const submit = async () => {
    if (!form.checkRequired(['password', 'confirm'])) return;
    if (form.value('password') !== form.value('confirm')) {
      form.errors.value = { confirm: t('reset.mismatch') };
      form.alert.value = t('form.fix_fields', { count: 1 });
      return;
    }
    const result = await redeemPasswordReset(store.client, token, form.value('password'));
    if (result.ok) {
      form.clearErrors();
      setDone(result.data.login);
      return;
    }
    const link = result.error.fields['token'];
    if (link === 'link.invalid' || link === 'link.expired') {
      setProblem(link);
      return;
    }
    form.applyApiError(result.error);
  };

  let body;
  if (done !== null) {
    body = (
      <p role="status" class="notice">
        {t('reset.done', { login: done })} <a href="/sign-in">{t('reset.sign_in')}</a>
      </p>
    );
  } else if (problem !== null) {
    body = (
      <p role="alert" class="notice">
        {t(problem === 'link.expired' ? 'reset.expired' : 'reset.invalid')}{' '}
        <a href="/forgot-password">{t('reset.new_link')}</a>
      </p>
    );
  } else {
    body = (
      <>
        <p>{t('reset.intro')}</p>
        <Form state={form} onSubmit={submit} label={t('reset.title')}>
          <TextField name="password" type="password" label={t('reset.password')} autoComplete="new-password" required hint={t('reset.hint')} />
          <TextField name="confirm" type="password" label={t('reset.confirm')} autoComplete="new-password" required />
          <SubmitButton label={t('reset.submit')} busyLabel={t('reset.submitting')} />
        </Form>
      </>
    );
  }
  return (
    <div class="card">
      <h1 ref={heading} tabIndex={-1}>
        {t('reset.title')}
      </h1>
      {body}
    </div>
  );
}
