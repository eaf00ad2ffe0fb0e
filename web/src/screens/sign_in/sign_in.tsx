// Sign in with a login name (or e-mail address) and password, and the second factor when the API
// asks for it. Built to the session contract in src/api/session.ts: every refusal of the
// credentials reads the same ("not right"), whether the login exists or not; a throttled login
// is told how long to wait; the second-factor field appears when the API says it is needed.
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { signIn } from '../../api/session';
import { fieldErrorText, t } from '../../i18n/i18n';
import { apiErrorText } from '../../kit/form/api_error_text';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { useScreen } from '../../shell/use_screen';
import type { SessionStore } from '../../shell/session_store';

type Field = 'login' | 'password' | 'totp';

export function SignIn({ store }: { store: SessionStore }) {
  const heading = useScreen(t('signin.title'));
  const { route } = useLocation();
  const form = useMemo(() => new FormState<Field>({ login: '', password: '', totp: '' }), []);
  const [needsTotp, setNeedsTotp] = useState(false);

  const submit = async () => {
    const required: Field[] = needsTotp ? ['login', 'password', 'totp'] : ['login', 'password'];
    if (!form.checkRequired(required)) return;
    const result = await signIn(store.client, {
      login: form.value('login').trim(),
      password: form.value('password'),
      ...(needsTotp ? { totp: form.value('totp').trim() } : {}),
    });
    if (result.ok) {
      store.set(result.data.session);
      route('/', true);
      return;
    }
    const { error } = result;
    form.clearErrors();
    if (error.status === 401 && error.fields['totp']) {
      setNeedsTotp(true);
      form.errors.value = { totp: fieldErrorText(error.fields['totp']) };
      form.alert.value = t('form.fix_fields', { count: 1 });
      return;
    }
    form.values.password.value = '';
    if (error.status === 401) {
      form.alert.value = t('signin.refused');
    } else if (error.status === 429) {
      form.alert.value = t('signin.throttled', { seconds: error.retryAfterSeconds ?? 60 });
    } else if (Object.keys(error.fields).length > 0) {
      form.applyApiError(error);
    } else {
      form.alert.value = apiErrorText(error);
    }
  };

  return (
    <div class="card">
      <h1 ref={heading} tabIndex={-1}>
        {t('signin.title')}
      </h1>
      <p>{t('signin.intro')}</p>
      <Form state={form} onSubmit={submit} label={t('signin.title')}>
        <TextField name="login" label={t('signin.login')} autoComplete="username" required />
        <TextField name="password" label={t('signin.password')} type="password" autoComplete="current-password" required />
        {needsTotp && (
          <TextField
            name="totp"
            label={t('signin.totp')}
            hint={t('signin.totp_hint')}
            autoComplete="one-time-code"
            inputMode="numeric"
            required
          />
        )}
        <SubmitButton label={t('signin.submit')} busyLabel={t('signin.submitting')} />
      </Form>
      <p class="aside">
        <a href="/forgot-password">{t('signin.forgot')}</a>
      </p>
    </div>
  );
}
