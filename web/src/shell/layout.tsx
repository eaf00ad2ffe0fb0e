// The frame of every screen of a signed-in person: a skip link, the header (product name, who is
// signed in and in which role, sign-out), the "acting as" banner while it lasts, the navigation
// (a menu button folds it away at phone width) and the main region the screen renders into.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { t } from '../i18n/i18n';
import type { MessageId } from '../i18n/messages.en';
import { ActingAsBanner } from './acting_as_banner';
import { isCustomerView } from './customer_view';
import type { SessionStore } from './session_store';

interface NavItem {
  path: string;
  label: MessageId;
}

const CUSTOMER_NAV: readonly NavItem[] = [
  { path: '/', label: 'nav.overview' },
  { path: '/sites', label: 'nav.sites' },
  { path: '/mailboxes', label: 'nav.mailboxes' },
  { path: '/forwarders', label: 'nav.forwarders' },
  { path: '/ftp-users', label: 'nav.ftp' },
  { path: '/databases', label: 'nav.databases' },
  { path: '/dns', label: 'nav.dns' },
  { path: '/certificates', label: 'nav.certificates' },
  { path: '/files', label: 'nav.files' },
  { path: '/settings', label: 'nav.settings' },
];

// A reseller's: its customers and its plans.
const RESELLER_NAV: readonly NavItem[] = [
  { path: '/', label: 'nav.overview' },
  { path: '/customers', label: 'nav.customers' },
  { path: '/plans', label: 'nav.plans' },
  { path: '/tasks', label: 'nav.tasks' },
  { path: '/audit', label: 'nav.audit' },
  { path: '/settings', label: 'nav.settings' },
];

// Staff (admin, support): every customer, and the company's resellers and nodes.
const STAFF_NAV: readonly NavItem[] = [
  { path: '/', label: 'nav.overview' },
  { path: '/customers', label: 'nav.customers' },
  { path: '/resellers', label: 'nav.resellers' },
  { path: '/plans', label: 'nav.plans' },
  { path: '/nodes', label: 'nav.nodes' },
  { path: '/tasks', label: 'nav.tasks' },
  { path: '/audit', label: 'nav.audit' },
  { path: '/settings', label: 'nav.settings' },
];

export function navItems(store: SessionStore): readonly NavItem[] {
  if (isCustomerView(store)) return CUSTOMER_NAV;
  const role = store.session.value?.person.role;
  if (role === 'reseller') return RESELLER_NAV;
  if (role === 'admin' || role === 'support') return STAFF_NAV;
  return [
    { path: '/', label: 'nav.overview' },
    { path: '/settings', label: 'nav.settings' },
  ];
}

// "/dns/acme.example" is under "/dns"; "/" is only itself.
function isCurrent(item: string, path: string): boolean {
  return item === '/' ? path === '/' : path === item || path.startsWith(`${item}/`);
}

interface LayoutProps {
  store: SessionStore;
  children: ComponentChildren;
}

export function Layout({ store, children }: LayoutProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  const { path } = useLocation();
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
            {navItems(store).map((item) => (
              <li key={item.path}>
                <a
                  href={item.path}
                  aria-current={isCurrent(item.path, path) ? 'page' : undefined}
                  onClick={() => setMenuOpen(false)}
                >
                  {t(item.label)}
                </a>
              </li>
            ))}
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
