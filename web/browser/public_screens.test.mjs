// The panel's public screens (sign in, forgot password, not found) in Debian's Chromium against a
// real `hostplane up`, at desktop and phone width: served by the controller with its security
// headers and a CSP the browser enforces, no WCAG 2 A/AA violation (axe-core), no console error,
// usable with the keyboard alone, each form's request shaped as the session contract says
// (src/api/session.ts), and a screenshot of each screen.
//
// The session routes themselves come with issue 14; until then the API answers them 404 and the
// forms show that answer in the catalog's words. The checks accept exactly the answers of the
// contract (201/401/429 for sign-in, 202/429 for the reset link) or today's 404.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { axeRuleCount, axeViolations } from './support/axe.mjs';
import { launchChromium, openPage, screenshot, unexpectedConsoleErrors, VIEWPORTS } from './support/chromium.mjs';
import { startUp } from './support/up.mjs';

let up;
let browser;
const shots = [];

before(async () => {
  up = await startUp();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await up?.stop();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

const CSP_PARTS = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
];

function assertSecurityHeaders(headers, what) {
  const csp = headers['content-security-policy'] ?? '';
  for (const part of CSP_PARTS) assert.ok(csp.includes(part), `${what}: CSP lacks ${part}: ${csp}`);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${what}: ${csp}`);
  assert.equal(headers['x-content-type-options'], 'nosniff', what);
  assert.equal(headers['referrer-policy'], 'same-origin', what);
  assert.equal(headers['x-frame-options'], 'DENY', what);
}

// What every screen must pass: no axe violation, no inline style attribute, no console error.
// (Empty style attributes are axe-core's: its checks set and reset inline styles through the
// CSSOM, which leaves style="" behind on the inputs it looked at.)
async function assertCleanScreen(page, seen, what) {
  const styled = await page.evaluate(() =>
    [...document.querySelectorAll('[style]:not([style=""])')].map((e) => e.outerHTML.slice(0, 200)),
  );
  assert.deepEqual(styled, [], `${what}: elements with a style attribute`);
  assert.deepEqual(await axeViolations(page), [], `${what}: axe-core WCAG 2 A/AA violations`);
  assert.ok((await axeRuleCount(page)) > 50, 'axe-core ran its WCAG rules');
  assert.deepEqual(unexpectedConsoleErrors(seen, up.url), [], `${what}: console errors`);
  assert.deepEqual(seen.pageErrors, [], `${what}: uncaught exceptions`);
}

for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
  describe(`public screens at ${viewportName} width (${viewport.width}px)`, () => {
    it('sign in: served with the security headers, accessible, and shaped by the contract', async () => {
      const { context, page, seen } = await openPage(browser, up.url, viewport);
      try {
        const response = await page.goto('/');
        assert.equal(response.status(), 200);
        assertSecurityHeaders(response.headers(), 'GET /');
        await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
        assert.equal(new URL(page.url()).pathname, '/sign-in', '/ leads a signed-out browser to /sign-in');
        assert.equal(await page.title(), 'Sign in · hostplane');
        // The app asked who this browser is, and took the answer as "signed out".
        assert.ok(seen.apiAnswers.some((a) => a.method === 'GET' && a.url === `${up.url}/api/v1/sessions/current`));
        await assertCleanScreen(page, seen, 'sign-in');
        shots.push(await screenshot(page, `sign-in-${viewportName}`));

        // Empty fields: the form says so beside each field, without asking the API.
        const before = seen.apiAnswers.length;
        await page.getByRole('button', { name: 'Sign in' }).click();
        const login = page.getByLabel('Login name or e-mail address');
        await page.getByText('2 fields need your attention.').waitFor();
        assert.equal(await login.getAttribute('aria-invalid'), 'true');
        assert.equal(seen.apiAnswers.length, before, 'no request for an empty form');
        await page.waitForFunction(() => document.activeElement?.getAttribute('autocomplete') === 'username');
        await assertCleanScreen(page, seen, 'sign-in with field errors');
        shots.push(await screenshot(page, `sign-in-errors-${viewportName}`));

        // Credentials: POST /api/v1/sessions {login, password}; the answer shown in words.
        await login.fill('acme');
        await page.getByLabel('Password').fill('a wrong password');
        const [request] = await Promise.all([
          page.waitForRequest((r) => r.url() === `${up.url}/api/v1/sessions` && r.method() === 'POST'),
          page.getByLabel('Password').press('Enter'),
        ]);
        assert.deepEqual(request.postDataJSON(), { login: 'acme', password: 'a wrong password' });
        assert.equal(request.headers()['content-type'], 'application/json');
        const answer = await request.response();
        const expected = {
          401: 'The login name or the password is not right.',
          404: 'This does not exist, or you may not see it.',
        }[answer.status()];
        assert.ok(expected, `POST /api/v1/sessions answered ${answer.status()}, not a status of the contract`);
        await page.getByRole('alert').filter({ hasText: expected }).waitFor();
        assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is cleared after a refusal');
        await assertCleanScreen(page, seen, 'sign-in refused');
      } finally {
        await context.close();
      }
    });

    it('forgot password: reached by keyboard from sign in, asks for the link', async () => {
      const { context, page, seen } = await openPage(browser, up.url, viewport);
      try {
        await page.goto('/sign-in');
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        // Tab order: skip link, product name, login, password, submit, forgot-password link.
        const order = [];
        for (let i = 0; i < 6; i += 1) {
          await page.keyboard.press('Tab');
          order.push(await page.evaluate(() => {
            const el = document.activeElement;
            return el?.getAttribute('aria-label') || el?.labels?.[0]?.textContent || el?.textContent?.trim() || el?.tagName;
          }));
        }
        assert.deepEqual(order, [
          'Skip to content',
          'hostplane',
          'Login name or e-mail address',
          'Password',
          'Sign in',
          'Forgot your password?',
        ]);
        await page.keyboard.press('Enter');
        const heading = page.getByRole('heading', { name: 'Forgot your password', level: 1 });
        await heading.waitFor();
        assert.equal(new URL(page.url()).pathname, '/forgot-password');
        // The app moved focus to the new screen's heading (a screen reader announces it).
        await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
        assert.equal(await page.title(), 'Forgot your password · hostplane');
        await assertCleanScreen(page, seen, 'forgot-password');
        shots.push(await screenshot(page, `forgot-password-${viewportName}`));

        await page.getByLabel('Login name or e-mail address').fill('acme');
        const [request] = await Promise.all([
          page.waitForRequest((r) => r.url() === `${up.url}/api/v1/password-resets` && r.method() === 'POST'),
          page.getByRole('button', { name: 'Send the link' }).click(),
        ]);
        assert.deepEqual(request.postDataJSON(), { login: 'acme' });
        const answer = await request.response();
        if (answer.status() === 202) {
          await page.getByText('If an account has that name or address, a link is on its way.', { exact: false }).waitFor();
        } else {
          assert.equal(answer.status(), 404, 'the contract answers 202 (or 429); today the route is absent');
          await page.getByRole('alert').filter({ hasText: 'This does not exist, or you may not see it.' }).waitFor();
        }
        await assertCleanScreen(page, seen, 'forgot-password answered');
      } finally {
        await context.close();
      }
    });

    it('not found: a path without a screen gets the app, which says so, as text', async () => {
      const { context, page, seen } = await openPage(browser, up.url, viewport);
      try {
        const hostile = '/no/such/<img src=x onerror=alert(1)>';
        const response = await page.goto(hostile);
        assert.equal(response.status(), 200, 'the controller answers a screen path with the app');
        assertSecurityHeaders(response.headers(), `GET ${hostile}`);
        await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
        const text = await page.locator('main').innerText();
        assert.ok(text.includes('There is no page at /no/such/<img src=x onerror=alert(1)>.'), text);
        assert.equal(await page.locator('main img').count(), 0, 'the path is text, not markup');
        await assertCleanScreen(page, seen, 'not-found');
        shots.push(await screenshot(page, `not-found-${viewportName}`));

        // The skip link, first in the tab order, takes the keyboard to the screen's content.
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.activeElement?.id === 'main');
        assert.equal(new URL(page.url()).hash, '#main');
        assert.equal(await page.getByRole('heading', { name: 'Page not found' }).count(), 1, 'still on the same screen');

        await page.getByRole('link', { name: 'Go to the start page' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(new URL(page.url()).pathname, '/sign-in');
      } finally {
        await context.close();
      }
    });
  });
}

describe('serving', () => {
  it('the browser enforces the CSP: no inline script runs, no style attribute applies', async () => {
    const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.desktop);
    try {
      await page.goto('/sign-in');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      const outcome = await page.evaluate(async () => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        document.head.appendChild(script);
        const h1 = document.querySelector('h1');
        const before = getComputedStyle(h1).color;
        h1.setAttribute('style', 'color: rgb(255, 0, 0)');
        const after = getComputedStyle(h1).color;
        h1.removeAttribute('style');
        await new Promise((r) => setTimeout(r, 100));
        return { ran: window.__inlineRan === true, before, after, violations };
      });
      assert.equal(outcome.ran, false, 'an inline script ran');
      assert.equal(outcome.after, outcome.before, 'a style attribute applied');
      assert.ok(outcome.violations.includes('script-src-elem'), JSON.stringify(outcome.violations));
      assert.ok(outcome.violations.some((d) => d.startsWith('style-src')), JSON.stringify(outcome.violations));
      // The browser reported both refusals on the console: that is the CSP working.
      assert.ok(seen.consoleErrors.some((e) => e.text.includes('Content Security Policy')));
    } finally {
      await context.close();
    }
  });

  it('hashed assets are compressed and cached for a year, the app revalidates, a missing asset is a 404', async () => {
    const { context, page } = await openPage(browser, up.url, VIEWPORTS.desktop);
    try {
      const assets = [];
      page.on('response', (r) => {
        if (new URL(r.url()).pathname.startsWith('/assets/')) assets.push(r);
      });
      const index = await page.goto('/sign-in');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(index.headers()['cache-control'], 'no-cache');
      assert.match(index.headers()['etag'] ?? '', /^"[0-9a-f]{32}-br"$/, 'the ETag of the brotli coding');
      assert.ok(assets.length >= 2, 'the script and the style sheet');
      for (const r of assets) {
        assert.equal(r.status(), 200, r.url());
        assert.equal(r.headers()['cache-control'], 'public, max-age=31536000, immutable', r.url());
        // Compressed once at load, sent as Chromium accepts (it asks for br among others).
        assert.equal(r.headers()['content-encoding'], 'br', r.url());
        assertSecurityHeaders(r.headers(), r.url());
      }
      const missing = await page.request.get('/assets/index-0000000.js');
      assert.equal(missing.status(), 404);
      assert.equal((await missing.json()).error.code, 'not_found');
      const api = await page.request.get('/api/v1/no-such-route');
      assert.equal(api.status(), 404);
      assert.equal((await api.json()).error.code, 'not_found');
    } finally {
      await context.close();
    }
  });
});
