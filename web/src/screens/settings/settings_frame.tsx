// The frame of the settings screens every signed-in person has (their own login's password,
// second factor and sessions): the screen's heading (focused on arrival) and the settings'
// own navigation, the current screen marked. API tokens will be one more entry here.
import type { ComponentChildren, Ref } from 'preact';
import { useLocation } from 'preact-iso/router';
import { t } from '../../i18n/i18n';
import type { MessageId } from '../../i18n/messages.en';

export const SETTINGS_SCREENS: readonly { path: string; label: MessageId }[] = [
  { path: '/settings/password', label: 'settings.password' },
  { path: '/settings/second-factor', label: 'settings.second_factor' },
  { path: '/settings/sessions', label: 'settings.sessions' },
];

interface SettingsFrameProps {
  heading: Ref<HTMLHeadingElement>;
  title: string;
  children: ComponentChildren;
}

export function SettingsFrame({ heading, title, children }: SettingsFrameProps) {
  const { path } = useLocation();
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <nav class="subnav" aria-label={t('settings.nav_label')}>
        <ul>
          {SETTINGS_SCREENS.map((s) => (
            <li key={s.path}>
              <a href={s.path} aria-current={path === s.path ? 'page' : undefined}>
                {t(s.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {children}
    </>
  );
}
