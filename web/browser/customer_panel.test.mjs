// The customer's panel in Debian's Chromium against a real `hostplane up` with every service: a
// customer signs in, adds a website, a mailbox, a DNS zone with records and a database in the
// panel, and sees each change go from pending to applied without a reload; then the work is
// checked outside the browser: the site answers over the instance's nginx, a message sent to the
// new mailbox over SMTP is read back over IMAP, the records are served by Knot. Bad input shows
// the API's field code in the catalog's words beside its field; an XSS payload in a TXT record
// renders as text. Every screen, at desktop and phone width: no WCAG 2 A/AA violation
// (axe-core), no console error, no inline style; a screenshot of each (build/screenshots; the
// README shows two of them, copied into docs/screenshots).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { launchChromium, openPage, screenshot, VIEWPORTS } from './support/chromium.mjs';
import {
  appliedLive,
  assertCleanScreen as assertClean,
  httpGet,
  openScreen,
  settled,
  signIn as signInAs,
} from './support/panel.mjs';
import { startUp } from './support/up.mjs';

const run = promisify(execFile);
const MAIL_PROBE = fileURLToPath(new URL('../../tests/integration/mail/mail_probe.py', import.meta.url));

const CUSTOMER = 'panelc';
const PASSWORD = 'Panel-customer-pass-1';
const DOMAIN = 'shopc.example';
const MAILBOX = `info@${DOMAIN}`;
const MAILBOX_PASSWORD = 'Mailbox-pass-12345';
const DATABASE = `${CUSTOMER}_shop`;
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

let up;
let browser;
const shots = [];

async function admin(method, path, body) {
  const res = await fetch(`${up.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${up.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

before(async () => {
  up = await startUp(['--all-services']);
  browser = await launchChromium();
  const created = await admin('POST', '/api/v1/customers', { login: CUSTOMER, email: 'owner@panel.test', password: PASSWORD });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  await browser?.close();
  // The fixture deletes every customer (its Unix user, pools, databases) before it stops.
  await up?.stop();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

async function signIn(page) {
  await signInAs(page, CUSTOMER, PASSWORD);
}

async function assertCleanScreen(page, seen, what) {
  await assertClean(page, seen, up.url, what);
}

// The error shown beside the input labelled `label`: the input says it is invalid, and the text
// its aria-describedby points at.
async function fieldError(page, label) {
  const input = page.getByLabel(label, { exact: true });
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await input.elementHandle());
  return input.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id))
      .filter((e) => e?.classList.contains('field-error'))
      .map((e) => e.textContent)
      .join(' '),
  );
}

// The accessible names of what Tab reaches from the top of the page (its first stop, the skip
// link), in order, until `last` (or 60 presses).
async function tabStops(page, last) {
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  const names = ['Skip to content'];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return '';
      const label = e.id ? document.querySelector(`label[for="${e.id}"]`)?.textContent : null;
      return (e.getAttribute('aria-label') ?? label ?? e.textContent ?? '').trim();
    });
    names.push(name);
    if (name === last) break;
  }
  return names;
}

async function mailProbe(request) {
  const child = execFile('python3', [MAIL_PROBE], { timeout: 30_000 });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stdin.end(JSON.stringify(request));
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out);
}

describe('the customer panel at desktop width', () => {
  it('adds a website, a mailbox, DNS records and a database; each turns applied live and works', async () => {
    const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.desktop);
    try {
      await signIn(page);
      const firstLoad = await page.evaluate(() => performance.getEntriesByType('navigation')[0].startTime);
      await page.evaluate(() => (window.__samePage = true));

      // Websites: a bad domain is refused beside its field, and nothing is written.
      await openScreen(page, 'Websites', 'Websites');
      await page.getByLabel('Domain', { exact: true }).fill('bad..example');
      await page.getByRole('button', { name: 'Add website' }).click();
      const domainError = await fieldError(page, 'Domain');
      assert.match(domainError, /two dots in a row/, `the catalog's words for the domain's code: ${domainError}`);
      assert.equal(await page.getByLabel('Domain', { exact: true }).evaluate((e) => e === document.activeElement), true);
      assert.equal(await page.locator('.change').count(), 0, 'a refused site is not a change');

      // Keyboard only: type the domain and press Enter.
      await page.getByLabel('Domain', { exact: true }).fill('');
      await page.keyboard.type(DOMAIN);
      await page.keyboard.press('Enter');
      await appliedLive(page, `Website ${DOMAIN} added`);
      await page.getByRole('link', { name: `Settings of ${DOMAIN}` }).waitFor();
      await settled(page);
      // Everything is reachable with Tab, in reading order.
      const stops = await tabStops(page, `Delete ${DOMAIN}`);
      const order = ['Skip to content', 'Websites', 'Domain', 'Add website', `Settings of ${DOMAIN}`,
        `Get a certificate for ${DOMAIN}`, `Delete ${DOMAIN}`];
      const at = order.map((name) => stops.indexOf(name));
      assert.ok(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1])), `tab order: ${stops.join(' | ')}`);
      await assertCleanScreen(page, seen, 'websites');
      shots.push(await screenshot(page, 'customer-sites-desktop'));

      // The site answers over the instance's nginx: its welcome page, and a file put into its
      // docroot through the API.
      const welcome = await httpGet(up.http_port, DOMAIN, '/');
      assert.equal(welcome.status, 200, welcome.body);
      assert.match(welcome.body, new RegExp(`<h1>${DOMAIN}</h1>`));
      const marker = `panel site ${Date.now()}`;
      const put = await admin('PUT', `/api/v1/customers/${CUSTOMER}/files/content?path=sites/${DOMAIN}/public/panel.txt`, marker);
      assert.ok(put.status < 300, put.text);
      const served = await httpGet(up.http_port, DOMAIN, '/panel.txt');
      assert.equal(served.status, 200, `${served.body} (put: ${put.text})`);
      assert.equal(served.body, marker);

      // Its settings: another name for it, saved and applied live, then served by nginx too.
      await page.getByRole('link', { name: `Settings of ${DOMAIN}` }).click();
      await page.getByRole('heading', { name: `Website ${DOMAIN}`, level: 1 }).waitFor();
      await page.getByLabel('Other names (optional)').fill(`www.${DOMAIN}`);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await appliedLive(page, `Settings of ${DOMAIN} saved`);
      await assertCleanScreen(page, seen, 'site settings');
      shots.push(await screenshot(page, 'customer-site-settings-desktop'));
      const alias = await httpGet(up.http_port, `www.${DOMAIN}`, '/panel.txt');
      assert.equal(alias.status, 200, alias.body);
      assert.equal(alias.body, marker);

      // Mailboxes: added, applied live, and a message sent over SMTP is read over IMAP.
      await openScreen(page, 'Mailboxes', 'Mailboxes');
      await page.getByLabel('E-mail address').fill(MAILBOX);
      await page.getByLabel('Password', { exact: true }).fill(MAILBOX_PASSWORD);
      await page.getByRole('button', { name: 'Add mailbox' }).click();
      await appliedLive(page, `Mailbox ${MAILBOX} added`);
      await page.getByRole('cell', { name: MAILBOX, exact: true }).waitFor();
      await settled(page);
      await assertCleanScreen(page, seen, 'mailboxes');
      shots.push(await screenshot(page, 'customer-mailboxes-desktop'));
      const subject = `panel-${Date.now()}`;
      const sent = await mailProbe({
        op: 'send', port: up.ports.smtp, mode: 'plain', mail_from: 'friend@sender.test', rcpt_to: [MAILBOX], subject,
      });
      assert.ok(sent.ok, JSON.stringify(sent));
      let read = null;
      for (let i = 0; i < 50 && !(read?.matches > 0); i++) {
        if (i) await new Promise((r) => setTimeout(r, 300));
        read = await mailProbe({ op: 'imap', port: up.ports.imap, mode: 'plain', user: MAILBOX, password: MAILBOX_PASSWORD, subject });
      }
      assert.equal(read.matches, 1, JSON.stringify(read));
      assert.match(read.messages[0], new RegExp(`Subject: ${subject}`));

      // DNS: a zone, then typed records in it; a bad address is refused beside its input; an XSS
      // payload in a TXT record is shown as text.
      await openScreen(page, 'DNS zones', 'DNS zones');
      await page.getByLabel('Domain', { exact: true }).fill(DOMAIN);
      await page.getByRole('button', { name: 'Add zone' }).click();
      await appliedLive(page, `Zone ${DOMAIN} added`);
      await settled(page);
      await assertCleanScreen(page, seen, 'zones');
      shots.push(await screenshot(page, 'customer-zones-desktop'));
      await page.getByRole('link', { name: `Records of ${DOMAIN}` }).click();
      await page.getByRole('heading', { name: `DNS records of ${DOMAIN}`, level: 1 }).waitFor();
      await settled(page);

      await page.getByLabel('Name', { exact: true }).fill('app');
      await page.getByLabel('IPv4 address').fill('300.1.2.3');
      await page.getByRole('button', { name: 'Add record' }).click();
      assert.match(await fieldError(page, 'IPv4 address'), /not valid for this record type/);
      await page.getByLabel('IPv4 address').fill('192.0.2.10');
      await page.getByRole('button', { name: 'Add record' }).click();
      await appliedLive(page, `Record app A 192.0.2.10 added`);

      await page.getByLabel('Name', { exact: true }).fill('@');
      await page.getByLabel('Type').selectOption('MX');
      await page.getByLabel('Preference').fill('20');
      await page.getByLabel('Mail server').fill(`backup.${DOMAIN}`);
      await page.getByRole('button', { name: 'Add record' }).click();
      await appliedLive(page, `Record @ MX 20 backup.${DOMAIN} added`);

      await page.getByLabel('Name', { exact: true }).fill('note');
      await page.getByLabel('Type').selectOption('TXT');
      await page.getByLabel('Text').fill(XSS);
      await page.getByRole('button', { name: 'Add record' }).click();
      await appliedLive(page, 'Record note TXT');
      await page.getByRole('cell', { name: XSS, exact: true }).waitFor();
      assert.equal(await page.evaluate(() => window.__xss), undefined, 'the payload ran');
      assert.equal(await page.locator('main img, main script').count(), 0, 'the payload became markup');
      await settled(page);
      await assertCleanScreen(page, seen, 'records');
      shots.push(await screenshot(page, 'customer-records-desktop'));
      const dig = async (name, type) =>
        (await run('/usr/bin/kdig', ['@127.0.0.1', '-p', String(up.ports.dns), '+short', '+timeout=2', '+retry=1', name, type])).stdout;
      assert.equal(await dig(`app.${DOMAIN}`, 'A'), '192.0.2.10\n');
      assert.match(await dig(DOMAIN, 'MX'), new RegExp(`20 backup\\.${DOMAIN.replace('.', '\\.')}\\.`));

      // Databases: added, applied live; then deleted after a confirmation.
      await openScreen(page, 'Databases', 'Databases');
      await page.getByLabel('Database name').fill(DATABASE);
      await page.getByLabel('Password of its user').fill(MAILBOX_PASSWORD);
      await page.getByRole('button', { name: 'Add database' }).click();
      await appliedLive(page, `Database ${DATABASE} added`);
      await page.getByRole('cell', { name: DATABASE, exact: true }).first().waitFor();
      await settled(page);
      await assertCleanScreen(page, seen, 'databases');
      shots.push(await screenshot(page, 'customer-databases-desktop'));
      await page.getByRole('button', { name: `Delete ${DATABASE}` }).click();
      await page.getByRole('button', { name: 'Keep it' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Keep it' }).evaluate((e) => e === document.activeElement), true);
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await appliedLive(page, `Database ${DATABASE} deleted`);

      // The other managers and the dashboard, with what was made.
      for (const [link, heading, shot] of [
        ['Forwarders', 'Forwarders', 'forwarders'],
        ['FTP users', 'FTP users', 'ftp-users'],
        ['Overview', 'Overview', 'dashboard'],
      ]) {
        await openScreen(page, link, heading);
        await assertCleanScreen(page, seen, shot);
        shots.push(await screenshot(page, `customer-${shot}-desktop`));
      }
      const sites = page.locator('.service-card', { hasText: 'Websites' });
      assert.match(await sites.textContent(), /^1Websites$/);
      assert.match(await page.locator('.service-card', { hasText: 'Mailboxes' }).textContent(), /^1Mailboxes$/);

      // One page load from sign-in to here: every change showed live, without a reload.
      assert.equal(await page.evaluate(() => window.__samePage), true, 'the page was reloaded');
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].startTime), firstLoad);
    } finally {
      await context.close();
    }
  });
});

describe('the customer panel at phone width', () => {
  it('every screen is usable and accessible at 390px, through the folded menu', async () => {
    const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.phone);
    try {
      await signIn(page);
      await settled(page);
      assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'the menu starts folded');
      await assertCleanScreen(page, seen, 'dashboard (phone)');
      shots.push(await screenshot(page, 'customer-dashboard-phone'));
      for (const [link, heading, shot] of [
        ['Websites', 'Websites', 'sites'],
        ['Mailboxes', 'Mailboxes', 'mailboxes'],
        ['Forwarders', 'Forwarders', 'forwarders'],
        ['FTP users', 'FTP users', 'ftp-users'],
        ['Databases', 'Databases', 'databases'],
        ['DNS zones', 'DNS zones', 'zones'],
      ]) {
        await openScreen(page, link, heading);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `${shot}: the page is ${width}px wide at a 390px screen`);
        await assertCleanScreen(page, seen, `${shot} (phone)`);
        shots.push(await screenshot(page, `customer-${shot}-phone`));
      }
      await page.getByRole('link', { name: `Records of ${DOMAIN}` }).click();
      await page.getByRole('heading', { name: `DNS records of ${DOMAIN}`, level: 1 }).waitFor();
      await settled(page);
      await page.getByLabel('Type').selectOption('SRV');
      await assertCleanScreen(page, seen, 'records (phone)');
      shots.push(await screenshot(page, 'customer-records-phone'));
    } finally {
      await context.close();
    }
  });
});
