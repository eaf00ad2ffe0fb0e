// What the panel's browser tests do as a person would, shared by them: sign in, go to a screen
// through the navigation, wait for its lists, follow a change until it is applied, check a screen
// (no inline style, no axe-core WCAG 2 A/AA violation, no console error), and fetch a site from
// the instance's nginx by its Host header.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { axeRuleCount, axeViolations } from './axe.mjs';
import { unexpectedConsoleErrors } from './chromium.mjs';

export const APPLY_MS = 60_000;

export async function assertCleanScreen(page, seen, base, what) {
  const styled = await page.evaluate(() =>
    [...document.querySelectorAll('[style]:not([style=""])')].map((e) => e.outerHTML.slice(0, 200)),
  );
  assert.deepEqual(styled, [], `${what}: elements with a style attribute`);
  assert.deepEqual(await axeViolations(page), [], `${what}: axe-core WCAG 2 A/AA violations`);
  assert.ok((await axeRuleCount(page)) > 50, 'axe-core ran its WCAG rules');
  assert.deepEqual(unexpectedConsoleErrors(seen, base), [], `${what}: console errors`);
  assert.deepEqual(seen.pageErrors, [], `${what}: uncaught exceptions`);
}

// Signs in on the sign-in screen and waits for the first screen's heading.
export async function signIn(page, login, password, heading = 'Overview') {
  await page.goto('/');
  await page.getByLabel('Login name or e-mail address').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

export async function settled(page) {
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await page.waitForFunction(() => !document.body.textContent.includes('…'));
}

// Goes to a screen through the navigation (at phone width the menu opens first), as a person
// would, and waits until its list has loaded.
export async function openScreen(page, link, heading) {
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  await settled(page);
}

// Waits until the change labelled `label` in "Your changes" shows every task applied; fails with
// the daemon's words when one failed.
export async function appliedLive(page, label) {
  const change = page.locator('.change', { hasText: label });
  await change.waitFor({ timeout: 10_000 });
  await page.waitForFunction(
    (text) => {
      const li = [...document.querySelectorAll('.change')].find((e) => e.textContent.includes(text));
      const badges = li ? [...li.querySelectorAll('.task-status')] : [];
      return badges.length > 0 && badges.every((b) => !/state-(pending|running|retry|unknown)/.test(b.className));
    },
    label,
    { timeout: APPLY_MS },
  );
  const states = await change.locator('.task-status').evaluateAll((els) => els.map((e) => e.className));
  assert.ok(
    states.every((c) => c.includes('state-applied')),
    `${label}: ${states.join(', ')}: ${await change.textContent()}`,
  );
}

// GET http://127.0.0.1:<port><path> with the Host header `host` (a site of the instance's nginx).
export function httpGet(port, host, path) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (err) => resolve({ status: 0, body: String(err) }));
    req.end();
  });
}
