// The file manager in Debian's Chromium against a real `hostplane up` (issue 20): a customer with
// a PHP site opens its public folder through the breadcrumbs, uploads a PHP file (in parts, with
// a progress bar) and the instance's nginx serves it with PHP run; downloads it back and compares
// the hashes; edits it in the panel and the change is served; a save after someone else changed
// the file (through the API, in between) is refused and says so, and "reload" shows their
// version; a file named like an XSS payload is rendered as text. Desktop and phone width: no
// WCAG 2 A/AA violation (axe-core), no console error, no inline style, a screenshot.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { launchChromium, openPage, screenshot, VIEWPORTS } from './support/chromium.mjs';
import { assertCleanScreen as assertClean, httpGet, openScreen, settled, signIn } from './support/panel.mjs';
import { startUp } from './support/up.mjs';

const CUSTOMER = 'filecust';
const PASSWORD = 'Files-pass-first-1';
const SITE = 'filecust.example';
const PUBLIC = `sites/${SITE}/public`;
const XSS = '<img src=x onerror=alert(1)>.txt';
// A PHP file of two parts and a bit (the panel sends 256 KiB parts): the code, then a comment.
const PHP = Buffer.from(`<?php echo 'v1:', 6 * 7; /* ${'0123456789abcdef'.repeat(36 * 1024)} */\n`);

let up;
let browser;
const shots = [];

async function admin(method, path, body, type = 'application/json') {
  const res = await fetch(`${up.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${up.token}`, 'Content-Type': type },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
  });
  return { status: res.status, text: await res.text() };
}

const putFile = (path, bytes) =>
  admin('PUT', `/api/v1/customers/${CUSTOMER}/files/content?${new URLSearchParams({ path })}`, bytes, 'application/octet-stream');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  up = await startUp();
  browser = await launchChromium();
  const created = await admin('POST', '/api/v1/customers', { login: CUSTOMER, email: `${CUSTOMER}@panel.test`, password: PASSWORD });
  assert.equal(created.status, 201, created.text);
  const site = await admin('POST', '/api/v1/sites', { domain: SITE, customer: CUSTOMER, php: '8.2' });
  assert.equal(site.status, 201, site.text);
  for (const task of JSON.parse(site.text).tasks) {
    const done = await admin('GET', `/api/v1/tasks/${task.id}/wait?timeout_ms=30000`);
    assert.equal(JSON.parse(done.text).task.state, 'applied', done.text);
  }
  const planted = await putFile(`${PUBLIC}/${XSS}`, 'just text');
  assert.equal(planted.status, 200, planted.text);
});

after(async () => {
  await browser?.close();
  // The fixture deletes every customer (its Unix user, pools) before it stops.
  await up?.stop();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

// Goes from the home to the site's public folder through the folder links, as a person would.
async function openPublic(page) {
  await openScreen(page, 'Files', 'Files');
  for (const folder of ['sites', SITE, 'public']) {
    await page.getByRole('link', { name: `${folder}/`, exact: true }).click();
    await page.getByRole('navigation', { name: 'Folder' }).getByText(folder, { exact: true }).waitFor();
    await settled(page);
  }
}

describe('the file manager', () => {
  it('desktop: upload PHP served by nginx, download byte-exact, edit served, conflict reported, names as text', async () => {
    const { page, seen } = await openPage(browser, up.url, VIEWPORTS.desktop);
    const dialogs = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    try {
      await signIn(page, CUSTOMER, PASSWORD);
      await openPublic(page);
      assert.equal(
        await page.getByRole('navigation', { name: 'Folder' }).textContent(),
        `Homesites${SITE}public`,
      );

      // The XSS-named file is a row whose name is text: no image element, no alert.
      await page.getByRole('cell', { name: XSS, exact: true }).waitFor();
      assert.equal(await page.locator('main img').count(), 0, 'a file name became an element');

      // Upload: the file input, parts with progress, then the site serves it with PHP run.
      const parts = [];
      page.on('request', (r) => r.method() === 'PUT' && parts.push(new URL(r.url()).searchParams.get('offset')));
      await page.getByLabel('Drop files here, or choose them:').setInputFiles({ name: 'hello.php', mimeType: 'application/x-php', buffer: PHP });
      await page.getByRole('status').filter({ hasText: 'Uploaded' }).waitFor();
      assert.deepEqual(parts, ['0', '262144', '524288'], 'three parts, each where the last ended');
      assert.equal(await page.locator('progress').getAttribute('value'), '100');
      await page.getByRole('cell', { name: 'hello.php', exact: true }).waitFor();
      const served = await httpGet(up.http_port, SITE, '/hello.php');
      assert.equal(served.status, 200, served.body);
      assert.equal(served.body, 'v1:42');

      // Resume: a part reaches the node but its answer is lost (the connection cut after it was
      // written); the upload stops with the panel's words, "Resume" goes on after the part that
      // landed, and the file is whole.
      const BIG = randomBytes(700 * 1024);
      let cut = 0;
      const content = (url) => url.pathname.endsWith('/files/content');
      await page.route(content, async (route) => {
        const offset = new URL(route.request().url()).searchParams.get('offset');
        if (route.request().method() !== 'PUT' || offset !== '262144' || cut++ > 0) return route.fallback();
        await route.fetch(); // the part is written on the node...
        await route.abort('connectionreset'); // ...and its answer never arrives
      });
      parts.length = 0;
      await page.getByLabel('Drop files here, or choose them:').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: BIG });
      await page.getByRole('status').filter({ hasText: 'Stopped at 36%' }).waitFor();
      await page.getByRole('alert').filter({ hasText: 'The server cannot be reached' }).waitFor();
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('status').filter({ hasText: /^Uploaded$/ }).first().waitFor();
      assert.deepEqual(parts, ['0', '262144', '262144', '524288'], 'the lost part tried again, refused, then on after it');
      const big = await fetch(`${up.url}/api/v1/customers/${CUSTOMER}/files/content?${new URLSearchParams({ path: `${PUBLIC}/big.bin` })}`, {
        headers: { Authorization: `Bearer ${up.token}` },
      });
      assert.equal(sha256(Buffer.from(await big.arrayBuffer())), sha256(BIG), 'the resumed upload is whole');
      await page.unroute(content);
      // The one console error the cut connection caused is this test's own doing: no other.
      const cutError = (e) => e.text.includes('ERR_CONNECTION_RESET') && e.url.includes('big.bin&offset=262144');
      assert.equal(seen.consoleErrors.filter(cutError).length, 1, JSON.stringify(seen.consoleErrors));
      seen.consoleErrors = seen.consoleErrors.filter((e) => !cutError(e));

      // Download: the link gives the same bytes.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download hello.php' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'hello.php');
      assert.equal(sha256(await readFile(await download.path())), sha256(PHP), 'downloaded byte-exact');

      // Edit: saved with the mtime read; nginx serves the change.
      await page.getByRole('button', { name: 'Edit hello.php' }).click();
      const box = page.getByLabel('Contents of hello.php');
      await page.waitForFunction(() => document.querySelector('textarea')?.value.startsWith('<?php'));
      await box.fill("<?php echo 'v2:', 6 * 7;\n");
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('hello.php was saved.').waitFor();
      assert.equal((await httpGet(up.http_port, SITE, '/hello.php')).body, 'v2:42');

      // Someone else saves the file (through the API) while it is open here: this save is refused
      // and says so; nothing of it is written; "reload" shows their version.
      await box.fill("<?php echo 'mine';\n");
      const theirs = await putFile(`${PUBLIC}/hello.php`, "<?php echo 'theirs';\n");
      assert.equal(theirs.status, 200, theirs.text);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('alert').filter({ hasText: 'Someone else changed hello.php since you opened it' }).waitFor();
      assert.equal((await httpGet(up.http_port, SITE, '/hello.php')).body, 'theirs');
      await page.getByRole('button', { name: 'Reload the file' }).click();
      await page.waitForFunction(() => document.querySelector('textarea')?.value === "<?php echo 'theirs';\n");

      await settled(page);
      await assertClean(page, seen, up.url, 'files');
      shots.push(await screenshot(page, 'customer-files-desktop'));
      assert.deepEqual(dialogs, [], 'no dialog opened (no script ran from a name)');
    } finally {
      await page.context().close();
    }
  });

  it('phone: the folder, the upload and the list fit and stay accessible', async () => {
    const { page, seen } = await openPage(browser, up.url, VIEWPORTS.phone);
    try {
      await signIn(page, CUSTOMER, PASSWORD);
      await openPublic(page);
      // (A cell's accessible name at phone width starts with its column's name, shown above it.)
      await page.getByText(XSS, { exact: true }).waitFor();
      assert.equal(await page.locator('main img').count(), 0);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(wide, false, 'nothing wider than the phone');
      await assertClean(page, seen, up.url, 'files (phone)');
      shots.push(await screenshot(page, 'customer-files-phone'));
    } finally {
      await page.context().close();
    }
  });
});
