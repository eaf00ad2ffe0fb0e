// What every screen does when it appears: names the page ("Sign in · hostplane") and, when the
// person navigated here (not on the first load), moves focus to the screen's heading so that a
// screen reader announces the new screen and the keyboard starts from the top of it. The first
// screen of a page load sets the performance mark "hp:first-screen": rendered, its handlers
// attached, the person can use it (web/bench/first-paint.mjs reads it).
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/i18n';

let firstScreen = true;

export function useScreen(title: string) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = t('app.title', { screen: title });
    if (firstScreen) {
      firstScreen = false;
      performance.mark('hp:first-screen');
      return;
    }
    heading.current?.focus();
  }, [title]);
  return heading;
}
