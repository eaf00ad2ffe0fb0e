// The banner shown on every screen while staff or a reseller acts as someone else ("log in as"),
// with the moment it ends on its own and a button that ends it now.
import { useId } from 'preact/hooks';
import type { Session } from '../api/session';
import { t } from '../i18n/i18n';

interface ActingAsBannerProps {
  actingAs: NonNullable<Session['acting_as']>;
  onEnd: () => void;
}

export function ActingAsBanner({ actingAs, onEnd }: ActingAsBannerProps) {
  const id = useId();
  const until = new Date(actingAs.until).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <section class="acting-as" aria-labelledby={id}>
      <p id={id}>{t('shell.acting_as', { name: actingAs.name, login: actingAs.login, until })}</p>
      <button type="button" onClick={onEnd}>
        {t('shell.acting_as_end', { name: actingAs.name })}
      </button>
    </section>
  );
}
