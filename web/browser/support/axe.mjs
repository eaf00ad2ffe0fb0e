// axe-core's WCAG 2 A and AA rules (2.0, 2.1 and 2.2) on the page as it is. axe.min.js is
// evaluated through the DevTools protocol rather than added as a <script>: the page's CSP
// (script-src 'self') rightly refuses inline scripts, and the test must not loosen it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// The violations, each as "rule: help (n nodes: selectors)"; [] when none.
export async function axeViolations(page) {
  // An expression after the library makes playwright evaluate the text as a script, not call it.
  const loaded = await page.evaluate(`${axeSource}\n;typeof window.axe`);
  if (loaded !== 'object') throw new Error(`axe-core did not load (${loaded})`);
  const result = await page.evaluate(
    (tags) => globalThis.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_TAGS,
  );
  return result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.length} nodes: ${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

// How many rules ran (a check that axe really looked at something).
export async function axeRuleCount(page) {
  return page.evaluate(
    (tags) => globalThis.axe.getRules(tags).length,
    WCAG_TAGS,
  );
}
