// First paint and time to interactive of the panel in Debian's Chromium, against a real
// `hostplane up` on loopback (hp_up_fixture). For each run it opens /sign-in and reads, from the
// page's own Performance API:
//   first-contentful-paint  the first text painted (the app's "Loading…" or the screen itself)
//   first-screen            the performance mark the app sets once its first screen is rendered
//                           with its handlers attached (src/shell/use_screen.ts): usable from then
//   load                    the load event's end
// "cold" runs use a fresh browser context each time (empty cache, as a first visit); "warm" runs
// reload in one context (the hashed assets come from the cache, index.html is revalidated).
// Prints the median and 90th percentile of each, and a JSON line for docs/benchmarks.md.
//
// Usage (from web/, after the build): HP_UP_FIXTURE=../build/tests/support/hp_up_fixture \
//   node bench/first-paint.mjs [runs=21]
import { launchChromium, VIEWPORTS } from '../browser/support/chromium.mjs';
import { startUp } from '../browser/support/up.mjs';

const runs = Number(process.argv[2] ?? 21);

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0], max: sorted[sorted.length - 1] };
}

async function measure(page) {
  await page.waitForFunction(() => performance.getEntriesByName('hp:first-screen').length > 0);
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0);
  return page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    firstScreen: performance.getEntriesByName('hp:first-screen')[0].startTime,
    load: performance.getEntriesByType('navigation')[0].loadEventEnd,
  }));
}

const up = await startUp();
const browser = await launchChromium();
const chromiumVersion = browser.version();
const results = { cold: [], warm: [] };
try {
  for (let i = 0; i < runs; i += 1) {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const page = await context.newPage();
    await page.goto(`${up.url}/sign-in`);
    results.cold.push(await measure(page));
    await context.close();
  }
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  await page.goto(`${up.url}/sign-in`);
  await measure(page);
  for (let i = 0; i < runs; i += 1) {
    await page.reload();
    results.warm.push(await measure(page));
  }
  await context.close();
} finally {
  await browser.close();
  await up.stop();
}

const summary = {};
for (const [kind, list] of Object.entries(results)) {
  summary[kind] = {};
  for (const metric of ['fcp', 'firstScreen', 'load']) {
    const s = stats(list.map((r) => r[metric]));
    summary[kind][metric] = s;
    console.log(
      `${kind.padEnd(5)} ${metric.padEnd(12)} median ${s.median.toFixed(1).padStart(6)} ms  p90 ${s.p90.toFixed(1).padStart(6)} ms  (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, ${list.length} runs)`,
    );
  }
}
console.log(JSON.stringify({ runs, chromium: chromiumVersion, node: process.version, summary }));
