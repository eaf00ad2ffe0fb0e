// The frame of every screen of a signed-in person: a skip link, the header (product name, who is
// signed in and in which role, sign-out), the "acting as" banner while it lasts, the navigation
// (a menu button folds it away at phone width) and the main region the screen renders into.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { ActingAsBanner } from './acting_as_banner';
import type { SessionStore } from './session_store';

interface LayoutProps {
  store: SessionStore;
  children: ComponentChildren;
}

export function Layout({ store, children }: LayoutProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  const session = store.session.value;
  if (!session) return null;
  const { person } = session;
  return (
    <div class="app">
      <a class="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <header class="app-header">
        <a class="brand" href="/">
          {t('app.name')}
        </a>
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls="app-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          {t('shell.menu')}
        </button>
        <div class="who">
          <span>{t('shell.signed_in_as', { name: person.name || person.login })}</span>
          <span class="role">{t('shell.role', { role: person.role })}</span>
          <button type="button" onClick={() => void store.signOut()}>
            {t('shell.sign_out')}
          </button>
        </div>
      </header>
      {session.acting_as && (
        <ActingAsBanner actingAs={session.acting_as} onEnd={() => void store.stopActingAs()} />
      )}
      <div class="app-body">
        <nav id="app-nav" class={menuOpen ? 'app-nav open' : 'app-nav'} aria-label={t('shell.nav_label')}>
          <ul>
            <li>
              <a href="/">{t('nav.overview')}</a>
            </li>
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

// The frame of the screens anyone may see (sign-in, forgot password, not found).
export function PublicLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="public">
      <a class="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <header class="public-header">
        <a class="brand" href="/sign-in">
          {t('app.name')}
        </a>
      </header>
      <main id="main" tabIndex={-1} class="public-main">
        {children}
      </main>
    </div>
  );
}
