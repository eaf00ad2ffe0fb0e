// The screen of a path the panel has no screen for. The controller answers such paths with the
// app (200), so the app says what is missing and offers the way back.
import { useLocation } from 'preact-iso/router';
import { t } from '../../i18n/i18n';
import { useScreen } from '../../shell/use_screen';

// The path as the person typed it (the browser percent-encodes it); shown as text either way.
function readablePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function NotFound() {
  const heading = useScreen(t('notfound.title'));
  const path = readablePath(useLocation().path);
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
