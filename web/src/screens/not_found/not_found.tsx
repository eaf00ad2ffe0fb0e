// The screen of a path the panel has no screen for. The controller answers such paths with the
// app (200), so the app says what is missing and offers the way back.
import { useLocation } from 'preact-iso/router';
import { t } from '../../i18n/i18n';
import { useScreen } from '../../shell/use_screen';

export function NotFound() {
  const heading = useScreen(t('notfound.title'));
  const { path } = useLocation();
  return (
    <div class="card">
      <h1 ref={heading} tabIndex={-1}>
        {t('notfound.title')}
      </h1>
      <p>{t('notfound.text', { path })}</p>
      <p>
        <a href="/">{t('notfound.home')}</a>
      </p>
    </div>
  );
}
