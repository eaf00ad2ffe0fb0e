// Checks that every package in package-lock.json accepts the Node.js versions the panel is built
// and tested on: Debian 12's own nodejs (18.20.4) and the Node 20 of the development machines.
// npm only warns about `engines` (EBADENGINE), so without this check an upgrade could quietly
// stop working on a fresh Debian 12. Exits 1 and names each package that refuses one of them.
// Usage: node scripts/check-engines.mjs
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

export const NODE_VERSIONS = ['18.20.4', '20.20.2'];
// Debian 12's npm package; a package that insists on a newer npm would warn on every `npm ci`.
export const NPM_VERSION = '9.2.0';

export function refusals(lock) {
  const out = [];
  for (const [path, pkg] of Object.entries(lock.packages ?? {})) {
    if (path === '' || !pkg.engines) continue;
    const name = path.replace(/^.*node_modules\//, '');
    const { node, npm } = pkg.engines;
    for (const v of NODE_VERSIONS) {
      if (node && !semver.satisfies(v, node, { includePrerelease: true })) {
        out.push(`${name}@${pkg.version} wants node ${node}, refuses ${v}`);
      }
    }
    if (npm && !semver.satisfies(NPM_VERSION, npm)) {
      out.push(`${name}@${pkg.version} wants npm ${npm}, refuses ${NPM_VERSION}`);
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
  const bad = refusals(lock);
  const count = Object.keys(lock.packages ?? {}).length - 1;
  if (bad.length > 0) {
    console.error(`check-engines: ${bad.length} refusal(s) among ${count} packages:`);
    for (const line of bad) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`check-engines: all ${count} packages accept node ${NODE_VERSIONS.join(' and ')}` +
              ` and npm ${NPM_VERSION}`);
}
