// The reseller's and the administrator's panel in Debian's Chromium against a real `hostplane up`
// (web services; the test hook --test-break-domain makes one site's nginx configuration invalid,
// so its task fails with nginx's own words). An administrator adds a reseller, sees the node and
// its health, asks to drain it (and keeps it), finds the failed task with its message, searches
// the audit log. The reseller signs in, adds a plan and a customer with it (applied live),
// suspends the customer — its site answers 503 over the instance's nginx — and resumes it (200
// again); it does not see another reseller's customer, in its list or at its URL. Every screen
// at desktop and phone width: no WCAG 2 A/AA violation (axe-core), no console error, no inline
// style, a screenshot (build/screenshots).
//
// The administrator is a staff login made with the instance's admin token (POST /users with role
// admin), as an operator would with `hostplane user create --role admin`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, openPage, screenshot, VIEWPORTS } from './support/chromium.mjs';
import { appliedLive, assertCleanScreen, httpGet, openScreen, settled, signIn } from './support/panel.mjs';
import { startUp } from './support/up.mjs';


const ADMIN = 'rapadmin';
const RESELLER = 'raresa';
const OTHER = 'raresb';
const PASSWORD = 'Panel-reseller-pass-1';
const CUSTOMER = 'racusta';
const OTHER_CUSTOMER = 'racustb';
const SITE = 'racusta.example';
const BROKEN = 'broken.racustb.example';
const PLAN = 'ra-small';

let up;
let browser;
let nodeName;
const shots = [];

async function api(method, path, body, token = up.token) {
  const res = await fetch(`${up.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

async function waitTasks(tasks) {
  for (const task of tasks) {
    const res = await api('GET', `/api/v1/tasks/${task.id}/wait?timeout_ms=30000`);
    assert.equal(res.status, 200, res.text);
  }
  return Promise.all(tasks.map(async (task) => (await api('GET', `/api/v1/tasks/${task.id}`)).json.task));
}

const UNLIMITED = { unlimited: true };
const limits = (sites) => ({
  sites, mailboxes: UNLIMITED, mailbox_quota_mb: UNLIMITED, forwarders: UNLIMITED, ftp_users: UNLIMITED,
  dns_zones: UNLIMITED, databases: UNLIMITED, disk_mb: UNLIMITED,
});

before(async () => {
  up = await startUp(['--', '--enable-test-hooks', '--test-break-domain', BROKEN]);
  browser = await launchChromium();

  // The administrator: a staff login.
  const made = await api('POST', '/api/v1/users', {
    login: ADMIN, email: 'admin@ra.test', password: PASSWORD, role: 'admin',
  });
  assert.equal(made.status, 201, made.text);

  // Reseller B with a plan and a customer of its own, made with its own token; that customer's
  // broken site is the failed task the administrator finds.
  const other = await api('POST', '/api/v1/resellers', {
    login: OTHER, email: 'b@ra.test', password: PASSWORD, limits: { customers: UNLIMITED, sites: 10 },
  });
  assert.equal(other.status, 201, other.text);
  const login = await fetch(`${up.url}/api/v1/login/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: OTHER, password: PASSWORD }),
  });
  assert.equal(login.status, 201);
  const tokenB = (await login.json()).token;
  const planB = await api('POST', '/api/v1/plans', { name: 'rb-plan', limits: limits(2) }, tokenB);
  assert.equal(planB.status, 201, planB.text);
  const custB = await api('POST', '/api/v1/customers', { login: OTHER_CUSTOMER, email: 'c@rb.test', plan: 'rb-plan' }, tokenB);
  assert.equal(custB.status, 201, custB.text);
  await waitTasks(custB.json.tasks);
  const broken = await api('POST', '/api/v1/sites', { domain: BROKEN, customer: OTHER_CUSTOMER }, tokenB);
  assert.equal(broken.status, 201, broken.text);
  const states = await waitTasks(broken.json.tasks);
  assert.ok(states.some((t) => t.state === 'failed'), JSON.stringify(states));

  nodeName = (await api('GET', '/api/v1/nodes')).json.nodes[0].name;
});

after(async () => {
  await browser?.close();
  // The fixture deletes every customer (its Unix user and pools) before it stops.
  await up?.stop();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('the administrator', () => {
  it('adds a reseller, sees the node and a failed task with its message, searches the audit log', async () => {
    const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.desktop);
    const clean = (what) => assertCleanScreen(page, seen, up.url, what);
    try {
      await signIn(page, ADMIN, PASSWORD);
      const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
      assert.deepEqual(nav, ['Overview', 'Customers', 'Resellers', 'Plans', 'Nodes', 'Tasks', 'Audit log', 'Settings']);
      // The overview: the broken site's failed task counted, every node answering.
      await settled(page);
      assert.match(await page.locator('.service-card', { hasText: 'Failed tasks' }).textContent(), /^[1-9]\d*Failed tasks$/);
      assert.equal(await page.locator('.service-card', { hasText: 'Nodes not answering' }).textContent(), '0Nodes not answering');
      await clean('overview (admin)');
      shots.push(await screenshot(page, 'admin-overview-desktop'));

      // Resellers: a bad login is refused beside its field; then reseller A is added.
      await openScreen(page, 'Resellers', 'Resellers');
      await page.getByLabel('Login name').fill('Bad Login');
      await page.getByLabel('E-mail address').fill('a@ra.test');
      await page.getByRole('button', { name: 'Add reseller' }).click();
      await page.locator('.field.invalid', { has: page.getByLabel('Login name') }).waitFor();
      await page.getByLabel('Login name').fill(RESELLER);
      await page.getByLabel('Password (optional)').fill(PASSWORD);
      await page.getByLabel('Websites at most').fill('10');
      await page.getByRole('button', { name: 'Add reseller' }).click();
      await page.locator('.change', { hasText: `Reseller ${RESELLER} added` }).waitFor();
      await page.getByRole('row', { name: new RegExp(`^${RESELLER} `) }).waitFor();
      await settled(page);
      await clean('resellers');
      shots.push(await screenshot(page, 'admin-resellers-desktop'));

      // Nodes: the node is up; "Drain" asks first, and "keep" keeps it.
      await openScreen(page, 'Nodes', 'Nodes');
      const row = page.getByRole('row', { name: new RegExp(nodeName) });
      assert.match(await row.textContent(), /Up/);
      assert.match(await row.textContent(), /Active/);
      await page.getByRole('button', { name: `Drain ${nodeName}` }).click();
      await page.getByRole('group', { name: `Move customers off ${nodeName}?` }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Keep it' }).evaluate((e) => e === document.activeElement), true);
      await clean('nodes (asking)');
      shots.push(await screenshot(page, 'admin-nodes-desktop'));
      await page.getByRole('button', { name: 'Keep it' }).click();
      assert.equal(await page.locator('.change').count(), 0, 'nothing was drained');

      // Tasks: failed ones first, with nginx's own message.
      await openScreen(page, 'Tasks', 'Tasks');
      assert.equal(await page.getByLabel('Show tasks').inputValue(), 'failed');
      const failed = page.getByRole('row', { name: new RegExp(BROKEN.replaceAll('.', '\\.')) });
      await failed.first().waitFor();
      const message = await failed.first().locator('.task-message').textContent();
      assert.match(await failed.first().textContent(), /Failed/);
      assert.ok(message.length > 10, `the daemon's message: ${message}`);
      console.log(`failed task's message: ${message}`);
      await clean('tasks');
      shots.push(await screenshot(page, 'admin-tasks-desktop'));

      // Audit log: the entries about reseller B's customer.
      await openScreen(page, 'Audit log', 'Audit log');
      await page.getByRole('searchbox', { name: 'Search' }).fill(`customer:${OTHER_CUSTOMER}`);
      await page.keyboard.press('Enter');
      await settled(page);
      const objects = await page.locator('tbody tr td:nth-child(4)').allTextContents();
      assert.ok(objects.length > 0 && objects.every((o) => o === `customer:${OTHER_CUSTOMER}`), objects.join(', '));
      await clean('audit');
      shots.push(await screenshot(page, 'admin-audit-desktop'));

      await openScreen(page, 'Customers', 'Customers');
      await page.getByRole('link', { name: OTHER_CUSTOMER, exact: true }).waitFor();
      await clean('customers (admin)');
    } finally {
      await context.close();
    }
  });
});

describe('the reseller', () => {
  it('adds a plan and a customer, suspends it (503) and resumes it (200); another reseller’s customer stays hidden', async () => {
    const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.desktop);
    const clean = (what) => assertCleanScreen(page, seen, up.url, what);
    try {
      await signIn(page, RESELLER, PASSWORD);
      const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
      assert.deepEqual(nav, ['Overview', 'Customers', 'Plans', 'Tasks', 'Audit log', 'Settings']);
      await settled(page);
      const usage = () => page.locator('.service-card').allTextContents();
      await page.waitForFunction(() => document.querySelectorAll('.service-limit').length === 2);
      assert.deepEqual((await usage()).slice(0, 2), ['0Customersno limit', '0Websitesof 10 allowed']);

      // A plan with five websites, the other limits left unlimited.
      await openScreen(page, 'Plans', 'Plans');
      await page.getByLabel('Plan name').fill(PLAN);
      await page.getByLabel('Websites', { exact: true }).fill('five');
      await page.getByRole('button', { name: 'Add plan' }).click();
      assert.equal(await page.locator('.field.invalid').textContent().then((t) => /whole number/.test(t)), true);
      await page.getByLabel('Websites', { exact: true }).fill('5');
      await page.getByRole('button', { name: 'Add plan' }).click();
      await page.locator('.change', { hasText: `Plan ${PLAN} added` }).waitFor();
      await page.getByRole('cell', { name: PLAN, exact: true }).waitFor();
      await settled(page);
      await clean('plans');
      shots.push(await screenshot(page, 'reseller-plans-desktop'));

      // A customer on that plan, applied live; reseller B's customer is not in the list.
      await openScreen(page, 'Customers', 'Customers');
      await page.getByLabel('Login name').fill(CUSTOMER);
      await page.getByLabel('E-mail address').fill('owner@racusta.test');
      await page.getByLabel('Plan', { exact: true }).selectOption(PLAN);
      await page.getByRole('button', { name: 'Add customer' }).click();
      // A customer is placed on a node with its first site: nothing to apply yet.
      const added = page.locator('.change', { hasText: `Customer ${CUSTOMER} added` });
      await added.waitFor();
      assert.match(await added.textContent(), /Nothing to apply on the servers/);
      await page.getByRole('link', { name: CUSTOMER, exact: true }).waitFor();
      await settled(page);
      assert.equal(await page.getByRole('link', { name: OTHER_CUSTOMER }).count(), 0, 'B’s customer is listed');
      assert.match(await page.getByRole('row', { name: new RegExp(CUSTOMER) }).textContent(), new RegExp(PLAN));

      // Its site (made through the API, as its owner's tools would) answers over nginx.
      const site = await api('POST', '/api/v1/sites', { domain: SITE, customer: CUSTOMER });
      assert.equal(site.status, 201, site.text);
      assert.ok((await waitTasks(site.json.tasks)).every((t) => t.state === 'applied'));
      assert.equal((await httpGet(up.http_port, SITE, '/')).status, 200);

      // Suspended in the panel: applied live, and the site answers 503.
      await page.getByRole('button', { name: `Suspend ${CUSTOMER}` }).click();
      await appliedLive(page, `${CUSTOMER} suspended`);
      const suspended = await httpGet(up.http_port, SITE, '/');
      assert.equal(suspended.status, 503, suspended.body);
      await page.getByRole('button', { name: `Resume ${CUSTOMER}` }).waitFor();
      await settled(page);
      await clean('customers');
      shots.push(await screenshot(page, 'reseller-customers-desktop'));

      // Resumed: 200 again.
      await page.getByRole('button', { name: `Resume ${CUSTOMER}` }).click();
      await appliedLive(page, `${CUSTOMER} resumed`);
      assert.equal((await httpGet(up.http_port, SITE, '/')).status, 200);

      // Its own screen, with the plan; reseller B's customer's URL is "not found".
      await page.getByRole('link', { name: CUSTOMER, exact: true }).click();
      await page.getByRole('heading', { name: `Customer ${CUSTOMER}`, level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Change plan' }).waitFor();
      await settled(page);
      await clean('customer');
      shots.push(await screenshot(page, 'reseller-customer-desktop'));
      await page.goto(`/customers/${OTHER_CUSTOMER}`);
      assert.equal(await page.getByRole('alert').textContent(), 'This does not exist, or you may not see it.');
      assert.equal(await page.getByText('c@rb.test').count(), 0);
      await clean('another reseller’s customer');

      // The overview counts the customer and its website against the reseller's limits.
      await openScreen(page, 'Overview', 'Overview');
      await page.waitForFunction(() => document.querySelectorAll('.service-limit').length === 2);
      assert.deepEqual((await usage()).slice(0, 2), ['1Customersno limit', '1Websitesof 10 allowed']);
      await clean('overview (reseller)');
      shots.push(await screenshot(page, 'reseller-overview-desktop'));

      // Deleted after a confirmation (focus on "keep"): gone from the list; the removal from the
      // servers is not followed (a deleted customer's tasks are no longer the reseller's to read).
      await page.goto('/customers');
      await settled(page);
      await page.getByRole('button', { name: `Delete ${CUSTOMER}` }).click();
      assert.equal(await page.getByRole('button', { name: 'Keep it' }).evaluate((e) => e === document.activeElement), true);
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      const deleted = page.locator('.change', { hasText: `Customer ${CUSTOMER} deleted` });
      await deleted.waitFor();
      assert.match(await deleted.textContent(), /being removed from the servers/);
      await settled(page);
      assert.equal(await page.getByRole('link', { name: CUSTOMER, exact: true }).count(), 0);
      await clean('customer deleted');
    } finally {
      await context.close();
    }
  });
});

describe('at phone width', () => {
  it('the reseller’s and the administrator’s screens fit 390px and stay accessible', async () => {
    for (const [login, screens] of [
      [RESELLER, [
        ['Overview', 'Overview', 'reseller-overview'],
        ['Customers', 'Customers', 'reseller-customers'],
        ['Plans', 'Plans', 'reseller-plans'],
      ]],
      [ADMIN, [
        ['Nodes', 'Nodes', 'admin-nodes'],
        ['Tasks', 'Tasks', 'admin-tasks'],
        ['Resellers', 'Resellers', 'admin-resellers'],
        ['Audit log', 'Audit log', 'admin-audit'],
      ]],
    ]) {
      const { context, page, seen } = await openPage(browser, up.url, VIEWPORTS.phone);
      try {
        await signIn(page, login, PASSWORD);
        assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'the menu starts folded');
        for (const [link, heading, shot] of screens) {
          await openScreen(page, link, heading);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= 390, `${shot}: the page is ${width}px wide at a 390px screen`);
          await assertCleanScreen(page, seen, up.url, `${shot} (phone)`);
          shots.push(await screenshot(page, `${shot}-phone`));
        }
      } finally {
        await context.close();
      }
    }
  });
});
