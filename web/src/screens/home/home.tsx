// The first screen after signing in. Its dashboards (services with their live state, usage
// against the plan) come with the customer, reseller and admin views (issue 19, part 2).
import { t } from '../../i18n/i18n';
import { useScreen } from '../../shell/use_screen';
import type { SessionStore } from '../../shell/session_store';

export function Home({ store }: { store: SessionStore }) {
  const heading = useScreen(t('home.title'));
  const person = store.session.value?.person;
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('home.title')}
      </h1>
      <p>{t('home.welcome', { name: person?.name || person?.login || '' })}</p>
    </>
  );
}
