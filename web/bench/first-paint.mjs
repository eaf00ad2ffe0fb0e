// First paint and time to interactive of the panel in Debian's Chromium, against a real
// `hostplane up` on loopback (hp_up_fixture). For each run it opens /sign-in and reads, from the
// page's own Performance API:
//   first-contentful-paint  the first text painted (the app's "Loading…" or the screen itself)
//   first-screen            the performance mark the app sets once its first screen is rendered
//                           with its handlers attached (src/shell/use_screen.ts): usable from then
//   load                    the load event's end
// and where the time went: ttfb (index.html's first byte), script (the app's script fully
// received), session (the answer of GET /api/v1/sessions/current, which the first screen waits
// for).
// "cold" runs use a fresh browser context each time (empty cache, as a first visit); "warm" runs
// reload in one context (the hashed assets come from the cache, index.html is revalidated).
// "floor" is Chromium's own cost of the same cold navigation to a page that needs nothing: the
// first paint of /healthz (a few bytes of JSON shown as text) in a fresh context, measured
// alternately with the cold runs so both see the same machine.
// Prints the median and 90th percentile of each, and a JSON line for docs/benchmarks.md.
//
// With "dashboard" the page is a customer's dashboard (/, signed in: each context starts with the
// session cookie of one sign-in; the customer has one website), and "ready" is when its service
// counts are shown (the dashboard's own API calls answered and painted).
//
// Usage (from web/, after the build): HP_UP_FIXTURE=../build/tests/support/hp_up_fixture \
//   node bench/first-paint.mjs [runs=21] [sign-in|dashboard]
import { launchChromium, VIEWPORTS } from '../browser/support/chromium.mjs';
import { startUp } from '../browser/support/up.mjs';

const runs = Number(process.argv[2] ?? 21);
const screen = process.argv[3] ?? 'sign-in';
if (screen !== 'sign-in' && screen !== 'dashboard') throw new Error(`unknown screen ${screen}`);

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0], max: sorted[sorted.length - 1] };
}

async function measure(page) {
  await page.waitForFunction(() => performance.getEntriesByName('hp:first-screen').length > 0);
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0);
  return page.evaluate(() => {
    const resource = (part) =>
      performance.getEntriesByType('resource').find((e) => e.name.includes(part))?.responseEnd ?? NaN;
    return {
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      firstScreen: performance.getEntriesByName('hp:first-screen')[0].startTime,
      load: performance.getEntriesByType('navigation')[0].loadEventEnd,
      ttfb: performance.getEntriesByType('navigation')[0].responseStart,
      script: resource('/assets/index-'),
      session: resource('/api/v1/sessions/current'),
    };
  });
}

// The dashboard's counts painted: ms since navigation start.
async function ready(page) {
  await page.waitForFunction(() => document.querySelectorAll('.service-count').length > 0 &&
    ![...document.querySelectorAll('.service-count')].some((e) => e.textContent === '…'));
  return page.evaluate(() => performance.now());
}

// A customer with one website, signed in once: the cookies every measured context starts with.
async function customerSession(browser) {
  const admin = (method, path, body) =>
    fetch(`${up.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${up.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const password = 'Bench-customer-pass-1';
  await admin('POST', '/api/v1/customers', { login: 'benchc', email: 'bench@panel.test', password });
  await admin('POST', '/api/v1/sites', { domain: 'bench-site.example', customer: 'benchc' });
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  await page.goto(`${up.url}/sign-in`);
  await page.getByLabel('Login name or e-mail address').fill('benchc');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your services' }).waitFor();
  const state = await context.storageState();
  await context.close();
  return state;
}

const up = await startUp();
const browser = await launchChromium();
const chromiumVersion = browser.version();
const results = { cold: [], warm: [], floor: [] };
try {
  const storageState = screen === 'dashboard' ? await customerSession(browser) : undefined;
  const path = screen === 'dashboard' ? '/' : '/sign-in';
  const measured = async (page) => {
    const m = await measure(page);
    if (screen === 'dashboard') m.ready = await ready(page);
    return m;
  };
  for (let i = 0; i < runs; i += 1) {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, storageState });
    const page = await context.newPage();
    await page.goto(`${up.url}${path}`);
    results.cold.push(await measured(page));
    await context.close();
    const bare = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const floorPage = await bare.newPage();
    await floorPage.goto(`${up.url}/healthz`);
    await floorPage.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    results.floor.push(
      await floorPage.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        ttfb: performance.getEntriesByType('navigation')[0].responseStart,
      })),
    );
    await bare.close();
  }
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, storageState });
  const page = await context.newPage();
  await page.goto(`${up.url}${path}`);
  await measured(page);
  for (let i = 0; i < runs; i += 1) {
    await page.reload();
    results.warm.push(await measured(page));
  }
  await context.close();
} finally {
  await browser.close();
  await up.stop();
}

const summary = {};
for (const [kind, list] of Object.entries(results)) {
  summary[kind] = {};
  for (const metric of ['ttfb', 'script', 'fcp', 'session', 'firstScreen', 'load', 'ready']) {
    if (!(metric in list[0])) continue;
    const s = stats(list.map((r) => r[metric]));
    summary[kind][metric] = s;
    console.log(
      `${kind.padEnd(5)} ${metric.padEnd(12)} median ${s.median.toFixed(1).padStart(6)} ms  p90 ${s.p90.toFixed(1).padStart(6)} ms  (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, ${list.length} runs)`,
    );
  }
}
console.log(JSON.stringify({ screen, runs, chromium: chromiumVersion, node: process.version, summary }));
