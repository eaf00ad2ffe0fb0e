// One's own second factor: an authenticator app's codes asked at sign-in after the password.
// Off: a button starts an enrolment (a new secret: its QR code to scan, the secret to type, a
// code to confirm it within the time given). On: how many recovery codes are left, new recovery
// codes (with a code), turning it off (with a code). Recovery codes appear once, right after
// they are made. The API's refusals are shown in the catalog's words.
import { useEffect, useState } from 'preact/hooks';
import {
  confirmSecondFactor,
  disableSecondFactor,
  type Enrolment,
  getSecondFactor,
  newRecoveryCodes,
  startSecondFactor,
} from '../../api/account';
import type { ApiError } from '../../api/client';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { SettingsFrame } from '../settings/settings_frame';
import { CodeForm } from './code_form';
import { QrImage } from './qr_image';
import { parseQrSvg } from './qr_svg';
import { RecoveryCodes } from './recovery_codes';

type View =
  | { kind: 'loading' }
  | { kind: 'unavailable'; error: ApiError }
  | { kind: 'off'; pending: boolean } // pending: an enrolment begun elsewhere (or before a reload)
  | { kind: 'enrolling'; enrolment: Enrolment }
  | { kind: 'codes'; codes: string[] }
  | { kind: 'on'; left: number };

export function SecondFactor({ store }: { store: SessionStore }) {
  const heading = useScreen(t('second_factor.title'));
  const client = store.client;
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [startError, setStartError] = useState<ApiError | null>(null);
  const [starting, setStarting] = useState(false);
  const [turnedOff, setTurnedOff] = useState(false);

  const load = async (signal?: AbortSignal) => {
    const result = await getSecondFactor(client, signal);
    if (signal?.aborted) return;
    if (!result.ok) setView({ kind: 'unavailable', error: result.error });
    else if (result.data.enabled) setView({ kind: 'on', left: result.data.recovery_codes_left ?? 0 });
    else setView({ kind: 'off', pending: result.data.enrolling ?? false });
  };
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [client]);

  const start = async () => {
    setStarting(true);
    setTurnedOff(false);
    const result = await startSecondFactor(client);
    setStarting(false);
    setStartError(result.ok ? null : result.error);
    if (result.ok) setView({ kind: 'enrolling', enrolment: result.data });
  };

  let body;
  switch (view.kind) {
    case 'loading':
      body = <p role="status">{t('list.loading')}</p>;
      break;
    case 'unavailable':
      body = (
        <p class="list-status error" role="alert">
          {refusalText(view.error)}
        </p>
      );
      break;
    case 'off':
      body = (
        <section class="panel" aria-label={t('second_factor.off')}>
          {turnedOff && (
            <p class="notice" role="status">
              {t('second_factor.turned_off')}
            </p>
          )}
          <p>{t('second_factor.off')}</p>
          <p>{t('second_factor.off_intro')}</p>
          {view.pending && <p>{t('second_factor.pending')}</p>}
          <button type="button" class="primary-inline" disabled={starting} onClick={() => void start()}>
            {starting ? t('second_factor.starting') : t('second_factor.start')}
          </button>
          {startError && (
            <p class="field-error" role="alert">
              {refusalText(startError)}
            </p>
          )}
        </section>
      );
      break;
    case 'enrolling':
      body = (
        <Enrolling
          enrolment={view.enrolment}
          onConfirm={async (code) => {
            const result = await confirmSecondFactor(client, code);
            if (!result.ok) return result.error;
            setView({ kind: 'codes', codes: result.data.recovery_codes ?? [] });
            return null;
          }}
        />
      );
      break;
    case 'codes':
      body = <RecoveryCodes codes={view.codes} onDone={() => void load()} />;
      break;
    case 'on':
      body = (
        <>
          <section class="panel" aria-label={t('second_factor.on')}>
            <p class="notice">{t('second_factor.on')}</p>
            <p>{t('second_factor.codes_left', { count: view.left })}</p>
          </section>
          <section class="panel" aria-label={t('second_factor.new_codes')}>
            <h2>{t('second_factor.new_codes')}</h2>
            <p>{t('second_factor.new_codes_intro')}</p>
            <CodeForm
              label={t('second_factor.new_codes')}
              hint={t('second_factor.code_hint')}
              submit={t('second_factor.new_codes_submit')}
              busy={t('second_factor.working')}
              onCode={async (code) => {
                const result = await newRecoveryCodes(client, code);
                if (!result.ok) return result.error;
                setView({ kind: 'codes', codes: result.data.recovery_codes ?? [] });
                return null;
              }}
            />
          </section>
          <section class="panel" aria-label={t('second_factor.disable')}>
            <h2>{t('second_factor.disable')}</h2>
            <p>{t('second_factor.disable_intro')}</p>
            <CodeForm
              label={t('second_factor.disable')}
              hint={t('second_factor.code_hint')}
              submit={t('second_factor.disable_submit')}
              busy={t('second_factor.working')}
              onCode={async (code) => {
                const result = await disableSecondFactor(client, code);
                if (!result.ok) return result.error;
                setTurnedOff(true);
                setView({ kind: 'off', pending: false });
                return null;
              }}
            />
          </section>
        </>
      );
      break;
  }

  return (
    <SettingsFrame heading={heading} title={t('second_factor.title')}>
      {body}
    </SettingsFrame>
  );
}

interface EnrollingProps {
  enrolment: Enrolment;
  onConfirm: (code: string) => Promise<ApiError | null>;
}

// The enrolment under way: scan (or type), then confirm with the app's code.
function Enrolling({ enrolment, onConfirm }: EnrollingProps) {
  const shape = parseQrSvg(enrolment.qr_svg ?? '');
  const before = enrolment.confirm_before
    ? new Date(enrolment.confirm_before).toLocaleTimeString('en', { timeStyle: 'short' })
    : '';
  return (
    <section class="panel" aria-label={t('second_factor.enrol')}>
      <h2>{t('second_factor.enrol')}</h2>
      <ol class="steps">
        <li>{t('second_factor.step_scan')}</li>
        <li>{t('second_factor.step_confirm', { time: before })}</li>
      </ol>
      {shape && <QrImage shape={shape} />}
      <p>
        {t('second_factor.secret_label')} <code class="secret">{enrolment.secret}</code>
      </p>
      <CodeForm
        label={t('second_factor.confirm')}
        hint={t('second_factor.confirm_hint')}
        submit={t('second_factor.confirm_submit')}
        busy={t('second_factor.working')}
        onCode={onConfirm}
      />
    </section>
  );
}
