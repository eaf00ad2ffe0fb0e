// Debian's chromium driven by playwright-core (headless, loopback only), and a page that records
// what a careful tester watches: console errors, uncaught exceptions, CSP violations, and the
// answers of the API. The launch recipe is shared/notes/panel-order-stack.md's: the binary itself
// (Debian's wrapper script trips over this machine's /dev/shm), GPU, QUIC and background
// networking off; playwright adds --no-sandbox (we run as root) and a temporary profile.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.HP_CHROMIUM ?? '/usr/lib/chromium/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context (no cookies, no cache) and page at the viewport, with its observations.
export async function openPage(browser, base, viewport) {
  const context = await browser.newContext({ viewport, baseURL: base, isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  const page = await context.newPage();
  const seen = { consoleErrors: [], pageErrors: [], apiAnswers: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.consoleErrors.push({ text: msg.text(), url: msg.location().url });
  });
  page.on('pageerror', (err) => seen.pageErrors.push(String(err)));
  page.on('response', (res) => {
    if (res.url().startsWith(`${base}/api/`)) {
      seen.apiAnswers.push({ method: res.request().method(), url: res.url(), status: res.status() });
    }
  });
  return { context, page, seen };
}

// The console errors that are not the browser's own note of an API refusal the page handled
// (Chromium logs "Failed to load resource: ... 401" for every 4xx a fetch gets, as a console
// error; a 4xx is an answer the panel shows the person, never an error of the page; a 5xx is).
export function unexpectedConsoleErrors(seen, base) {
  return seen.consoleErrors.filter((e) => {
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(e.text);
    if (!m || !e.url.startsWith(`${base}/api/`)) return true;
    const status = Number(m[1]);
    const answered = seen.apiAnswers.some((a) => a.url === e.url && a.status === status);
    return !(status >= 400 && status < 500 && answered);
  });
}

export async function screenshot(page, name) {
  const dir = process.env.HP_SCREENSHOT_DIR ?? join(process.cwd(), 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
