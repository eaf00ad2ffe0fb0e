// The settings of one's own login and the certificates screen in Debian's Chromium against a real
// `hostplane up` (web services): a customer changes the password (the old one is then refused at
// sign-in, the new one works, the other browser's session has ended), ends another session from
// the sessions screen, turns the second factor on (the TOTP codes are computed here, RFC 6238
// with node:crypto, from the secret the screen shows) and signs in again with it, signs in once
// with a recovery code (its second use is refused), and gets its website a certificate from a
// private ACME CA (Debian's pebble: hp_up_fixture --acme), followed live to "Issued". Every screen
// at desktop and phone width: no WCAG 2 A/AA violation (axe-core), no console error, no inline
// style, a screenshot (build/screenshots).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { launchChromium, openPage, screenshot, VIEWPORTS } from './support/chromium.mjs';
import { appliedLive, assertCleanScreen as assertClean, openScreen, settled, signIn } from './support/panel.mjs';
import { startUp } from './support/up.mjs';

const CUSTOMER = 'setcust';
const PHONE_CUSTOMER = 'setphone';
const PASSWORD = 'Settings-pass-first-1';
const NEW_PASSWORD = 'Settings-pass-second-2';
const SITE = 'setcust.example';

let up;
let browser;
const shots = [];

async function admin(method, path, body) {
  const res = await fetch(`${up.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${up.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

before(async () => {
  up = await startUp(['--acme']);
  browser = await launchChromium();
  for (const login of [CUSTOMER, PHONE_CUSTOMER]) {
    const created = await admin('POST', '/api/v1/customers', { login, email: `${login}@panel.test`, password: PASSWORD });
    assert.equal(created.status, 201, created.text);
  }
  const site = await admin('POST', '/api/v1/sites', { domain: SITE, customer: CUSTOMER });
  assert.equal(site.status, 201, site.text);
  // The site's vhost answers the ACME challenge: it must be applied before a certificate is asked.
  for (const task of JSON.parse(site.text).tasks) {
    const done = await admin('GET', `/api/v1/tasks/${task.id}/wait?timeout_ms=30000`);
    assert.equal(JSON.parse(done.text).task.state, 'applied', done.text);
  }
});

after(async () => {
  await browser?.close();
  // The fixture deletes every customer (its Unix user, pools) before it stops.
  await up?.stop();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

async function assertCleanScreen(page, seen, what) {
  await assertClean(page, seen, up.url, what);
}

// RFC 4648 base32 (the secret as the screen shows it) to bytes.
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238 with the controller's parameters (SHA-1, 6 digits, 30 s steps) for step `step`.
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 30_000);

// Signs in with the password, then the second factor's code when the screen asks for it; returns
// what the screen said (the first screen's heading, or the code field's error).
async function signInWithCode(page, password, code) {
  await page.goto('/');
  await page.getByLabel('Login name or e-mail address').fill(CUSTOMER);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const field = page.getByLabel('Code from your authenticator app');
  await field.waitFor();
  await field.fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const overview = page.getByRole('heading', { name: 'Overview', level: 1 });
  const refused = page.getByText('This code is not right, or it was used already.');
  await overview.or(refused).first().waitFor();
  return (await overview.isVisible()) ? 'signed in' : await refused.textContent();
}

// The sign-in screen, once the page is loaded again: this browser's session has ended.
async function signedOut(page) {
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

describe('settings and certificates at desktop width', () => {
  it('password, sessions, second factor and recovery codes, certificates', async () => {
    const a = await openPage(browser, up.url, VIEWPORTS.desktop);
    const b = await openPage(browser, up.url, VIEWPORTS.desktop);
    const { page, seen } = a;
    try {
      await signIn(page, CUSTOMER, PASSWORD);
      await signIn(b.page, CUSTOMER, PASSWORD);

      // Password: the policy's refusal and a wrong current password, each beside its field; the
      // right one changes it (typed and sent with the keyboard), and the other browser's session
      // ends.
      await openScreen(page, 'Settings', 'Password');
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByLabel('New password again').fill('short');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('A password has at least 12 characters.').waitFor();
      await page.getByLabel('Current password').fill('not-the-password-1');
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('New password again').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('This is not your current password.').waitFor();
      assert.equal(await page.getByLabel('Current password').evaluate((e) => e === document.activeElement), true);
      await page.keyboard.press('Control+A');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.getByText('Your password was changed. 1 other session was ended.').waitFor();
      await assertCleanScreen(page, seen, 'password');
      shots.push(await screenshot(page, 'settings-password-desktop'));

      await signedOut(b.page);
      await b.page.getByLabel('Login name or e-mail address').fill(CUSTOMER);
      await b.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await b.page.getByRole('button', { name: 'Sign in' }).click();
      await b.page.getByText('The login name or the password is not right.').waitFor();
      await signIn(b.page, CUSTOMER, NEW_PASSWORD);

      // Sessions: this browser marked, the other one ended from here.
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Sessions' }).click();
      await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
      await settled(page);
      const rows = page.getByRole('table').getByRole('row');
      assert.equal(await rows.count(), 3, 'a header and two sessions');
      assert.match(await rows.nth(1).textContent(), /This browser/);
      await assertCleanScreen(page, seen, 'sessions');
      shots.push(await screenshot(page, 'settings-sessions-desktop'));
      await page.getByRole('button', { name: /^End the session signed in/ }).click();
      await page.getByText('1 session was ended.').waitFor();
      await settled(page);
      assert.equal(await rows.count(), 2, 'a header and this session');
      await signedOut(b.page);

      // Second factor: enrol with the secret the screen shows, a code computed here.
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Second factor' }).click();
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.getByRole('img', { name: /QR code/ }).waitFor();
      const qrPath = await page.locator('svg.qr-code path').getAttribute('d');
      assert.match(qrPath, /^M\d+ \d+h1v1h-1z/, 'the QR code is drawn from the API\'s modules');
      const secret = (await page.locator('code.secret').textContent()).trim();
      await assertCleanScreen(page, seen, 'second factor enrolment');
      shots.push(await screenshot(page, 'settings-second-factor-desktop'));
      await page.getByLabel('Code', { exact: true }).fill('000000');
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByText('This code is not right, or it was used already.').waitFor();
      const confirmedAt = stepNow();
      await page.getByLabel('Code', { exact: true }).fill(totp(secret, confirmedAt));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
      await page.getByText(/shown only this once/).waitFor();
      const codes = (await page.locator('.code-list code').allTextContents()).map((c) => c.trim());
      assert.equal(codes.length, 10, codes.join(' '));
      assert.equal(await page.getByRole('link', { name: 'Download' }).getAttribute('download'), 'hostplane-recovery-codes.txt');
      await assertCleanScreen(page, seen, 'recovery codes');
      shots.push(await screenshot(page, 'settings-recovery-codes-desktop'));
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.getByText('10 recovery codes are left.').waitFor();

      // Signing in again asks for the code: the next step's (the confirmed one cannot be replayed).
      const c = await openPage(browser, up.url, VIEWPORTS.desktop);
      assert.equal(await signInWithCode(c.page, NEW_PASSWORD, totp(secret, Math.max(confirmedAt + 1, stepNow()))), 'signed in');
      await c.context.close();
      // A recovery code works once.
      const d = await openPage(browser, up.url, VIEWPORTS.desktop);
      assert.equal(await signInWithCode(d.page, NEW_PASSWORD, codes[0]), 'signed in');
      await signedOut(b.page);
      assert.equal(await signInWithCode(b.page, NEW_PASSWORD, codes[0]), 'This code is not right, or it was used already.');
      await d.context.close();
      await page.reload();
      await page.getByText('9 recovery codes are left.').waitFor();

      // Certificates: none yet; one asked for, issued by the ACME CA, followed live.
      await openScreen(page, 'Certificates', 'Certificates');
      const row = page.getByRole('row', { name: new RegExp(SITE.replace('.', '\\.')) });
      assert.match(await row.textContent(), /None.*Never.*Off/, await row.textContent());
      await page.getByRole('button', { name: `Get a certificate for ${SITE}` }).click();
      await appliedLive(page, `Certificate for ${SITE} requested`);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForFunction(
        (site) => [...document.querySelectorAll('tr')].some((r) => r.textContent.includes(site) && r.textContent.includes('Issued')),
        SITE,
      );
      await settled(page);
      assert.match(await row.textContent(), /Issued/, await row.textContent());
      await assertCleanScreen(page, seen, 'certificates');
      shots.push(await screenshot(page, 'certificates-desktop'));
      await assertCleanScreen(b.page, b.seen, 'the other browser');
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});

describe('settings and certificates at phone width', () => {
  it('every settings screen and the certificates screen, through the folded menu', async () => {
    const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.phone);
    try {
      await signIn(page, PHONE_CUSTOMER, PASSWORD);
      await openScreen(page, 'Settings', 'Password');
      await assertCleanScreen(page, seen, 'password (phone)');
      shots.push(await screenshot(page, 'settings-password-phone'));
      await page.getByRole('link', { name: 'Second factor' }).click();
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.getByRole('img', { name: /QR code/ }).waitFor();
      await assertCleanScreen(page, seen, 'second factor (phone)');
      shots.push(await screenshot(page, 'settings-second-factor-phone'));
      await page.getByRole('link', { name: 'Sessions' }).click();
      await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
      await settled(page);
      await assertCleanScreen(page, seen, 'sessions (phone)');
      shots.push(await screenshot(page, 'settings-sessions-phone'));
      await openScreen(page, 'Certificates', 'Certificates');
      await assertCleanScreen(page, seen, 'certificates (phone)');
      shots.push(await screenshot(page, 'certificates-phone'));
    } finally {
      await context.close();
    }
  });
});
